-- list_dead: reads the newest dead tasks (a read only).
-- Returns {'ok', <HGETALL of each dead task, newest first>...}.
local limit = tonumber(ARGV[4])  -- >= 1

local out = {'ok'}
for _, id in ipairs(redis.call('ZREVRANGE', P .. 'dead', 0, limit - 1)) do
  out[#out + 1] = redis.call('HGETALL', task_key(id))
end
return out
