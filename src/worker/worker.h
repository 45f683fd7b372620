// Worker: a pool of threads that claim tasks this process is able to run and run them, plus
// one housekeeping thread that heartbeats the worker's registration, reclaims expired leases
// (of any worker: a dead peer's tasks come back) and marks the jobs of dead tasks dead.
//
// Used embedded (a pool inside `tessera serve`) and distributed (`tessera worker` processes);
// the same code either way, over whatever TaskQueue/JobStore/BlobStore/WorkerRegistry it is
// given.
//
// Shutdown: RequestStop() stops claiming; Wait(deadline) lets running tasks finish. Tasks still
// running at the deadline are left to lease expiry (another worker reclaims them).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "engine/engine.h"
#include "engine/tiling/tiled_process.h"
#include "jobs/retry_policy.h"
#include "queue/job_store.h"
#include "queue/task_queue.h"
#include "queue/worker_registry.h"
#include "store/blob_store.h"
#include "worker/lease_keeper.h"
#include "worker/task_runner.h"

namespace tessera::worker {

struct WorkerOptions {
  std::string id;   // unique per process (default: host-pid-random)
  int threads = 2;  // tasks run at once
  std::vector<std::string> capabilities = {"core"};
  std::chrono::milliseconds lease{30'000};     // how long a silent worker keeps a task
  std::chrono::milliseconds heartbeat{5'000};  // registration refresh (TTL = 3x this)
  std::chrono::milliseconds reclaim_every{2'000};
  std::chrono::milliseconds idle_poll_min{20};   // claim polling backs off from this...
  std::chrono::milliseconds idle_poll_max{500};  // ...to this while the queue is empty
  // Finished jobs (succeeded, dead, cancelled) and their blobs are deleted this long after
  // they finished; zero keeps them forever.
  std::chrono::milliseconds retention{std::chrono::hours(24 * 7)};
  std::chrono::milliseconds expire_every{60'000};
  jobs::RetryPolicy retry;
  // One run of a task (an attempt) is stopped this long after it started and the job ends dead
  // with deadline_exceeded; zero: no deadline.
  std::chrono::milliseconds job_deadline{600'000};
  // How often a running task's job record is read to notice a cancel (DELETE /v1/jobs/{id})
  // and stop its engine, besides the lease extensions every lease/3.
  std::chrono::milliseconds cancel_poll{250};
  engine::ProcessOptions engine;
  engine::TilingOptions tiling;  // tile size and auto threshold for tiled jobs
};

struct WorkerCounters {
  std::atomic<int64_t> succeeded{0};
  std::atomic<int64_t> failed{0};     // retried or buried
  std::atomic<int64_t> abandoned{0};  // lease lost, cancelled, or duplicate delivery
};

class Worker {
 public:
  Worker(queue::TaskQueue& queue, queue::JobStore& jobs, store::BlobStore& blobs,
         queue::WorkerRegistry& registry, const Clock& clock, WorkerOptions options);
  ~Worker();  // RequestStop + Wait(0) + joins
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Registers the worker and starts its threads.
  void Start();
  // Stops claiming new tasks (running ones go on). Safe from any thread, but not from a
  // signal handler: see cli/ for how signals reach it.
  void RequestStop();
  // Waits until every thread has finished or `deadline` passes; returns true if all finished.
  // Deregisters the worker once they have.
  bool Wait(std::chrono::milliseconds deadline);
  // New work may be in the queue: idle threads claim at once instead of at their next poll.
  // Safe from any thread (jobs::JobService::OnEnqueued calls it in the same process).
  void Wake();

  const WorkerCounters& counters() const { return counters_; }
  const WorkerOptions& options() const { return options_; }

 private:
  void ClaimLoop();
  void Housekeeping();
  void HeartbeatRegistration();
  void ReconcileDeadTasks();
  void ExpireFinishedJobs();

  queue::TaskQueue& queue_;
  queue::JobStore& jobs_;
  store::BlobStore& blobs_;
  queue::WorkerRegistry& registry_;
  const Clock& clock_;
  WorkerOptions options_;
  LeaseKeeper keeper_;
  TaskRunner runner_;
  WorkerCounters counters_;
  queue::WorkerInfo info_;

  std::mutex mu_;
  std::condition_variable stop_cv_;
  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> wakeups_{0};  // Wake() calls; a change ends an idle wait
  std::atomic<int> running_threads_{0};
  std::vector<std::thread> threads_;
  std::thread housekeeping_;
  bool joined_ = false;
};

// A default worker id: "<host>-<pid>-<4 random chars>".
std::string DefaultWorkerId();

}  // namespace tessera::worker
