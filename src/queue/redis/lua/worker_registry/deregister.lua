-- deregister: deletes a worker's record and takes it out of the set of workers.
-- Returns {'ok'}.
local prefix = ARGV[1]  -- key prefix, 'tessera:' by default
local id = ARGV[2]

redis.call('DEL', prefix .. 'worker:' .. id)
redis.call('SREM', prefix .. 'workers', id)
return {'ok'}
