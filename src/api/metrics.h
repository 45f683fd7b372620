// ServiceMetrics: the Prometheus metrics of a tessera server (prometheus-cpp registry, text
// exposition format). Request metrics are recorded as requests finish; queue, job, worker and
// connection gauges are read from their sources at scrape time, so a scrape always shows the
// shared queue's state, not one process's view of it.
//
// Thread-safety: every method may be called concurrently.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "engine/engine.h"
#include "queue/job_store.h"
#include "queue/task.h"
#include "queue/worker_registry.h"

namespace prometheus {
class Registry;
}

namespace tessera::api {

// What a scrape reads from the backends and the server.
struct MetricsSnapshot {
  queue::QueueStats queue;
  std::map<queue::JobState, int64_t> jobs;
  std::vector<queue::WorkerInfo> workers;
  int http_in_flight = 0;
  int http_connections = 0;
  int sync_in_flight = 0;
  int64_t embedded_retries = 0;  // retried or buried by this process's workers
  int64_t jobs_repaired = 0;     // queued jobs without a task this process enqueued again
};

class ServiceMetrics {
 public:
  ServiceMetrics();
  ~ServiceMetrics();

  void RecordRequest(std::string_view method, std::string_view route, unsigned status,
                     std::chrono::microseconds duration);
  // One finished engine run of `pipeline` that took `elapsed`: its time once per step, labelled
  // with the step's op (tessera_engine_seconds), and where it went by stage (`stages`,
  // engine::ProcessResult::stages; tessera_engine_stage_seconds). SyncProcessor records every
  // run it makes, so every front end over it (HTTP, gRPC, the compatibility adapters) counts.
  void RecordRun(const engine::Pipeline& pipeline, const std::vector<engine::StageTime>& stages,
                 std::chrono::microseconds elapsed);

  // Prometheus text exposition of everything, with the snapshot's gauges.
  std::string Render(const MetricsSnapshot& snapshot);

  // Requests answered per second over the last minute (for /v1/stats).
  double RequestsPerSecond();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tessera::api
