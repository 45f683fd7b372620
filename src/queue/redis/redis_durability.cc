#include "queue/redis/redis_durability.h"

#include <utility>

namespace tessera::queue {
namespace {

constexpr char kUnknown[] = "unknown";

// CONFIG GET answers [name, value]; a renamed or forbidden CONFIG answers an error instead.
Result<std::string> ConfigValue(RedisClient& client, const std::string& name) {
  auto reply = client.Command({"CONFIG", "GET", name}, RedisRetry::kIdempotent);
  if (!reply) {
    if (reply.error().code == ErrorCode::kUnavailable) return std::move(reply).error();
    return std::string(kUnknown);
  }
  if (!reply->is_array() || reply->elements.size() < 2) return std::string(kUnknown);
  return reply->elements[1].str;
}

}  // namespace

RedisDurability DescribeRedisDurability(std::string appendonly, std::string appendfsync,
                                        std::string maxmemory_policy) {
  RedisDurability d{std::move(appendonly), std::move(appendfsync), std::move(maxmemory_policy)};
  std::string& s = d.statement;
  if (d.appendonly == kUnknown) {
    d.at_risk = true;
    s = "WARNING: Redis durability could not be checked (CONFIG GET is disabled): accepted "
        "tasks and jobs are as durable as the server's hidden configuration makes them.";
  } else if (d.appendonly != "yes") {
    d.at_risk = true;
    s = "WARNING: appendonly is no: accepted tasks and jobs live in Redis memory (plus RDB "
        "snapshots, if configured) and everything since the last snapshot is lost when Redis "
        "restarts or crashes. Set appendonly yes.";
  } else if (d.appendfsync == "always") {
    s = "Accepted means fsynced to the append-only file before Redis replied (appendfsync "
        "always): a Redis or machine crash loses no accepted task or job.";
  } else if (d.appendfsync == "everysec") {
    s = "Accepted means written to the append-only file and fsynced within about a second "
        "(appendfsync everysec): a Redis process crash loses nothing accepted; a machine crash "
        "or power loss may lose about the last second. Set appendfsync always for zero loss "
        "(Redis 7.0 has no WAITAOF).";
  } else {
    d.at_risk = true;
    s = "WARNING: appendfsync is " + d.appendfsync +
        ": the OS decides when the append-only file reaches disk, so a machine crash may lose "
        "tens of seconds of accepted tasks and jobs (a Redis process crash loses nothing).";
  }
  if (d.maxmemory_policy != "noeviction") {
    d.at_risk = true;
    s += " WARNING: maxmemory-policy is " + d.maxmemory_policy +
         ": under memory pressure Redis may evict keys, silently dropping accepted tasks, job "
         "records or the retention that makes Enqueue idempotent. Set maxmemory-policy "
         "noeviction (writes then fail with an error instead).";
  }
  s += " Replication is asynchronous: a failover to a replica may lose recent writes.";
  return d;
}

Result<RedisDurability> CheckRedisDurability(RedisClient& client) {
  auto appendonly = ConfigValue(client, "appendonly");
  if (!appendonly) return std::move(appendonly).error();
  auto appendfsync = ConfigValue(client, "appendfsync");
  if (!appendfsync) return std::move(appendfsync).error();
  auto policy = ConfigValue(client, "maxmemory-policy");
  if (!policy) return std::move(policy).error();
  return DescribeRedisDurability(std::move(*appendonly), std::move(*appendfsync),
                                 std::move(*policy));
}

}  // namespace tessera::queue
