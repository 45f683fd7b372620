-- is_tile_done: whether a tile is in the job's set of done tiles (a read only).
-- Returns {'ok', <1 or 0>} or {'not_found', message}.
local id = ARGV[3]
local tile = ARGV[4]  -- the tile index

local key = job_key(id)
if redis.call('EXISTS', key) == 0 then return {'not_found', 'no job ' .. id} end
return {'ok', redis.call('SISMEMBER', key .. ':tiles', tile)}
