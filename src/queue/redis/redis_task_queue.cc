#include "queue/redis/redis_task_queue.h"

#include <algorithm>
#include <utility>

#include "queue/redis/redis_codec.h"

namespace tessera::queue {
namespace {

using redis_codec::FieldMap;
using redis_codec::IntField;
using redis_codec::IntString;

// Shared by every script. ARGV[1] key prefix, ARGV[2] now (the injected Clock, Unix ms),
// ARGV[3] how long finished task records are kept (ms).
constexpr char kPrelude[] = R"lua(
local P = ARGV[1]
local NOW = tonumber(ARGV[2])
local RETENTION = tonumber(ARGV[3])
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
      if g[i] == 'name' then name = g[i + 1] elseif g[i] == 'last-delivered-id' then last_id = g[i + 1] end
    end
    if name == GROUP then last = last_id end
  end
  if not last then return nil end
  local r = redis.call('XRANGE', stream, '(' .. last, '+', 'COUNT', 1)
  if #r == 0 then return nil end
  return r[1][1]
end
)lua";

std::string WithPrelude(const char* body) { return std::string(kPrelude) + body; }

// ARGV[4..11]: id, job_id, kind, payload, priority, caps JSON, canonical caps JSON, not_before.
const RedisScript kEnqueue{"enqueue", WithPrelude(R"lua(
local id = ARGV[4]
local key = task_key(id)
if redis.call('EXISTS', key) == 1 then return {'ok', 'known'} end
local not_before = tonumber(ARGV[11])
redis.call('HSET', key, 'id', id, 'job_id', ARGV[5], 'kind', ARGV[6], 'payload', ARGV[7],
           'priority', ARGV[8], 'caps', ARGV[9], 'not_before', ARGV[11], 'enqueued_ms', NOW,
           'stream', P .. 'q:' .. ARGV[8] .. ':' .. ARGV[10], 'attempt', 0,
           'lease_expiries', 0, 'cancel_requested', '0', 'entry', '', 'consumer', '')
redis.call('SADD', P .. 'capsets', ARGV[10])
if not_before > NOW then
  redis.call('HSET', key, 'state', 'delayed', 'ready_ms', not_before)
  redis.call('ZADD', P .. 'delayed', not_before, id)
else
  make_ready(key, id, NOW)
end
return {'ok', 'new'}
)lua")};

// KEYS: candidate streams, high priority first. ARGV[4] consumer, ARGV[5] the idle time that
// encodes the lease (kMaxLease - lease), ARGV[6..8] how many KEYS each priority has.
const RedisScript kClaim{"claim", WithPrelude(R"lua(
promote_due()
local consumer = ARGV[4]
local first = 1
for p = 0, 2 do
  local n = tonumber(ARGV[6 + p])
  for round = 1, 100 do
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
      redis.call('XCLAIM', best_stream, GROUP, consumer, 0, entry_id, 'IDLE', ARGV[5], 'JUSTID')
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
)lua")};

// ARGV[4] task id, ARGV[5] consumer, ARGV[6] token, ARGV[7] idle time encoding the lease.
const RedisScript kExtendLease{"extend_lease", WithPrelude(R"lua(
local key = task_key(ARGV[4])
local refused = fence(key, ARGV[5], ARGV[6])
if refused then return refused end
redis.call('XCLAIM', redis.call('HGET', key, 'stream'), GROUP, ARGV[5], 0, ARGV[6],
           'IDLE', ARGV[7], 'JUSTID')
return {'ok'}
)lua")};

// ARGV[4] task id, ARGV[5] consumer, ARGV[6] token.
const RedisScript kAck{"ack", WithPrelude(R"lua(
local key = task_key(ARGV[4])
local refused = fence(key, ARGV[5], ARGV[6])
if refused then return refused end
release(key)
finish(key, 'acked')
return {'ok'}
)lua")};

// ARGV[4] task id, ARGV[5] consumer, ARGV[6] token, ARGV[7] not_before ms,
// ARGV[8..11] error code, message, field, detail.
const RedisScript kRetry{"retry", WithPrelude(R"lua(
local id = ARGV[4]
local key = task_key(id)
local refused = fence(key, ARGV[5], ARGV[6])
if refused then return refused end
release(key)
redis.call('HSET', key, 'error_code', ARGV[8], 'error_message', ARGV[9], 'error_field', ARGV[10],
           'error_detail', ARGV[11])
local not_before = tonumber(ARGV[7])
if not_before > NOW then
  redis.call('HSET', key, 'state', 'delayed', 'entry', '', 'consumer', '', 'ready_ms', not_before)
  redis.call('ZADD', P .. 'delayed', not_before, id)
else
  make_ready(key, id, NOW)
end
return {'ok'}
)lua")};

// ARGV[4] task id, ARGV[5] consumer, ARGV[6] token, ARGV[7..10] error code, message, field,
// detail.
const RedisScript kBury{"bury", WithPrelude(R"lua(
local key = task_key(ARGV[4])
local refused = fence(key, ARGV[5], ARGV[6])
if refused then return refused end
release(key)
bury(key, ARGV[4], ARGV[7], ARGV[8], ARGV[9], ARGV[10])
return {'ok'}
)lua")};

// KEYS: every stream. ARGV[4] max lease expiries, ARGV[5] min idle (kMaxLease).
const RedisScript kReclaim{"reclaim_expired", WithPrelude(R"lua(
local max_expiries = tonumber(ARGV[4])
local handled = 0
for _, stream in ipairs(KEYS) do
  if redis.call('EXISTS', stream) == 1 then
    local cursor = '0-0'
    for round = 1, 100 do
      local r = redis.call('XAUTOCLAIM', stream, GROUP, 'tessera-reclaimer', ARGV[5], cursor,
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
)lua")};

// ARGV[4] task id.
const RedisScript kCancel{"cancel", WithPrelude(R"lua(
local key = task_key(ARGV[4])
local state = redis.call('HGET', key, 'state')
if not state then return {'not_found', 'no task ' .. ARGV[4]} end
if state == 'delayed' then
  redis.call('ZREM', P .. 'delayed', ARGV[4])
  finish(key, 'cancelled')
elseif state == 'ready' then
  release(key)
  finish(key, 'cancelled')
elseif state == 'leased' then
  -- The holder learns at its next fenced call, which settles the entry.
  redis.call('HSET', key, 'cancel_requested', '1')
end
return {'ok'}
)lua")};

// ARGV[4] task id.
const RedisScript kRequeue{"requeue", WithPrelude(R"lua(
local id = ARGV[4]
local key = task_key(id)
local state = redis.call('HGET', key, 'state')
if not state then return {'not_found', 'no task ' .. id} end
if state ~= 'dead' then return {'conflict', 'task ' .. id .. ' is ' .. state .. ', not dead'} end
redis.call('ZREM', P .. 'dead', id)
redis.call('HSET', key, 'attempt', 0, 'lease_expiries', 0)
redis.call('PERSIST', key)
make_ready(key, id, NOW)
return {'ok'}
)lua")};

// ARGV[4] limit (>= 1).
const RedisScript kListDead{"list_dead", WithPrelude(R"lua(
local out = {'ok'}
for _, id in ipairs(redis.call('ZREVRANGE', P .. 'dead', 0, tonumber(ARGV[4]) - 1)) do
  out[#out + 1] = redis.call('HGETALL', task_key(id))
end
return out
)lua")};

// KEYS: every stream, high priority first; ARGV[4..6] how many KEYS each priority has.
const RedisScript kStats{"stats", WithPrelude(R"lua(
promote_due()
local ready = {0, 0, 0}
local leased = 0
local oldest = -1
local first = 1
for p = 1, 3 do
  local n = tonumber(ARGV[3 + p])
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
)lua")};

std::vector<std::string> SortedUnique(std::vector<std::string> items) {
  std::sort(items.begin(), items.end());
  items.erase(std::unique(items.begin(), items.end()), items.end());
  return items;
}

TaskSpec DecodeSpec(const FieldMap& f) {
  TaskSpec spec;
  spec.id = redis_codec::Field(f, "id");
  spec.job_id = redis_codec::Field(f, "job_id");
  spec.kind = redis_codec::Field(f, "kind");
  spec.payload = redis_codec::Field(f, "payload");
  spec.priority = static_cast<Priority>(std::clamp<int64_t>(IntField(f, "priority"), 0, 2));
  spec.capabilities = redis_codec::DecodeStringList(redis_codec::Field(f, "caps"));
  spec.not_before = redis_codec::TimeField(f, "not_before");
  return spec;
}

Error DecodeLastError(const FieldMap& f) {
  Error error;
  error.code = ParseErrorCode(redis_codec::Field(f, "error_code")).value_or(ErrorCode::kInternal);
  error.message = redis_codec::Field(f, "error_message");
  error.field = redis_codec::Field(f, "error_field");
  error.detail = redis_codec::Field(f, "error_detail");
  return error;
}

std::vector<std::string> ErrorArgs(const Error& error) {
  return {std::string(CodeName(error.code)), error.message, error.field, error.detail};
}

Status CheckLease(std::chrono::milliseconds lease) {
  if (lease.count() <= 0 || lease > RedisTaskQueue::kMaxLease) {
    return MakeError(ErrorCode::kBadRequest, "a lease must last 1 ms to 30 days", "lease");
  }
  return OkStatus();
}

std::string LeaseAsIdle(std::chrono::milliseconds lease) {
  return IntString((RedisTaskQueue::kMaxLease - lease).count());
}

}  // namespace

RedisTaskQueue::RedisTaskQueue(std::shared_ptr<RedisClient> client, const Clock& clock,
                               RedisTaskQueueOptions options)
    : client_(std::move(client)), clock_(clock), options_(std::move(options)) {}

std::vector<std::string> RedisTaskQueue::CommonArgs() const {
  return {options_.key_prefix, redis_codec::MillisString(clock_.Now()),
          IntString(options_.done_retention.count())};
}

Result<std::vector<RedisReply>> RedisTaskQueue::Run(const RedisScript& script,
                                                    const std::vector<std::string>& keys,
                                                    std::vector<std::string> extra_args,
                                                    RedisRetry retry) {
  std::vector<std::string> args = CommonArgs();
  args.insert(args.end(), std::make_move_iterator(extra_args.begin()),
              std::make_move_iterator(extra_args.end()));
  return redis_codec::ScriptOutcome(client_->Eval(script, keys, args, retry), script.name);
}

Status RedisTaskQueue::Fenced(const RedisScript& script, const ClaimedTask& task,
                              std::vector<std::string> extra_args) {
  std::vector<std::string> args = {task.spec.id, task.worker_id, task.lease_token};
  args.insert(args.end(), std::make_move_iterator(extra_args.begin()),
              std::make_move_iterator(extra_args.end()));
  auto outcome = Run(script, {}, std::move(args), RedisRetry::kNever);
  if (!outcome) return std::move(outcome).error();
  return OkStatus();
}

Result<RedisTaskQueue::StreamKeys> RedisTaskQueue::KnownStreams(
    const std::vector<std::string>* worker_caps) {
  auto reply =
      client_->Command({"SMEMBERS", options_.key_prefix + "capsets"}, RedisRetry::kIdempotent);
  if (!reply) return std::move(reply).error();
  std::vector<std::string> capsets;
  for (const RedisReply& member : reply->elements) {
    if (worker_caps != nullptr) {
      bool covered = true;
      for (const std::string& cap : redis_codec::DecodeStringList(member.str)) {
        if (std::find(worker_caps->begin(), worker_caps->end(), cap) == worker_caps->end()) {
          covered = false;
          break;
        }
      }
      if (!covered) continue;
    }
    capsets.push_back(member.str);
  }
  std::sort(capsets.begin(), capsets.end());
  StreamKeys streams;
  // Each stream followed by its reclaim lane (the claim script relies on that order on ties).
  for (int p = 0; p < 3; ++p) {
    for (const std::string& capset : capsets) {
      const std::string stream = options_.key_prefix + "q:" + IntString(p) + ":" + capset;
      streams.keys.push_back(stream);
      streams.keys.push_back(stream + ":r");
    }
    streams.counts[p] = static_cast<int>(2 * capsets.size());
  }
  return streams;
}

Status RedisTaskQueue::Enqueue(const TaskSpec& task) {
  if (task.id.empty()) return MakeError(ErrorCode::kBadRequest, "a task needs an id", "id");
  if (task.job_id.empty()) {
    return MakeError(ErrorCode::kBadRequest, "a task needs a job id", "job_id");
  }
  const int priority = static_cast<int>(task.priority);
  if (priority < static_cast<int>(Priority::kHigh) || priority > static_cast<int>(Priority::kLow)) {
    return MakeError(ErrorCode::kBadRequest, "unknown priority", "priority");
  }
  auto outcome = Run(kEnqueue, {},
                     {task.id, task.job_id, task.kind, task.payload, IntString(priority),
                      redis_codec::EncodeStringList(task.capabilities),
                      redis_codec::EncodeStringList(SortedUnique(task.capabilities)),
                      redis_codec::MillisString(task.not_before)},
                     RedisRetry::kIdempotent);  // a second run finds the id and does nothing
  if (!outcome) return std::move(outcome).error();
  return OkStatus();
}

Result<bool> RedisTaskQueue::Knows(std::string_view task_id) {
  auto reply = client_->Command({"EXISTS", options_.key_prefix + "task:" + std::string(task_id)},
                                RedisRetry::kIdempotent);
  if (!reply) return std::move(reply).error();
  return reply->integer == 1;
}

Result<std::optional<ClaimedTask>> RedisTaskQueue::Claim(const WorkerIdentity& worker,
                                                         std::chrono::milliseconds lease) {
  if (auto s = CheckLease(lease); !s) return s.error();
  if (worker.id.empty()) return MakeError(ErrorCode::kBadRequest, "a worker needs an id", "id");
  auto streams = KnownStreams(&worker.capabilities);
  if (!streams) return std::move(streams).error();
  if (streams->keys.empty()) return std::optional<ClaimedTask>();
  auto outcome = Run(kClaim, streams->keys,
                     {worker.id, LeaseAsIdle(lease), IntString(streams->counts[0]),
                      IntString(streams->counts[1]), IntString(streams->counts[2])},
                     RedisRetry::kNever);
  if (!outcome) return std::move(outcome).error();
  if (outcome->empty()) return std::optional<ClaimedTask>();
  FieldMap f = redis_codec::ToFieldMap((*outcome)[0]);
  ClaimedTask claimed;
  claimed.spec = DecodeSpec(f);
  claimed.attempt = static_cast<int>(IntField(f, "attempt"));
  claimed.lease_expiries = static_cast<int>(IntField(f, "lease_expiries"));
  claimed.worker_id = redis_codec::Field(f, "consumer");
  claimed.lease_token = redis_codec::Field(f, "entry");
  return std::optional<ClaimedTask>(std::move(claimed));
}

Status RedisTaskQueue::ExtendLease(const ClaimedTask& task, std::chrono::milliseconds lease) {
  if (auto s = CheckLease(lease); !s) return s;
  return Fenced(kExtendLease, task, {LeaseAsIdle(lease)});
}

Status RedisTaskQueue::Ack(const ClaimedTask& task) { return Fenced(kAck, task, {}); }

Status RedisTaskQueue::Retry(const ClaimedTask& task, SystemTime not_before, const Error& error) {
  std::vector<std::string> args = {redis_codec::MillisString(not_before)};
  for (std::string& a : ErrorArgs(error)) args.push_back(std::move(a));
  return Fenced(kRetry, task, std::move(args));
}

Status RedisTaskQueue::Bury(const ClaimedTask& task, const Error& error) {
  return Fenced(kBury, task, ErrorArgs(error));
}

Result<int> RedisTaskQueue::ReclaimExpired(int max_lease_expiries) {
  auto streams = KnownStreams(nullptr);
  if (!streams) return std::move(streams).error();
  if (streams->keys.empty()) return 0;
  auto outcome =
      Run(kReclaim, streams->keys, {IntString(max_lease_expiries), IntString(kMaxLease.count())},
          RedisRetry::kNever);
  if (!outcome) return std::move(outcome).error();
  if (outcome->empty()) return MakeError(ErrorCode::kInternal, "reclaim answered no count");
  return static_cast<int>((*outcome)[0].integer);
}

Status RedisTaskQueue::Cancel(std::string_view task_id) {
  auto outcome = Run(kCancel, {}, {std::string(task_id)}, RedisRetry::kIdempotent);
  if (!outcome) return std::move(outcome).error();
  return OkStatus();
}

Status RedisTaskQueue::Requeue(std::string_view task_id) {
  auto outcome = Run(kRequeue, {}, {std::string(task_id)}, RedisRetry::kNever);
  if (!outcome) return std::move(outcome).error();
  return OkStatus();
}

Result<std::vector<DeadTask>> RedisTaskQueue::ListDead(size_t limit) {
  std::vector<DeadTask> dead;
  if (limit == 0) return dead;
  auto outcome =
      Run(kListDead, {}, {IntString(static_cast<int64_t>(limit))}, RedisRetry::kIdempotent);
  if (!outcome) return std::move(outcome).error();
  for (const RedisReply& record : *outcome) {
    FieldMap f = redis_codec::ToFieldMap(record);
    DeadTask task;
    task.spec = DecodeSpec(f);
    task.attempts = static_cast<int>(IntField(f, "attempt"));
    task.last_error = DecodeLastError(f);
    task.died = redis_codec::TimeField(f, "died_ms");
    dead.push_back(std::move(task));
  }
  return dead;
}

Result<QueueStats> RedisTaskQueue::Stats() {
  auto streams = KnownStreams(nullptr);
  if (!streams) return std::move(streams).error();
  auto outcome = Run(
      kStats, streams->keys,
      {IntString(streams->counts[0]), IntString(streams->counts[1]), IntString(streams->counts[2])},
      RedisRetry::kIdempotent);  // promoting due tasks twice is a no-op
  if (!outcome) return std::move(outcome).error();
  if (outcome->size() != 7) return MakeError(ErrorCode::kInternal, "stats answered a bad shape");
  const auto& v = *outcome;
  QueueStats stats;
  stats.ready_high = v[0].integer;
  stats.ready_normal = v[1].integer;
  stats.ready_low = v[2].integer;
  stats.delayed = v[3].integer;
  stats.leased = v[4].integer;
  stats.dead = v[5].integer;
  if (v[6].integer >= 0) {
    int64_t age = ToUnixMillis(clock_.Now()) - v[6].integer;
    stats.oldest_ready_age = std::chrono::milliseconds(std::max<int64_t>(age, 0));
  }
  return stats;
}

Status RedisTaskQueue::Ping() { return client_->Ping(); }

}  // namespace tessera::queue
