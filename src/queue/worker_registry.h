// WorkerRegistry: which workers are alive, what they can do, and how they are doing.
//
// Each worker process heartbeats its WorkerInfo with a TTL; one that stops (crash, SIGKILL,
// partition) disappears from ListLive once the TTL passes. Used by `GET /v1/workers`, and to
// tell a client which capability its queued job is waiting for when no live worker has it.
//
// Implementations: SqliteWorkerRegistry and RedisWorkerRegistry; both pass
// tests/contract/worker_registry_contract_test.cc. TTLs are measured by the injected Clock for
// SQLite and by the Redis server's clock (key expiry) for Redis.
//
// Thread-safety: every method may be called concurrently from any thread and process.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/result.h"

namespace tessera::queue {

struct WorkerInfo {
  std::string id;
  std::string host;
  int64_t pid = 0;
  std::vector<std::string> capabilities;
  int threads = 0;
  SystemTime started{};
  SystemTime last_heartbeat{};  // set by the registry on each Heartbeat
  int64_t tasks_succeeded = 0;
  int64_t tasks_failed = 0;

  bool operator==(const WorkerInfo&) const = default;
};

class WorkerRegistry {
 public:
  virtual ~WorkerRegistry() = default;

  // Registers the worker or refreshes it (all fields replaced); it stays live for `ttl` after
  // this call. Errors: kBadRequest (empty id), kUnavailable.
  virtual Status Heartbeat(const WorkerInfo& info, std::chrono::milliseconds ttl) = 0;

  // Removes the worker at once (graceful shutdown). Unknown ids are OK.
  virtual Status Deregister(std::string_view id) = 0;

  // Workers whose TTL has not passed, ordered by id.
  virtual Result<std::vector<WorkerInfo>> ListLive() = 0;
};

}  // namespace tessera::queue
