// JobService: what clients do with jobs (submit, status, result, cancel, retry, list), over the
// queue, job-record and blob seams. Used by the CLI's `tessera jobs` and by the HTTP API.
//
// Submit is crash-safe without a transaction spanning the three backends: the input blob is
// written first, then the job record, then the task (whose id is the job id, and Enqueue is
// idempotent). A crash between record and task, or a Redis that lost the end of its
// append-only file, leaves a queued job with no task, which RepairQueuedJobs() re-enqueues (every
// worker and API process runs it periodically: jobs/queued_job_repair.h).
//
// Thread-safety: all methods may be called concurrently.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "engine/engine.h"
#include "jobs/references.h"
#include "queue/job_store.h"
#include "queue/task_queue.h"
#include "queue/worker_registry.h"
#include "store/blob_store.h"

namespace tessera::jobs {

struct SubmitRequest {
  std::span<const uint8_t> image;
  // Instead of `image`: an object already in the store to read the input from, and where the
  // result goes instead of results/<id> (jobs/references.h says which are allowed). Empty: none.
  std::string input;
  std::string output;
  std::string pipeline;  // text or JSON spelling
  queue::Priority priority = queue::Priority::kNormal;
  std::string idempotency_key;  // empty: none
  std::string request_id;
  // Tiling of the pipeline's local part: "auto" (tiled above the worker's pixel threshold),
  // "on", "off". Anything else is kBadRequest (field "tiles").
  std::string tiles = "auto";
  // Capabilities a worker needs besides those of the pipeline's ops (the job waits in the queue
  // until a live worker has them all).
  std::vector<std::string> capabilities;
};

struct JobStatus {
  queue::JobRecord job;
  // For a queued job: the capabilities it needs that no live worker has (it waits for them).
  std::vector<std::string> waiting_for;
  // For a succeeded job whose pipeline finds objects: its detections as stored by the worker
  // (a JSON array, engine/detect/detection_json.h); empty otherwise.
  std::string detections_json;
};

class JobService {
 public:
  JobService(queue::JobStore& jobs, queue::TaskQueue& queue, store::BlobStore& blobs,
             queue::WorkerRegistry& workers, const Clock& clock, engine::Limits limits,
             ReferencePolicy references = {});

  // Validates the pipeline (kBadPipeline) and the image header against the limits
  // (kUnsupportedMedia, kCorruptImage, kTooLarge, kTooManyPixels) before accepting anything,
  // then stores the input, records the job and enqueues its task. An input or output by
  // reference that the policy refuses is kBadRequest (field "input"/"output"); a missing input
  // object is kNotFound (field "input"). With an idempotency key already used by the same
  // request, returns the existing job (created = false) and stores nothing new; by a different
  // one (jobs/idempotency_check.h), kIdempotencyKeyReused (field "idempotency_key").
  // A write that fails may have been applied (its reply lost): a failed record write is
  // checked by reading the record back, and a job found there is returned as created; an
  // input is deleted only where no record can name it. A failed enqueue is returned as is:
  // the recorded job is then enqueued by a retry with the same idempotency key or by
  // RepairQueuedJobs.
  Result<queue::CreatedJob> Submit(const SubmitRequest& request);

  // kNotFound for an unknown id.
  Result<JobStatus> Get(std::string_view id);

  // The result bytes. kNotFound (unknown id), kConflict (the job has not succeeded).
  Result<std::vector<uint8_t>> ResultBytes(std::string_view id);

  // Cancels a job that has not finished: its task is cancelled (a running worker stops at its
  // next heartbeat) and the record moves to cancelled. kNotFound; kConflict if it already
  // succeeded, died or was cancelled.
  Result<queue::JobRecord> Cancel(std::string_view id);

  // Runs a dead or cancelled job again from the start with a fresh attempt count.
  // kNotFound; kConflict if it is not dead or cancelled.
  Result<queue::JobRecord> Retry(std::string_view id);

  Result<queue::JobPage> List(std::optional<queue::JobState> state, size_t limit,
                              std::string_view cursor);

  // Enqueues the task of every queued job that has none, closing the gap a crash between
  // recording a job and enqueueing its task (or a backend that lost the task) leaves; logs
  // job_repaired for each and returns how many it enqueued. Idempotent: a job whose task the
  // queue knows (TaskQueue::Knows, in any state) is left alone. Only jobs recorded at least
  // `min_age` ago are looked at, so a submission between its record and its task is not raced.
  // A job an operator retried is left alone too: its task may live under another id (Retry).
  Result<int> RepairQueuedJobs(std::chrono::milliseconds min_age);

  // Called after every task this service enqueues (submit, retry, repair), so that a worker
  // pool in the same process claims it at once instead of at its next idle poll (up to
  // WorkerOptions::idle_poll_max later). Null removes it (before the pool it wakes is gone).
  void OnEnqueued(std::function<void()> listener);

 private:
  void Enqueued();

  queue::TaskSpec TaskFor(const queue::JobRecord& job) const;

  queue::JobStore& jobs_;
  queue::TaskQueue& queue_;
  store::BlobStore& blobs_;
  queue::WorkerRegistry& workers_;
  const Clock& clock_;
  engine::Limits limits_;
  ReferencePolicy references_;
  std::mutex listener_mu_;
  std::function<void()> on_enqueued_;  // guarded by listener_mu_
};

}  // namespace tessera::jobs
