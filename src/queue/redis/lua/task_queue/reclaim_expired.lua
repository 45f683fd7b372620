-- reclaim_expired: XAUTOCLAIMs every delivery whose lease ran out (idle time >= kMaxLease by
-- Redis's clock) and, per task in one step, settles it: a cancelled task becomes cancelled, one
-- over its lease-expiry budget is buried with deadline_exceeded, any other goes to its stream's
-- reclaim lane with its old ready_ms. Also drops consumers with nothing pending.
-- KEYS: every stream (and reclaim lane) of every known capability set.
-- Returns {'ok', <how many expired leases were handled>}.
local max_expiries = tonumber(ARGV[4])  -- expiries allowed before the task is buried
local min_idle_ms = ARGV[5]             -- kMaxLease: an idle time this long is an expired lease

local handled = 0
for _, stream in ipairs(KEYS) do
  if redis.call('EXISTS', stream) == 1 then
    local cursor = '0-0'
    for _ = 1, 100 do
      local r = redis.call('XAUTOCLAIM', stream, GROUP, 'tessera-reclaimer', min_idle_ms, cursor,
                           'COUNT', 100)
      cursor = r[1]
      for _, e in ipairs(r[2]) do
        local entry_id = e[1]
        redis.call('XACK', stream, GROUP, entry_id)
        redis.call('XDEL', stream, entry_id)
        if e[2] then
          local task_id = e[2][2]
          local key = task_key(task_id)
          local h = redis.call('HMGET', key, 'state', 'entry', 'cancel_requested', 'lease_expiries')
          if h[1] == 'leased' and h[2] == entry_id then
            handled = handled + 1
            if h[3] == '1' then
              finish(key, 'cancelled')
            else
              local expiries = tonumber(h[4]) + 1
              redis.call('HSET', key, 'lease_expiries', expiries)
              if expiries > max_expiries then
                bury(key, task_id, 'deadline_exceeded',
                     'the lease expired ' .. expiries .. ' times (at most ' .. max_expiries ..
                     ' allowed): the task kills or stalls its workers', '', '')
              else
                make_ready(key, task_id, redis.call('HGET', key, 'ready_ms'), true)
              end
            end
          end
        end
      end
      -- Entries deleted while pending (never done by tessera) would otherwise stay forever.
      for _, entry_id in ipairs(r[3]) do redis.call('XACK', stream, GROUP, entry_id) end
      if cursor == '0-0' then break end
    end
    -- A consumer with nothing pending holds no lease; dropping it keeps the group small.
    for _, c in ipairs(redis.call('XINFO', 'CONSUMERS', stream, GROUP)) do
      local name, pending
      for i = 1, #c, 2 do
        if c[i] == 'name' then name = c[i + 1] elseif c[i] == 'pending' then pending = c[i + 1] end
      end
      if pending == 0 then redis.call('XGROUP', 'DELCONSUMER', stream, GROUP, name) end
    end
  end
end
return {'ok', handled}
