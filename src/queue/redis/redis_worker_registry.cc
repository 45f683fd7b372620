#include "queue/redis/redis_worker_registry.h"

#include <algorithm>
#include <utility>

#include "queue/redis/redis_codec.h"

namespace tessera::queue {
namespace {

using redis_codec::IntString;
using redis_codec::MillisString;

// ARGV[1] key prefix, ARGV[2] id, ARGV[3] ttl ms, ARGV[4...] field/value pairs.
const RedisScript kHeartbeat{"worker_heartbeat", R"lua(
local key = ARGV[1] .. 'worker:' .. ARGV[2]
local fields = {}
for i = 4, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('DEL', key)
redis.call('HSET', key, unpack(fields))
redis.call('PEXPIRE', key, ARGV[3])
redis.call('SADD', ARGV[1] .. 'workers', ARGV[2])
return {'ok'}
)lua"};

// ARGV[1] key prefix, ARGV[2] id.
const RedisScript kDeregister{"worker_deregister", R"lua(
redis.call('DEL', ARGV[1] .. 'worker:' .. ARGV[2])
redis.call('SREM', ARGV[1] .. 'workers', ARGV[2])
return {'ok'}
)lua"};

// ARGV[1] key prefix.
const RedisScript kListLive{"worker_list_live", R"lua(
local out = {'ok'}
for _, id in ipairs(redis.call('SMEMBERS', ARGV[1] .. 'workers')) do
  local record = redis.call('HGETALL', ARGV[1] .. 'worker:' .. id)
  if #record == 0 then
    redis.call('SREM', ARGV[1] .. 'workers', id)
  else
    out[#out + 1] = record
  end
end
return out
)lua"};

WorkerInfo DecodeWorker(const RedisReply& flat_pairs) {
  redis_codec::FieldMap f = redis_codec::ToFieldMap(flat_pairs);
  WorkerInfo info;
  info.id = redis_codec::Field(f, "id");
  info.host = redis_codec::Field(f, "host");
  info.pid = redis_codec::IntField(f, "pid");
  info.capabilities = redis_codec::DecodeStringList(redis_codec::Field(f, "capabilities"));
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
      {"capabilities", redis_codec::EncodeStringList(info.capabilities)},
      {"threads", IntString(info.threads)},
      {"started_ms", MillisString(info.started)},
      {"last_heartbeat_ms", MillisString(clock_.Now())},
      {"tasks_succeeded", IntString(info.tasks_succeeded)},
      {"tasks_failed", IntString(info.tasks_failed)},
  };
  std::vector<std::string> args = {prefix_, info.id, IntString(ttl.count())};
  for (const auto& [name, value] : fields) {
    args.emplace_back(name);
    args.push_back(value);
  }
  auto outcome = redis_codec::ScriptOutcome(
      client_->Eval(kHeartbeat, {}, args, RedisRetry::kIdempotent), kHeartbeat.name);
  if (!outcome) return std::move(outcome).error();
  return OkStatus();
}

Status RedisWorkerRegistry::Deregister(std::string_view id) {
  auto outcome = redis_codec::ScriptOutcome(
      client_->Eval(kDeregister, {}, {prefix_, std::string(id)}, RedisRetry::kIdempotent),
      kDeregister.name);
  if (!outcome) return std::move(outcome).error();
  return OkStatus();
}

Result<std::vector<WorkerInfo>> RedisWorkerRegistry::ListLive() {
  auto outcome = redis_codec::ScriptOutcome(
      client_->Eval(kListLive, {}, {prefix_}, RedisRetry::kIdempotent), kListLive.name);
  if (!outcome) return std::move(outcome).error();
  std::vector<WorkerInfo> workers;
  for (const RedisReply& record : *outcome) workers.push_back(DecodeWorker(record));
  std::sort(workers.begin(), workers.end(),
            [](const WorkerInfo& a, const WorkerInfo& b) { return a.id < b.id; });
  return workers;
}

}  // namespace tessera::queue
