-- Prelude of every job-store script: RedisJobStore runs each script as this text followed by
-- the script's own (one EVALSHA), so the names below are locals of every script.
--
-- ARGV[1..2], the same for every job-store script (RedisJobStore::Run):
local P = ARGV[1]    -- key prefix, 'tessera:' by default
local NOW = ARGV[2]  -- now, Unix ms of the injected Clock (kept as text: it is only stored)
-- A script's own arguments start at ARGV[3].

local function job_key(id) return P .. 'job:' .. id end
local function state_key(state) return P .. 'jobs:state:' .. state end
