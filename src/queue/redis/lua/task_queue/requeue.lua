-- requeue: takes a dead task off the dead list and makes it ready again with fresh attempt and
-- lease-expiry counts.
-- Returns {'ok'}, {'not_found', message} or {'conflict', message} (the task is not dead).
local task_id = ARGV[4]

local key = task_key(task_id)
local state = redis.call('HGET', key, 'state')
if not state then return {'not_found', 'no task ' .. task_id} end
if state ~= 'dead' then
  return {'conflict', 'task ' .. task_id .. ' is ' .. state .. ', not dead'}
end
redis.call('ZREM', P .. 'dead', task_id)
redis.call('HSET', key, 'attempt', 0, 'lease_expiries', 0)
redis.call('PERSIST', key)
make_ready(key, task_id, NOW)
return {'ok'}
