-- extend_lease: if (consumer, token) still holds the task's lease, re-sets the lease in the PEL
-- (XCLAIM ... IDLE), checked and done in one step.
-- Returns {'ok'}, or the fence's {'conflict'|'cancelled', message}.
local task_id = ARGV[4]
local consumer = ARGV[5]
local token = ARGV[6]             -- the stream entry id of the delivery
local lease_as_idle_ms = ARGV[7]  -- kMaxLease - lease

local key = task_key(task_id)
local refused = fence(key, consumer, token)
if refused then return refused end
redis.call('XCLAIM', redis.call('HGET', key, 'stream'), GROUP, consumer, 0, token,
           'IDLE', lease_as_idle_ms, 'JUSTID')
return {'ok'}
