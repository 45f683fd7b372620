-- ack: if (consumer, token) still holds the task's lease, settles the delivery (XACK + XDEL) and
-- marks the task acked (kept for the retention so that enqueueing its id again is a no-op).
-- Returns {'ok'}, or the fence's {'conflict'|'cancelled', message}.
local task_id = ARGV[4]
local consumer = ARGV[5]
local token = ARGV[6]  -- the stream entry id of the delivery

local key = task_key(task_id)
local refused = fence(key, consumer, token)
if refused then return refused end
release(key)
finish(key, 'acked')
return {'ok'}
