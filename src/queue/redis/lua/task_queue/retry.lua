-- retry: if (consumer, token) still holds the task's lease, settles the delivery, records the
-- error and makes the task ready again (a fresh entry) or delayed until not_before.
-- Returns {'ok'}, or the fence's {'conflict'|'cancelled', message}.
local task_id = ARGV[4]
local consumer = ARGV[5]
local token = ARGV[6]          -- the stream entry id of the delivery
local not_before_ms = ARGV[7]  -- Unix ms of the injected Clock
local error_code = ARGV[8]     -- a CodeName() spelling
local error_message = ARGV[9]
local error_field = ARGV[10]
local error_detail = ARGV[11]

local key = task_key(task_id)
local refused = fence(key, consumer, token)
if refused then return refused end
release(key)
redis.call('HSET', key, 'error_code', error_code, 'error_message', error_message,
           'error_field', error_field, 'error_detail', error_detail)
local not_before = tonumber(not_before_ms)
if not_before > NOW then
  redis.call('HSET', key, 'state', 'delayed', 'entry', '', 'consumer', '', 'ready_ms', not_before)
  redis.call('ZADD', P .. 'delayed', not_before, task_id)
else
  make_ready(key, task_id, NOW)
end
return {'ok'}
