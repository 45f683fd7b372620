-- get: reads one job record.
-- Returns {'ok', <HGETALL of the job>} or {'not_found', message}.
local id = ARGV[3]

local key = job_key(id)
if redis.call('EXISTS', key) == 0 then return {'not_found', 'no job ' .. id} end
return {'ok', redis.call('HGETALL', key)}
