-- transition: moves a job to another state if the move is legal, keeping its state indexes, its
-- started/finished times and the finished index in step, and applies the update's fields, all
-- in one step.
-- LEGAL[from][to] and TERMINAL[state] are prepended by RedisJobStore, generated from
-- IsLegalTransition and IsTerminal (job_store.cc), so the state machine has one definition.
-- Returns {'ok', <HGETALL of the job>}, {'not_found', message} or {'conflict', message}.
-- luacheck: read globals LEGAL TERMINAL
local id = ARGV[3]
local to = ARGV[4]     -- the target state, a JobStateName spelling
local first_field = 5  -- ARGV[5...]: field/value pairs the update sets

local key = job_key(id)
local h = redis.call('HMGET', key, 'state', 'started_ms')
local from = h[1]
if not from then return {'not_found', 'no job ' .. id} end
if not LEGAL[from] or not LEGAL[from][to] then
  return {'conflict', 'job ' .. id .. ' cannot go from ' .. from .. ' to ' .. to}
end
redis.call('HSET', key, 'state', to, 'updated_ms', NOW)
if to == 'running' and (h[2] == false or h[2] == '0') then
  redis.call('HSET', key, 'started_ms', NOW)
end
if TERMINAL[to] then
  redis.call('HSET', key, 'finished_ms', NOW)
  redis.call('ZADD', P .. 'jobs:finished', NOW, id)
elseif TERMINAL[from] then
  redis.call('HSET', key, 'finished_ms', 0)
  redis.call('ZREM', P .. 'jobs:finished', id)
end
redis.call('ZREM', state_key(from), id)
redis.call('ZADD', state_key(to), 0, id)
for i = first_field, #ARGV, 2 do redis.call('HSET', key, ARGV[i], ARGV[i + 1]) end
return {'ok', redis.call('HGETALL', key)}
