// The durable-state backends the contract suites run against. Each backend owns whatever it
// needs (a temp directory with a SQLite file; a redis-server it started on a free loopback
// port) and builds the TaskQueue, JobStore and WorkerRegistry implementations over it.
//
// Adding a backend = one Make*Backend function in its own file (sqlite_backend.cc,
// redis_backend.cc) and one line in QueueBackends() (queue_backends.cc).
#pragma once

#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "core/clock.h"
#include "queue/job_store.h"
#include "queue/task_queue.h"
#include "queue/worker_registry.h"

namespace tessera::contract {

class QueueBackend {
 public:
  virtual ~QueueBackend() = default;
  // Each Make* call returns a new client over the SAME underlying state (so a test can play two
  // processes), reading time from `clock`.
  virtual std::unique_ptr<queue::TaskQueue> MakeQueue(const Clock& clock) = 0;
  virtual std::unique_ptr<queue::JobStore> MakeJobStore(const Clock& clock) = 0;
  virtual std::unique_ptr<queue::WorkerRegistry> MakeRegistry(const Clock& clock) = 0;
  // True if lease expiry and registry TTLs follow the injected Clock; false if they follow the
  // backend's own clock (Redis), so tests must also wait in real time.
  virtual bool leases_follow_injected_clock() const = 0;
};

struct QueueBackendFactory {
  std::string name;  // "sqlite", "redis"
  std::function<std::unique_ptr<QueueBackend>()> make;
};

inline void PrintTo(const QueueBackendFactory& f, std::ostream* os) { *os << f.name; }

std::vector<QueueBackendFactory> QueueBackends();

}  // namespace tessera::contract
