-- luacheck configuration for the Redis Lua scripts (scripts/check-lua.sh).
-- Redis runs scripts on Lua 5.1 with these globals (cjson and the rest are not used).
stds.redis = {read_globals = {"redis", "KEYS", "ARGV"}}
std = "lua51+redis"
max_line_length = 100

-- A script of a group runs after its group's prelude (the C++ side concatenates them), so the
-- prelude's locals are names it may read; scripts/check-lua.sh also lints each script with its
-- prelude in front, which checks that the prelude does define every name listed here.
stds.task_queue_prelude = {read_globals = {
  "P", "NOW", "RETENTION", "GROUP", "task_key", "ensure_group", "base_stream", "make_ready",
  "promote_due", "release", "finish", "bury", "fence", "rank_of", "id_less", "next_undelivered",
}}
stds.job_store_prelude = {read_globals = {"P", "NOW", "job_key", "state_key"}}
files["src/queue/redis/lua/task_queue/*.lua"] = {std = "+task_queue_prelude"}
files["src/queue/redis/lua/job_store/*.lua"] = {std = "+job_store_prelude"}
-- A prelude defines helpers for the scripts after it: unused in the prelude itself.
files["src/queue/redis/lua/*/prelude.lua"] = {std = "lua51+redis", ignore = {"211"}}
