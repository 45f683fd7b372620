// RedisWorkerRegistry: WorkerRegistry on Redis (distributed mode). Each worker is a hash
// `{prefix}worker:{id}` that expires by itself (PEXPIRE, aged by Redis's clock), plus the set
// `{prefix}workers` of ids so that ListLive need not SCAN; ListLive prunes ids whose hash has
// expired. Key schema: docs/ARCHITECTURE.md.
#pragma once

#include <memory>
#include <string>

#include "core/clock.h"
#include "queue/redis/redis_client.h"
#include "queue/worker_registry.h"

namespace tessera::queue {

class RedisWorkerRegistry final : public WorkerRegistry {
 public:
  RedisWorkerRegistry(std::shared_ptr<RedisClient> client, const Clock& clock,
                      std::string key_prefix = "tessera:");

  Status Heartbeat(const WorkerInfo& info, std::chrono::milliseconds ttl) override;
  Status Deregister(std::string_view id) override;
  Result<std::vector<WorkerInfo>> ListLive() override;

 private:
  std::shared_ptr<RedisClient> client_;
  const Clock& clock_;
  const std::string prefix_;
};

}  // namespace tessera::queue
