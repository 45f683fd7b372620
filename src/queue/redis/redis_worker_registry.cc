#include "queue/redis/redis_worker_registry.h"

#include <algorithm>
#include <utility>

#include "queue/redis/lua/worker_registry.h"
#include "queue/redis/redis_codec.h"
#include "queue/string_list.h"

namespace tessera::queue {
namespace {

using redis_codec::IntString;
using redis_codec::MillisString;

namespace lua = redis_lua::worker_registry;

const RedisScript kHeartbeat{"worker_heartbeat", std::string(lua::kHeartbeat)};
const RedisScript kDeregister{"worker_deregister", std::string(lua::kDeregister)};
const RedisScript kListLive{"worker_list_live", std::string(lua::kListLive)};

// Each script's ARGV, one struct per script (ScriptArgv, redis_client.h).
using Argv = ScriptArgv;

// heartbeat.lua
struct HeartbeatArgs {
  std::string prefix;
  std::string id;
  std::string ttl_ms;
  Argv fields;  // field/value pairs of the WorkerInfo
  Argv ToArgv() const { return Concat({prefix, id, ttl_ms}, fields); }
};

// deregister.lua
struct DeregisterArgs {
  std::string prefix;
  std::string id;
  Argv ToArgv() const { return {prefix, id}; }
};

// list_live.lua
struct ListLiveArgs {
  std::string prefix;
  Argv ToArgv() const { return {prefix}; }
};

WorkerInfo DecodeWorker(const RedisReply& flat_pairs) {
  redis_codec::FieldMap f = redis_codec::ToFieldMap(flat_pairs);
  WorkerInfo info;
  info.id = redis_codec::Field(f, "id");
  info.host = redis_codec::Field(f, "host");
  info.pid = redis_codec::IntField(f, "pid");
  info.capabilities = DecodeStringList(redis_codec::Field(f, "capabilities"));
  info.threads = static_cast<int>(redis_codec::IntField(f, "threads"));
  info.started = redis_codec::TimeField(f, "started_ms");
  info.last_heartbeat = redis_codec::TimeField(f, "last_heartbeat_ms");
  info.tasks_succeeded = redis_codec::IntField(f, "tasks_succeeded");
  info.tasks_failed = redis_codec::IntField(f, "tasks_failed");
  return info;
}

}  // namespace

RedisWorkerRegistry::RedisWorkerRegistry(std::shared_ptr<RedisClient> client, const Clock& clock,
                                         std::string key_prefix)
    : client_(std::move(client)), clock_(clock), prefix_(std::move(key_prefix)) {}

Status RedisWorkerRegistry::Heartbeat(const WorkerInfo& info, std::chrono::milliseconds ttl) {
  if (info.id.empty()) return MakeError(ErrorCode::kBadRequest, "a worker needs an id", "id");
  if (ttl.count() <= 0) return MakeError(ErrorCode::kBadRequest, "ttl must be positive", "ttl");
  const std::pair<const char*, std::string> fields[] = {
      {"id", info.id},
      {"host", info.host},
      {"pid", IntString(info.pid)},
      {"capabilities", EncodeStringList(info.capabilities)},
      {"threads", IntString(info.threads)},
      {"started_ms", MillisString(info.started)},
      {"last_heartbeat_ms", MillisString(clock_.Now())},
      {"tasks_succeeded", IntString(info.tasks_succeeded)},
      {"tasks_failed", IntString(info.tasks_failed)},
  };
  HeartbeatArgs args{
      .prefix = prefix_, .id = info.id, .ttl_ms = IntString(ttl.count()), .fields = {}};
  for (const auto& [name, value] : fields) {
    args.fields.emplace_back(name);
    args.fields.push_back(value);
  }
  auto outcome = redis_codec::ScriptOutcome(
      client_->Eval(kHeartbeat, {}, args.ToArgv(), RedisRetry::kIdempotent), kHeartbeat.name);
  if (!outcome) return std::move(outcome).error();
  return OkStatus();
}

Status RedisWorkerRegistry::Deregister(std::string_view id) {
  auto outcome = redis_codec::ScriptOutcome(
      client_->Eval(kDeregister, {},
                    DeregisterArgs{.prefix = prefix_, .id = std::string(id)}.ToArgv(),
                    RedisRetry::kIdempotent),
      kDeregister.name);
  if (!outcome) return std::move(outcome).error();
  return OkStatus();
}

Result<std::vector<WorkerInfo>> RedisWorkerRegistry::ListLive() {
  auto outcome = redis_codec::ScriptOutcome(
      client_->Eval(kListLive, {}, ListLiveArgs{.prefix = prefix_}.ToArgv(),
                    RedisRetry::kIdempotent),
      kListLive.name);
  if (!outcome) return std::move(outcome).error();
  std::vector<WorkerInfo> workers;
  for (const RedisReply& record : *outcome) workers.push_back(DecodeWorker(record));
  std::sort(workers.begin(), workers.end(),
            [](const WorkerInfo& a, const WorkerInfo& b) { return a.id < b.id; });
  return workers;
}

}  // namespace tessera::queue
