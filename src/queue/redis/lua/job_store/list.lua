-- list: reads a page of job records in id order from one index (a read only).
-- Returns {'ok', <HGETALL of each job>...}.
local index = ARGV[3]      -- the index key's suffix: 'all' or 'state:<name>'
local after_id = ARGV[4]   -- the last id of the page before; '' for the first page
local count = tonumber(ARGV[5])

local start = '-'
if after_id ~= '' then start = '(' .. after_id end
local ids = redis.call('ZRANGEBYLEX', P .. 'jobs:' .. index, start, '+', 'LIMIT', 0, count)
local out = {'ok'}
for _, id in ipairs(ids) do out[#out + 1] = redis.call('HGETALL', job_key(id)) end
return out
