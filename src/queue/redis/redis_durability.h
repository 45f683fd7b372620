// What "accepted" means on a given Redis server.
//
// Redis durability is configuration, not a property of the client: an Enqueue or job Create
// that Redis acknowledged survives a crash only as well as appendonly/appendfsync allow, and a
// maxmemory-policy that evicts can drop accepted state under memory pressure. Servers call
// CheckRedisDurability at start and log the statement (as a warning when `at_risk`).
#pragma once

#include <string>

#include "core/result.h"
#include "queue/redis/redis_client.h"

namespace tessera::queue {

struct RedisDurability {
  std::string appendonly;        // "yes", "no" (as CONFIG GET reports; "unknown" if hidden)
  std::string appendfsync;       // "always", "everysec", "no"
  std::string maxmemory_policy;  // "noeviction", "allkeys-lru", ...
  // True when a Redis restart or memory pressure can lose accepted tasks or jobs.
  bool at_risk = false;
  // One paragraph for logs and `tessera serve` start-up: what survives which crash.
  std::string statement;
};

// The statement for a configuration (pure; CheckRedisDurability reads the values).
RedisDurability DescribeRedisDurability(std::string appendonly, std::string appendfsync,
                                        std::string maxmemory_policy);

// Reads CONFIG GET appendonly/appendfsync/maxmemory-policy. Managed services that disable CONFIG
// yield "unknown" values and an at_risk statement saying it could not be checked.
// Errors: kUnavailable (server unreachable).
Result<RedisDurability> CheckRedisDurability(RedisClient& client);

}  // namespace tessera::queue
