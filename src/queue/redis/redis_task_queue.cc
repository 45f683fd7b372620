#include "queue/redis/redis_task_queue.h"

#include <algorithm>
#include <utility>

#include "queue/redis/lua/task_queue.h"
#include "queue/redis/redis_codec.h"
#include "queue/string_list.h"

namespace tessera::queue {
namespace {

using redis_codec::FieldMap;
using redis_codec::IntField;
using redis_codec::IntString;

namespace lua = redis_lua::task_queue;

// Each script runs as the prelude (lua/task_queue/prelude.lua: ARGV[1..3], CommonArgs) followed
// by its own text (lua/task_queue/<name>.lua).
RedisScript TaskScript(const char* name, std::string_view body) {
  return RedisScript{name, std::string(lua::kPrelude) + std::string(body)};
}

const RedisScript kEnqueue = TaskScript("enqueue", lua::kEnqueue);
const RedisScript kClaim = TaskScript("claim", lua::kClaim);
const RedisScript kExtendLease = TaskScript("extend_lease", lua::kExtendLease);
const RedisScript kAck = TaskScript("ack", lua::kAck);
const RedisScript kRetry = TaskScript("retry", lua::kRetry);
const RedisScript kBury = TaskScript("bury", lua::kBury);
const RedisScript kReclaim = TaskScript("reclaim_expired", lua::kReclaimExpired);
const RedisScript kCancel = TaskScript("cancel", lua::kCancel);
const RedisScript kRequeue = TaskScript("requeue", lua::kRequeue);
const RedisScript kListDead = TaskScript("list_dead", lua::kListDead);
const RedisScript kStats = TaskScript("stats", lua::kStats);

// A script's own arguments, ARGV[4...] after CommonArgs (ScriptArgv, redis_client.h;
// designated initializers at the calls must follow the fields' order).
using Argv = ScriptArgv;

// enqueue.lua
struct EnqueueArgs {
  std::string id;
  std::string job_id;
  std::string kind;
  std::string payload;
  std::string priority;        // "0" high, "1" normal, "2" low
  std::string caps;            // JSON array, as given
  std::string canonical_caps;  // JSON array, sorted and de-duplicated
  std::string not_before_ms;
  Argv ToArgv() const {
    return {id, job_id, kind, payload, priority, caps, canonical_caps, not_before_ms};
  }
};

// claim.lua (KEYS: the candidate streams, high priority first).
struct ClaimArgs {
  std::string consumer;
  std::string lease_as_idle_ms;
  std::string streams_per_priority[3];
  Argv ToArgv() const {
    return {consumer, lease_as_idle_ms, streams_per_priority[0], streams_per_priority[1],
            streams_per_priority[2]};
  }
};

// The first three arguments of every fenced script (extend_lease, ack, retry, bury).
struct FenceArgs {
  std::string task_id;
  std::string consumer;
  std::string token;
  Argv ToArgv() const { return {task_id, consumer, token}; }
};

FenceArgs FenceOf(const ClaimedTask& task) {
  return {.task_id = task.spec.id, .consumer = task.worker_id, .token = task.lease_token};
}

// The error of retry.lua and bury.lua, after their other arguments.
struct ErrorArgs {
  std::string error_code;  // CodeName()
  std::string error_message;
  std::string error_field;
  std::string error_detail;
  Argv ToArgv() const { return {error_code, error_message, error_field, error_detail}; }
};

ErrorArgs ErrorArgsOf(const Error& error) {
  return {.error_code = std::string(CodeName(error.code)),
          .error_message = error.message,
          .error_field = error.field,
          .error_detail = error.detail};
}

// extend_lease.lua
struct ExtendLeaseArgs {
  FenceArgs fence;
  std::string lease_as_idle_ms;
  Argv ToArgv() const { return Concat(fence.ToArgv(), {lease_as_idle_ms}); }
};

// ack.lua
struct AckArgs {
  FenceArgs fence;
  Argv ToArgv() const { return fence.ToArgv(); }
};

// retry.lua
struct RetryArgs {
  FenceArgs fence;
  std::string not_before_ms;
  ErrorArgs error;
  Argv ToArgv() const { return Concat(Concat(fence.ToArgv(), {not_before_ms}), error.ToArgv()); }
};

// bury.lua
struct BuryArgs {
  FenceArgs fence;
  ErrorArgs error;
  Argv ToArgv() const { return Concat(fence.ToArgv(), error.ToArgv()); }
};

// reclaim_expired.lua (KEYS: every stream).
struct ReclaimArgs {
  std::string max_expiries;
  std::string min_idle_ms;
  Argv ToArgv() const { return {max_expiries, min_idle_ms}; }
};

// cancel.lua, requeue.lua
struct TaskIdArgs {
  std::string task_id;
  Argv ToArgv() const { return {task_id}; }
};

// list_dead.lua
struct ListDeadArgs {
  std::string limit;
  Argv ToArgv() const { return {limit}; }
};

// stats.lua (KEYS: every stream, high priority first).
struct StatsArgs {
  std::string streams_per_priority[3];
  Argv ToArgv() const {
    return {streams_per_priority[0], streams_per_priority[1], streams_per_priority[2]};
  }
};

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
  spec.capabilities = DecodeStringList(redis_codec::Field(f, "caps"));
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
                                                    std::vector<std::string> own_args,
                                                    RedisRetry retry) {
  std::vector<std::string> args = CommonArgs();
  args.insert(args.end(), std::make_move_iterator(own_args.begin()),
              std::make_move_iterator(own_args.end()));
  return redis_codec::ScriptOutcome(client_->Eval(script, keys, args, retry), script.name);
}

Status RedisTaskQueue::RunFenced(const RedisScript& script, std::vector<std::string> args) {
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
      for (const std::string& cap : DecodeStringList(member.str)) {
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
  const EnqueueArgs args{
      .id = task.id,
      .job_id = task.job_id,
      .kind = task.kind,
      .payload = task.payload,
      .priority = IntString(priority),
      .caps = EncodeStringList(task.capabilities),
      .canonical_caps = EncodeStringList(SortedUnique(task.capabilities)),
      .not_before_ms = redis_codec::MillisString(task.not_before),
  };
  auto outcome = Run(kEnqueue, {}, args.ToArgv(),
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
  const ClaimArgs args{
      .consumer = worker.id,
      .lease_as_idle_ms = LeaseAsIdle(lease),
      .streams_per_priority = {IntString(streams->counts[0]), IntString(streams->counts[1]),
                               IntString(streams->counts[2])},
  };
  auto outcome = Run(kClaim, streams->keys, args.ToArgv(), RedisRetry::kNever);
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
  const ExtendLeaseArgs args{.fence = FenceOf(task), .lease_as_idle_ms = LeaseAsIdle(lease)};
  return RunFenced(kExtendLease, args.ToArgv());
}

Status RedisTaskQueue::Ack(const ClaimedTask& task) {
  return RunFenced(kAck, AckArgs{.fence = FenceOf(task)}.ToArgv());
}

Status RedisTaskQueue::Retry(const ClaimedTask& task, SystemTime not_before, const Error& error) {
  const RetryArgs args{.fence = FenceOf(task),
                       .not_before_ms = redis_codec::MillisString(not_before),
                       .error = ErrorArgsOf(error)};
  return RunFenced(kRetry, args.ToArgv());
}

Status RedisTaskQueue::Bury(const ClaimedTask& task, const Error& error) {
  return RunFenced(kBury, BuryArgs{.fence = FenceOf(task), .error = ErrorArgsOf(error)}.ToArgv());
}

Result<int> RedisTaskQueue::ReclaimExpired(int max_lease_expiries) {
  auto streams = KnownStreams(nullptr);
  if (!streams) return std::move(streams).error();
  if (streams->keys.empty()) return 0;
  const ReclaimArgs args{.max_expiries = IntString(max_lease_expiries),
                         .min_idle_ms = IntString(kMaxLease.count())};
  auto outcome = Run(kReclaim, streams->keys, args.ToArgv(), RedisRetry::kNever);
  if (!outcome) return std::move(outcome).error();
  if (outcome->empty()) return MakeError(ErrorCode::kInternal, "reclaim answered no count");
  return static_cast<int>((*outcome)[0].integer);
}

Status RedisTaskQueue::Cancel(std::string_view task_id) {
  auto outcome = Run(kCancel, {}, TaskIdArgs{.task_id = std::string(task_id)}.ToArgv(),
                     RedisRetry::kIdempotent);
  if (!outcome) return std::move(outcome).error();
  return OkStatus();
}

Status RedisTaskQueue::Requeue(std::string_view task_id) {
  auto outcome =
      Run(kRequeue, {}, TaskIdArgs{.task_id = std::string(task_id)}.ToArgv(), RedisRetry::kNever);
  if (!outcome) return std::move(outcome).error();
  return OkStatus();
}

Result<std::vector<DeadTask>> RedisTaskQueue::ListDead(size_t limit) {
  std::vector<DeadTask> dead;
  if (limit == 0) return dead;
  const ListDeadArgs args{.limit = IntString(static_cast<int64_t>(limit))};
  auto outcome = Run(kListDead, {}, args.ToArgv(), RedisRetry::kIdempotent);
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
  const StatsArgs args{.streams_per_priority = {IntString(streams->counts[0]),
                                                IntString(streams->counts[1]),
                                                IntString(streams->counts[2])}};
  auto outcome = Run(kStats, streams->keys, args.ToArgv(),
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
