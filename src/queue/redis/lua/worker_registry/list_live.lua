-- list_live: reads the records of the live workers, dropping from the set of workers those
-- whose record has expired.
-- Returns {'ok', <HGETALL of each live worker>...}.
local prefix = ARGV[1]  -- key prefix, 'tessera:' by default

local out = {'ok'}
for _, id in ipairs(redis.call('SMEMBERS', prefix .. 'workers')) do
  local record = redis.call('HGETALL', prefix .. 'worker:' .. id)
  if #record == 0 then
    redis.call('SREM', prefix .. 'workers', id)
  else
    out[#out + 1] = record
  end
end
return out
