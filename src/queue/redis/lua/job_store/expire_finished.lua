-- expire_finished: deletes up to `limit` jobs that finished before the cutoff, each with its
-- indexes, its idempotency key (if still its own) and its tile set, in one step.
-- Returns {'ok', <HGETALL of each deleted job>...}.
local cutoff_ms = ARGV[3]  -- Unix ms, exclusive
local limit = tonumber(ARGV[4])

local ids = redis.call('ZRANGEBYSCORE', P .. 'jobs:finished', '-inf', '(' .. cutoff_ms, 'LIMIT',
                       0, limit)
local out = {'ok'}
for _, id in ipairs(ids) do
  local key = job_key(id)
  local record = redis.call('HGETALL', key)
  out[#out + 1] = record
  local h = redis.call('HMGET', key, 'state', 'idempotency_key')
  if h[2] and h[2] ~= '' and redis.call('GET', P .. 'idem:' .. h[2]) == id then
    redis.call('DEL', P .. 'idem:' .. h[2])
  end
  if h[1] then redis.call('ZREM', state_key(h[1]), id) end
  redis.call('ZREM', P .. 'jobs:finished', id)
  redis.call('ZREM', P .. 'jobs:all', id)
  redis.call('DEL', key, key .. ':tiles')
end
return out
