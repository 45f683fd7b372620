-- create: creates a job record (state queued) with its indexes, or, when the idempotency key is
-- already taken by a live job, answers that job instead; the key check, the id check and the
-- writes are one step.
-- Returns {'ok', 'created'|'existing', <HGETALL of the job>} or {'conflict', message} (the id is
-- taken).
local id = ARGV[3]
local idempotency_key = ARGV[4]  -- '' for none
local first_field = 5            -- ARGV[5...]: field/value pairs of the new record

if idempotency_key ~= '' then
  local existing = redis.call('GET', P .. 'idem:' .. idempotency_key)
  if existing and redis.call('EXISTS', job_key(existing)) == 1 then
    return {'ok', 'existing', redis.call('HGETALL', job_key(existing))}
  end
end
local key = job_key(id)
if redis.call('EXISTS', key) == 1 then
  return {'conflict', 'job id ' .. id .. ' is already used'}
end
local fields = {}
for i = first_field, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', key, unpack(fields))
if idempotency_key ~= '' then redis.call('SET', P .. 'idem:' .. idempotency_key, id) end
redis.call('ZADD', P .. 'jobs:all', 0, id)
redis.call('ZADD', state_key('queued'), 0, id)
return {'ok', 'created', redis.call('HGETALL', key)}
