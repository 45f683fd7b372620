-- set_progress: records a job's tile counts (and updated_ms).
-- Returns {'ok'} or {'not_found', message}.
local id = ARGV[3]
local tiles_done = ARGV[4]
local tiles_total = ARGV[5]

local key = job_key(id)
if redis.call('EXISTS', key) == 0 then return {'not_found', 'no job ' .. id} end
redis.call('HSET', key, 'tiles_done', tiles_done, 'tiles_total', tiles_total, 'updated_ms', NOW)
return {'ok'}
