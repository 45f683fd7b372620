-- mark_tile_done: adds a tile to the job's set of done tiles (<prefix>job:<id>:tiles) and sets
-- tiles_done to the set's size, in one step, so a tile counted twice still counts once.
-- Returns {'ok', <1 if newly added, else 0>, tiles_done, tiles_total} or {'not_found', message}.
local id = ARGV[3]
local tile = ARGV[4]  -- the tile index

local key = job_key(id)
if redis.call('EXISTS', key) == 0 then return {'not_found', 'no job ' .. id} end
local added = redis.call('SADD', key .. ':tiles', tile)
local done = redis.call('SCARD', key .. ':tiles')
redis.call('HSET', key, 'tiles_done', done, 'updated_ms', NOW)
local total = tonumber(redis.call('HGET', key, 'tiles_total') or '0') or 0
return {'ok', added, done, total}
