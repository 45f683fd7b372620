-- enqueue: records a new task and makes it ready (or delayed until not_before), atomically with
-- the capability-set index; a task id already known is left as it is.
-- Returns {'ok', 'new'} or {'ok', 'known'}.
local id = ARGV[4]
local job_id = ARGV[5]
local kind = ARGV[6]
local payload = ARGV[7]
local priority = ARGV[8]         -- '0' high, '1' normal, '2' low
local caps = ARGV[9]             -- the capabilities as given (JSON array)
local canonical_caps = ARGV[10]  -- sorted and de-duplicated: names the stream
local not_before_ms = ARGV[11]   -- Unix ms of the injected Clock

local key = task_key(id)
if redis.call('EXISTS', key) == 1 then return {'ok', 'known'} end
local not_before = tonumber(not_before_ms)
redis.call('HSET', key, 'id', id, 'job_id', job_id, 'kind', kind, 'payload', payload,
           'priority', priority, 'caps', caps, 'not_before', not_before_ms, 'enqueued_ms', NOW,
           'stream', P .. 'q:' .. priority .. ':' .. canonical_caps, 'attempt', 0,
           'lease_expiries', 0, 'cancel_requested', '0', 'entry', '', 'consumer', '')
redis.call('SADD', P .. 'capsets', canonical_caps)
if not_before > NOW then
  redis.call('HSET', key, 'state', 'delayed', 'ready_ms', not_before)
  redis.call('ZADD', P .. 'delayed', not_before, id)
else
  make_ready(key, id, NOW)
end
return {'ok', 'new'}
