-- bury: if (consumer, token) still holds the task's lease, settles the delivery and moves the
-- task to the dead list with its error.
-- Returns {'ok'}, or the fence's {'conflict'|'cancelled', message}.
local task_id = ARGV[4]
local consumer = ARGV[5]
local token = ARGV[6]       -- the stream entry id of the delivery
local error_code = ARGV[7]  -- a CodeName() spelling
local error_message = ARGV[8]
local error_field = ARGV[9]
local error_detail = ARGV[10]

local key = task_key(task_id)
local refused = fence(key, consumer, token)
if refused then return refused end
release(key)
bury(key, task_id, error_code, error_message, error_field, error_detail)
return {'ok'}
