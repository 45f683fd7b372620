// TaskRunner: runs one claimed "process" task end to end: job record to running, input blob
// through the engine, result blob written, then the job record and the queue told the outcome.
//
// Ordering makes every crash point safe:
//  - success: result blob (deterministic key), then job -> succeeded, then Ack. A crash before
//    the Ack redelivers the task; the runner finds the job finished and only Acks.
//  - permanent failure / attempts exhausted: Bury, then job -> dead. A crash in between leaves
//    a dead task under a running job, which the worker's dead-task reconciler repairs.
//  - retryable failure: Retry (after backoff), then job -> failed_retrying.
// A task whose lease was lost or which was cancelled while it ran is left alone: another holder
// (or the canceller) owns the outcome.
//
// Thread-safety: Run may be called concurrently from several threads.
#pragma once

#include <atomic>
#include <mutex>
#include <random>

#include "core/clock.h"
#include "engine/engine.h"
#include "jobs/retry_policy.h"
#include "queue/job_store.h"
#include "queue/task_queue.h"
#include "store/blob_store.h"
#include "worker/lease_keeper.h"

namespace tessera::worker {

enum class TaskOutcome { kSucceeded, kRetried, kBuried, kCancelled, kAbandoned };

std::string_view TaskOutcomeName(TaskOutcome o);

class TaskRunner {
 public:
  TaskRunner(queue::TaskQueue& queue, queue::JobStore& jobs, store::BlobStore& blobs,
             LeaseKeeper& keeper, const Clock& clock, jobs::RetryPolicy policy,
             engine::ProcessOptions engine_options);

  TaskOutcome Run(const queue::ClaimedTask& task);

 private:
  TaskOutcome RunProcess(const queue::ClaimedTask& task);
  TaskOutcome Fail(const queue::ClaimedTask& task, const Error& error);
  std::chrono::milliseconds Backoff(int attempt);

  queue::TaskQueue& queue_;
  queue::JobStore& jobs_;
  store::BlobStore& blobs_;
  LeaseKeeper& keeper_;
  const Clock& clock_;
  const jobs::RetryPolicy policy_;
  const engine::ProcessOptions engine_options_;
  std::mutex rng_mu_;
  std::mt19937_64 rng_;
};

}  // namespace tessera::worker
