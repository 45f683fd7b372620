-- cancel: a delayed or ready task becomes cancelled at once (its entry settled); a leased one is
-- marked cancel_requested, which its holder's next fenced call settles. Finished tasks are left
-- as they are.
-- Returns {'ok'} or {'not_found', message}.
local task_id = ARGV[4]

local key = task_key(task_id)
local state = redis.call('HGET', key, 'state')
if not state then return {'not_found', 'no task ' .. task_id} end
if state == 'delayed' then
  redis.call('ZREM', P .. 'delayed', task_id)
  finish(key, 'cancelled')
elseif state == 'ready' then
  release(key)
  finish(key, 'cancelled')
elseif state == 'leased' then
  -- The holder learns at its next fenced call, which settles the entry.
  redis.call('HSET', key, 'cancel_requested', '1')
end
return {'ok'}
