// TaskRunner: runs one claimed task end to end, by kind (jobs/task_payload.h):
//  - "process": job record to running, input blob through the engine, result blob written, then
//    the job record and the queue told the outcome. If the pipeline is tiled (the job's tiles
//    setting and the worker's TilingOptions), the task instead coordinates: it stores the tile
//    inputs, enqueues a "tile" task per tile (jobs/tiled_job.h) and is acked; the job stays
//    running until its "assemble" task stores the result.
//  - "tile": one tile through the pipeline's local part; the last tile enqueues "assemble".
//  - "assemble": the stored tiles stitched and encoded; the job succeeds.
// Each task logs one JSON line when it ends (job_succeeded, tiles_planned, tile_done,
// tile_skipped), and a tile that is actually computed logs tile_run first.
//
// Ordering makes every crash point safe:
//  - success: result blob (deterministic key), then job -> succeeded, then Ack. A crash before
//    the Ack redelivers the task; the runner finds the job finished and only Acks. Two
//    deliveries of one task running at once may both write the (same) result; only the one
//    whose move to succeeded is accepted reports and logs the success.
//  - permanent failure / attempts exhausted: Bury, then job -> dead. A crash in between leaves
//    a dead task under a running job, which the worker's dead-task reconciler repairs.
//  - retryable failure: Retry (after backoff), then job -> failed_retrying.
// A task whose lease was lost or which was cancelled while it ran is left alone: another holder
// (or the canceller) owns the outcome. Its engine is stopped as soon as the LeaseKeeper learns
// of it (engine/stop_token.h: at the next step, libvips region or band of rows), so the worker
// thread is free for the next task at once. Every blob write is fenced: the lease is renewed
// with the backend just before it (LeaseKeeper::Renew), and a holder that lost it writes
// nothing. A task left alone logs task_dropped (job_id, task_id, reason). A run longer than
// `job_deadline` is stopped the same way and ends its job dead with kDeadlineExceeded (another
// attempt would take as long).
//
// Thread-safety: Run may be called concurrently from several threads.
#pragma once

#include <atomic>
#include <mutex>
#include <optional>
#include <random>
#include <span>

#include "core/clock.h"
#include "engine/engine.h"
#include "engine/tiling/tiled_process.h"
#include "jobs/retry_policy.h"
#include "jobs/task_payload.h"
#include "queue/job_store.h"
#include "queue/task_queue.h"
#include "store/blob_store.h"
#include "worker/lease_keeper.h"

namespace tessera::worker {

enum class TaskOutcome { kSucceeded, kRetried, kBuried, kCancelled, kAbandoned };

class TaskRunner {
 public:
  TaskRunner(queue::TaskQueue& queue, queue::JobStore& jobs, store::BlobStore& blobs,
             LeaseKeeper& keeper, const Clock& clock, jobs::RetryPolicy policy,
             engine::ProcessOptions engine_options, engine::TilingOptions tiling = {},
             std::chrono::milliseconds job_deadline = std::chrono::milliseconds(0));

  TaskOutcome Run(const queue::ClaimedTask& task);

 private:
  TaskOutcome RunProcess(const queue::ClaimedTask& task);
  TaskOutcome RunTile(const queue::ClaimedTask& task);
  TaskOutcome RunAssemble(const queue::ClaimedTask& task);
  // Coordinates a tiled job if its pipeline is to be tiled; nullopt if it runs whole.
  std::optional<Status> MaybeCoordinate(const queue::ClaimedTask& task,
                                        const jobs::ProcessTaskPayload& payload,
                                        std::span<const uint8_t> input,
                                        const engine::Pipeline& pipeline);
  // Acks a finished task (the job outcome already recorded); kCancelled/kConflict answers are
  // not errors here.
  TaskOutcome AckDone(const queue::ClaimedTask& task);
  // For a run whose move of the job to succeeded was refused (kConflict): the job is no longer
  // running, because another delivery of the same task (a duplicate, or a redelivery after this
  // holder's lease ran out) finished it first, or because it was cancelled. That outcome
  // stands: the task is acked and the run reports kAbandoned (kCancelled if the task was), so
  // one job's success is counted and logged once.
  TaskOutcome LetGoOfFinished(const queue::ClaimedTask& task);
  TaskOutcome Fail(const queue::ClaimedTask& task, const Error& error);
  // True if `error` is a storage fault and the task's job is still inside the retry policy's
  // storage window (or its record cannot be read, which is itself the store failing).
  bool InStorageWindow(const queue::ClaimedTask& task, const Error& error);
  // Logs task_dropped and returns kAbandoned (lease lost) or kCancelled.
  // REQUIRES: why != kHeld.
  TaskOutcome Dropped(const queue::ClaimedTask& task, LeaseKeeper::LeaseState why);
  // Stores a whole-image run's result (and its detections) once the lease is confirmed.
  Status StoreResult(const queue::ClaimedTask& task, const engine::Pipeline& pipeline,
                     const std::string& output_key, const engine::ProcessResult& result);
  std::chrono::milliseconds Backoff(int attempt);

  queue::TaskQueue& queue_;
  queue::JobStore& jobs_;
  store::BlobStore& blobs_;
  LeaseKeeper& keeper_;
  const Clock& clock_;
  const jobs::RetryPolicy policy_;
  const engine::ProcessOptions engine_options_;
  const engine::TilingOptions tiling_;
  const std::chrono::milliseconds job_deadline_;
  std::mutex rng_mu_;
  std::mt19937_64 rng_;
};

}  // namespace tessera::worker
