-- claim: promotes due delayed tasks, then leases to `consumer` the task that became ready first
-- among the worker's eligible streams, highest priority first: one XREADGROUP records the
-- delivery in the PEL and XCLAIM ... IDLE sets the lease, in the same step.
-- KEYS: the candidate streams, high priority first, each followed by its reclaim lane.
-- Returns {'ok', <HGETALL of the leased task>} or {'ok'} when nothing is ready.
local consumer = ARGV[4]
local lease_as_idle_ms = ARGV[5]  -- the idle time that encodes the lease: kMaxLease - lease
local streams_per_priority = {    -- how many KEYS each priority has, high first
  tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8]),
}

promote_due()
local first = 1
for p = 1, 3 do
  local n = streams_per_priority[p]
  for _ = 1, 100 do
    -- The earliest ready of each stream's next entry; on a tie a reclaim lane (listed right
    -- after its stream) wins, then the older entry.
    local best_stream, best_id, best_rank = nil, nil, nil
    for i = first, first + n - 1 do
      local id = next_undelivered(KEYS[i])
      if id then
        local rank = rank_of(KEYS[i], id)
        local lane = string.sub(KEYS[i], -2) == ':r'
        if not best_id or rank < best_rank or
           (rank == best_rank and (lane or id_less(id, best_id))) then
          best_stream, best_id, best_rank = KEYS[i], id, rank
        end
      end
    end
    if not best_id then break end
    -- XREADGROUP records the delivery in the PEL in the same step: no fetch window.
    local read = redis.call('XREADGROUP', 'GROUP', GROUP, consumer, 'COUNT', 1,
                            'STREAMS', best_stream, '>')
    if not read then break end
    local entry = read[1][2][1]
    local entry_id, task_id = entry[1], entry[2][2]
    local key = task_key(task_id)
    local h = redis.call('HMGET', key, 'state', 'entry')
    if h[1] == 'ready' and h[2] == entry_id then
      redis.call('XCLAIM', best_stream, GROUP, consumer, 0, entry_id, 'IDLE', lease_as_idle_ms,
                 'JUSTID')
      redis.call('HINCRBY', key, 'attempt', 1)
      redis.call('HSET', key, 'state', 'leased', 'consumer', consumer)
      return {'ok', redis.call('HGETALL', key)}
    end
    -- An entry whose task has moved on (only possible if keys were edited by hand).
    redis.call('XACK', best_stream, GROUP, entry_id)
    redis.call('XDEL', best_stream, entry_id)
  end
  first = first + n
end
return {'ok'}
