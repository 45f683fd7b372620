-- Prelude of every task-queue script: RedisTaskQueue runs each script as this text followed by
-- the script's own (one EVALSHA), so the helpers below are locals of every script.
--
-- ARGV[1..3], the same for every task-queue script (RedisTaskQueue::CommonArgs):
local P = ARGV[1]                      -- key prefix, 'tessera:' by default
local NOW = tonumber(ARGV[2])          -- now, Unix ms of the injected Clock
local RETENTION = tonumber(ARGV[3])    -- how long finished task records are kept, ms
-- A script's own arguments start at ARGV[4].
local GROUP = 'tessera'

local function task_key(id) return P .. 'task:' .. id end

local function ensure_group(stream)
  -- Fails with BUSYGROUP when the group exists. It starts at 0 so that no entry is skipped.
  redis.pcall('XGROUP', 'CREATE', stream, GROUP, '0', 'MKSTREAM')
end

-- The task's own stream, q:{p}:{caps}; 'stream' names whichever holds its entry now, which is
-- that stream's reclaim lane (the same key plus ':r') after an expired lease.
local function base_stream(key)
  local stream = redis.call('HGET', key, 'stream')
  if string.sub(stream, -2) == ':r' then return string.sub(stream, 1, -3) end
  return stream
end

-- Every delivery gets a fresh entry: its id is the lease token of that delivery. A task whose
-- lease expired goes to the reclaim lane with its old ready_ms, so that a claim takes it before
-- work of its priority that became ready after it (a new entry in its own stream would queue
-- it behind the whole backlog).
local function make_ready(key, id, ready_ms, reclaimed)
  local stream = base_stream(key)
  if reclaimed then stream = stream .. ':r' end
  ensure_group(stream)
  local entry = redis.call('XADD', stream, '*', 'task', id)
  redis.call('HSET', key, 'state', 'ready', 'entry', entry, 'consumer', '', 'ready_ms', ready_ms,
             'stream', stream)
  return entry
end

local function promote_due()
  local due = redis.call('ZRANGEBYSCORE', P .. 'delayed', '-inf', NOW, 'WITHSCORES',
                         'LIMIT', 0, 1000)
  for i = 1, #due, 2 do
    redis.call('ZREM', P .. 'delayed', due[i])
    make_ready(task_key(due[i]), due[i], due[i + 1])
  end
end

-- Takes the task's current entry out of the PEL and the stream (no MAXLEN trimming anywhere:
-- entries leave the stream only here, after their delivery is settled).
local function release(key)
  local h = redis.call('HMGET', key, 'stream', 'entry')
  if h[2] and h[2] ~= '' then
    redis.call('XACK', h[1], GROUP, h[2])
    redis.call('XDEL', h[1], h[2])
  end
end

local function finish(key, state)
  redis.call('HSET', key, 'state', state, 'entry', '', 'consumer', '', 'cancel_requested', '0')
  redis.call('PEXPIRE', key, RETENTION)
end

local function bury(key, id, code, message, field, detail)
  redis.call('HSET', key, 'state', 'dead', 'entry', '', 'consumer', '', 'cancel_requested', '0',
             'error_code', code, 'error_message', message, 'error_field', field,
             'error_detail', detail, 'died_ms', NOW)
  -- A sequence, not the time, orders the dead list: a ManualClock may bury two at one instant.
  redis.call('ZADD', P .. 'dead', redis.call('INCR', P .. 'dead:seq'), id)
end

-- nil when (consumer, token) holds the task's lease; otherwise the outcome to answer.
local function fence(key, consumer, token)
  local h = redis.call('HMGET', key, 'state', 'entry', 'consumer', 'stream', 'cancel_requested')
  local state = h[1]
  if not state then
    return {'conflict', 'the lease was lost: the task record is gone'}
  end
  if state == 'cancelled' then return {'cancelled', 'the task was cancelled'} end
  if state ~= 'leased' or h[2] ~= token or h[3] ~= consumer then
    local now_is = state
    if state == 'leased' then now_is = 'leased by another holder' end
    return {'conflict', 'the lease was lost: the task is now ' .. now_is}
  end
  -- XACK takes no consumer name, so the PEL's owner is checked here before anything settles.
  local pending = redis.call('XPENDING', h[4], GROUP, token, token, 1)
  if #pending == 0 or pending[1][2] ~= consumer then
    return {'conflict', 'the lease was lost: the delivery is not pending for this worker'}
  end
  if h[5] == '1' then
    release(key)
    finish(key, 'cancelled')
    return {'cancelled', 'the task was cancelled while leased'}
  end
  return nil
end

-- The ready time and entry id a claim orders candidates by (ready_ms of the injected clock,
-- then the entry id), for the head entry `id` of `stream`.
local function rank_of(stream, id)
  local task_id = redis.call('XRANGE', stream, id, id)[1][2][2]
  return tonumber(redis.call('HGET', task_key(task_id), 'ready_ms')) or 0
end

local function id_less(a, b)
  local ams, aseq = string.match(a, '(%d+)-(%d+)')
  local bms, bseq = string.match(b, '(%d+)-(%d+)')
  ams, bms = tonumber(ams), tonumber(bms)
  if ams ~= bms then return ams < bms end
  return tonumber(aseq) < tonumber(bseq)
end

-- The id of the oldest entry not yet delivered to the group, or nil.
local function next_undelivered(stream)
  if redis.call('EXISTS', stream) == 0 then return nil end
  local last = nil
  for _, g in ipairs(redis.call('XINFO', 'GROUPS', stream)) do
    local name, last_id
    for i = 1, #g, 2 do
      if g[i] == 'name' then
        name = g[i + 1]
      elseif g[i] == 'last-delivered-id' then
        last_id = g[i + 1]
      end
    end
    if name == GROUP then last = last_id end
  end
  if not last then return nil end
  local r = redis.call('XRANGE', stream, '(' .. last, '+', 'COUNT', 1)
  if #r == 0 then return nil end
  return r[1][1]
end
