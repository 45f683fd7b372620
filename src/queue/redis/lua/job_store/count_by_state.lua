-- count_by_state: the number of jobs in each state asked for, as of one instant (a read only).
-- Returns {'ok', <count of each state, in ARGV's order>...}.
local first_state = 3  -- ARGV[3...]: JobStateName spellings

local out = {'ok'}
for i = first_state, #ARGV do out[#out + 1] = redis.call('ZCARD', state_key(ARGV[i])) end
return out
