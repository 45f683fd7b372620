-- heartbeat: replaces a worker's record, sets its TTL (Redis's clock) and adds it to the set of
-- workers, in one step.
-- Returns {'ok'}.
local prefix = ARGV[1]  -- key prefix, 'tessera:' by default
local id = ARGV[2]
local ttl_ms = ARGV[3]
local first_field = 4   -- ARGV[4...]: field/value pairs of the WorkerInfo

local key = prefix .. 'worker:' .. id
local fields = {}
for i = first_field, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('DEL', key)
redis.call('HSET', key, unpack(fields))
redis.call('PEXPIRE', key, ttl_ms)
redis.call('SADD', prefix .. 'workers', id)
return {'ok'}
