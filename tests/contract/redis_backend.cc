// The Redis backend for the contract suites: a fresh redis-server per backend instance, on a
// free loopback port in its own temp directory, and a new connection per client so that two
// clients behave like two processes sharing the server.
#include <gtest/gtest.h>

#include "contract/backend_factories.h"
#include "queue/redis/redis_client.h"
#include "queue/redis/redis_job_store.h"
#include "queue/redis/redis_task_queue.h"
#include "queue/redis/redis_worker_registry.h"
#include "support/redis_server.h"

namespace tessera::contract {
namespace {

class RedisBackend final : public QueueBackend {
 public:
  RedisBackend() {
    // A missing or broken redis-server fails the test (every call then answers kUnavailable);
    // it is never a skip.
    Status started = server_.Start();
    if (!started) ADD_FAILURE() << "redis backend: " << started.error().ToString();
  }

  std::unique_ptr<queue::TaskQueue> MakeQueue(const Clock& clock) override {
    return std::make_unique<queue::RedisTaskQueue>(Connect(), clock);
  }
  std::unique_ptr<queue::JobStore> MakeJobStore(const Clock& clock) override {
    return std::make_unique<queue::RedisJobStore>(Connect(), clock);
  }
  std::unique_ptr<queue::WorkerRegistry> MakeRegistry(const Clock& clock) override {
    return std::make_unique<queue::RedisWorkerRegistry>(Connect(), clock);
  }
  bool leases_follow_injected_clock() const override { return false; }

 private:
  std::shared_ptr<queue::RedisClient> Connect() {
    queue::RedisClientOptions options;
    options.url.host = "127.0.0.1";
    options.url.port = server_.port();
    return std::make_shared<queue::RedisClient>(options);
  }

  testing::RedisServer server_;
};

}  // namespace

std::unique_ptr<QueueBackend> MakeRedisBackend() { return std::make_unique<RedisBackend>(); }

}  // namespace tessera::contract
