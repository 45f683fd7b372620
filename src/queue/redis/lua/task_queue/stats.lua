-- stats: promotes due delayed tasks, then counts, as of one instant, the ready tasks per
-- priority, the delayed, leased and dead ones, and the oldest ready_ms among the streams' heads.
-- KEYS: every stream (and reclaim lane), high priority first.
-- Returns {'ok', ready_high, ready_normal, ready_low, delayed, leased, dead, oldest_ready_ms}
-- (oldest_ready_ms -1 when nothing is ready).
local streams_per_priority = {  -- how many KEYS each priority has, high first
  tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6]),
}

promote_due()
local ready = {0, 0, 0}
local leased = 0
local oldest = -1
local first = 1
for p = 1, 3 do
  local n = streams_per_priority[p]
  for i = first, first + n - 1 do
    local stream = KEYS[i]
    if redis.call('EXISTS', stream) == 1 then
      local pending = redis.call('XPENDING', stream, GROUP)[1]
      ready[p] = ready[p] + redis.call('XLEN', stream) - pending
      leased = leased + pending
      local head = next_undelivered(stream)
      if head then
        local task_id = redis.call('XRANGE', stream, head, head)[1][2][2]
        local ready_ms = tonumber(redis.call('HGET', task_key(task_id), 'ready_ms'))
        if ready_ms and (oldest < 0 or ready_ms < oldest) then oldest = ready_ms end
      end
    end
  end
  first = first + n
end
return {'ok', ready[1], ready[2], ready[3], redis.call('ZCARD', P .. 'delayed'), leased,
        redis.call('ZCARD', P .. 'dead'), oldest}
