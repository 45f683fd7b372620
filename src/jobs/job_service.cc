#include "jobs/job_service.h"

#include <algorithm>
#include <set>

#include "core/ids.h"
#include "core/log.h"
#include "engine/pipeline.h"
#include "engine/tiling/tiled_process.h"
#include "engine/work_estimate.h"
#include "jobs/idempotency_check.h"
#include "jobs/task_payload.h"

namespace tessera::jobs {
namespace {

// Detections of one image: at most 1000 per step, about 200 bytes each.
constexpr uint64_t kMaxDetectionsBytes = 16u << 20;

}  // namespace

JobService::JobService(queue::JobStore& jobs, queue::TaskQueue& queue, store::BlobStore& blobs,
                       queue::WorkerRegistry& workers, const Clock& clock, engine::Limits limits,
                       ReferencePolicy references)
    : jobs_(jobs),
      queue_(queue),
      blobs_(blobs),
      workers_(workers),
      clock_(clock),
      limits_(limits),
      references_(std::move(references)) {}

queue::TaskSpec JobService::TaskFor(const queue::JobRecord& job) const {
  queue::TaskSpec t;
  t.id = job.id;
  t.job_id = job.id;
  t.kind = std::string(kProcessTaskKind);
  const std::string output = job.output_key.empty() ? OutputKeyFor(job.id) : job.output_key;
  t.payload = ProcessTaskPayload{job.pipeline, job.input_key, output, job.tiles}.ToJson();
  t.priority = job.priority;
  t.capabilities = job.capabilities;
  return t;
}

Result<queue::CreatedJob> JobService::Submit(const SubmitRequest& request) {
  auto pipeline = engine::ParsePipeline(request.pipeline);
  if (!pipeline) return pipeline.error();
  if (!engine::ParseTileMode(request.tiles)) {
    return MakeError(ErrorCode::kBadRequest,
                     "tiles='" + request.tiles + "' is not one of auto, on, off", "tiles");
  }
  std::span<const uint8_t> image = request.image;
  std::vector<uint8_t> fetched;
  std::string input_key, output_key;
  if (!request.input.empty()) {
    if (!request.image.empty()) {
      return MakeError(ErrorCode::kBadRequest, "give an image or an input reference, not both",
                       "input");
    }
    auto key = ResolveReference(references_, request.input, "input");
    if (!key) return key.error();
    auto bytes = blobs_.Get(*key, limits_.max_input_bytes);
    if (!bytes) {
      Error e = bytes.error();
      if (e.code == ErrorCode::kNotFound || e.code == ErrorCode::kTooLarge) e.field = "input";
      if (e.code == ErrorCode::kNotFound) e.message = "no object '" + *key + "' to read";
      return e;
    }
    fetched = std::move(*bytes);
    image = fetched;
    input_key = *key;
  }
  if (!request.output.empty()) {
    auto key = ResolveReference(references_, request.output, "output");
    if (!key) return key.error();
    output_key = *key;
  }
  auto info = engine::Probe(image, limits_);
  if (!info) return info.error();
  if (Status ok = engine::CheckInputLimits(*info, limits_); !ok) return ok.error();
  // Work the worker would refuse is refused now, never queued (auto-orientation assumed: a
  // rotated estimate costs the same).
  if (Status ok = engine::CheckWork(*pipeline, engine::EstimateWork(*pipeline, *info), limits_);
      !ok) {
    return ok.error();
  }

  queue::JobRecord job;
  job.id = NewId(clock_);
  job.pipeline = pipeline->ToText();
  // A referenced input stays where it is (and is never deleted by tessera); an upload is stored
  // under inputs/<id>.
  const bool uploaded = input_key.empty();
  job.input_key = uploaded ? InputKeyFor(job.id) : input_key;
  job.output_key = output_key;  // empty: results/<id>
  job.priority = request.priority;
  std::set<std::string> caps;
  for (const engine::Step& s : pipeline->steps) {
    caps.insert(std::string(engine::CapabilityOf(*s.op, s.args)));
  }
  caps.insert(request.capabilities.begin(), request.capabilities.end());
  job.capabilities.assign(caps.begin(), caps.end());
  job.idempotency_key = request.idempotency_key;
  job.request_id = request.request_id;
  job.tiles = request.tiles;

  if (uploaded) {
    if (Status put = blobs_.Put(job.input_key, image); !put) {
      // The object may be stored all the same (the reply lost); no record will name it.
      (void)blobs_.Delete(job.input_key);
      return put.error();
    }
  }
  auto created = jobs_.Create(job);
  if (!created) {
    // The record may be written all the same (the reply lost). Its id is this submission's
    // own, so a record under it is this job: go on with it. The input is deleted only when the
    // store says there is no such record: a recorded job whose input is gone would die
    // not_found when it runs (after an idempotent retry by the client, or the repair).
    auto recorded = jobs_.Get(job.id);
    if (!recorded) {
      if (uploaded && recorded.error().code == ErrorCode::kNotFound) {
        (void)blobs_.Delete(job.input_key);
      }
      return created.error();
    }
    created = queue::CreatedJob{std::move(*recorded), true};
  }
  if (!created->created) {
    Status same = CheckSameRequest(created->job, job, image, blobs_);
    // An earlier submission with this key won; ours was never recorded.
    if (uploaded) (void)blobs_.Delete(job.input_key);
    if (!same) return same.error();
  }
  // Enqueue even for an existing job: idempotent, and it repairs a crash of that earlier
  // submission between recording and enqueueing.
  if (created->job.state == queue::JobState::kQueued) {
    if (Status enq = queue_.Enqueue(TaskFor(created->job)); !enq) return enq.error();
    Enqueued();
  }
  return created;
}

Result<JobStatus> JobService::Get(std::string_view id) {
  auto job = jobs_.Get(id);
  if (!job) return job.error();
  JobStatus status{*job, {}, {}};
  if (job->state == queue::JobState::kSucceeded &&
      std::find(job->capabilities.begin(), job->capabilities.end(), "detect") !=
          job->capabilities.end()) {
    auto stored = blobs_.Get(DetectionsKeyFor(job->id), kMaxDetectionsBytes);
    if (stored) status.detections_json.assign(stored->begin(), stored->end());
  }
  if (job->state == queue::JobState::kQueued || job->state == queue::JobState::kFailedRetrying) {
    auto live = workers_.ListLive();
    if (live) {
      std::set<std::string> have;
      for (const auto& w : *live) have.insert(w.capabilities.begin(), w.capabilities.end());
      for (const auto& c : job->capabilities) {
        if (!have.count(c)) status.waiting_for.push_back(c);
      }
    }
  }
  return status;
}

Result<std::vector<uint8_t>> JobService::ResultBytes(std::string_view id) {
  auto job = jobs_.Get(id);
  if (!job) return job.error();
  if (job->state != queue::JobState::kSucceeded) {
    return MakeError(ErrorCode::kConflict,
                     "job " + std::string(id) + " is " +
                         std::string(queue::JobStateName(job->state)) + ", not succeeded",
                     "id");
  }
  return blobs_.Get(job->output_key);
}

Result<queue::JobRecord> JobService::Cancel(std::string_view id) {
  auto job = jobs_.Get(id);
  if (!job) return job.error();
  auto moved = jobs_.Transition(id, queue::JobState::kCancelled, {});
  if (!moved) return moved.error();
  Status cancelled = queue_.Cancel(id);
  if (!cancelled && cancelled.error().code != ErrorCode::kNotFound) return cancelled.error();
  return moved;
}

Result<queue::JobRecord> JobService::Retry(std::string_view id) {
  auto job = jobs_.Get(id);
  if (!job) return job.error();
  if (job->state != queue::JobState::kDead && job->state != queue::JobState::kCancelled) {
    return MakeError(ErrorCode::kConflict,
                     "job " + std::string(id) + " is " +
                         std::string(queue::JobStateName(job->state)) +
                         "; only dead or cancelled jobs can be retried",
                     "id");
  }
  queue::JobUpdate update;
  update.attempts = 0;
  update.clear_error = true;
  auto moved = jobs_.Transition(id, queue::JobState::kQueued, update);
  if (!moved) return moved.error();
  // A dead task is requeued in place; a cancelled one no longer exists and is enqueued afresh
  // under a new task id (task ids are never reused).
  Status requeued = queue_.Requeue(id);
  if (!requeued) {
    queue::TaskSpec t = TaskFor(*moved);
    t.id = job->id + "." + NewId(clock_);
    if (Status enq = queue_.Enqueue(t); !enq) return enq.error();
  }
  Enqueued();
  return moved;
}

Result<queue::JobPage> JobService::List(std::optional<queue::JobState> state, size_t limit,
                                        std::string_view cursor) {
  return jobs_.List(state, limit, cursor);
}

void JobService::OnEnqueued(std::function<void()> listener) {
  std::lock_guard<std::mutex> lock(listener_mu_);
  on_enqueued_ = std::move(listener);
}

void JobService::Enqueued() {
  std::lock_guard<std::mutex> lock(listener_mu_);
  if (on_enqueued_) on_enqueued_();
}

Result<int> JobService::RepairQueuedJobs(std::chrono::milliseconds min_age) {
  const SystemTime recorded_before = clock_.Now() - min_age;
  int enqueued = 0;
  std::string cursor;
  do {
    auto page = jobs_.List(queue::JobState::kQueued, 500, cursor);
    if (!page) return page.error();
    for (const auto& job : page->jobs) {
      // A job that ever left queued (an operator's retry) has updated != created.
      if (job.updated != job.created || job.created > recorded_before) continue;
      auto known = queue_.Knows(job.id);
      if (!known) return known.error();
      if (*known) continue;
      if (Status s = queue_.Enqueue(TaskFor(job)); !s) return s.error();
      Enqueued();
      ++enqueued;
      Log(LogLevel::kWarn, "job_repaired",
          {{"job_id", job.id},
           {"request_id", job.request_id},
           {"reason", "queued without a task"},
           {"age_ms", std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                         clock_.Now() - job.created)
                                         .count())}});
    }
    cursor = page->next_cursor;
  } while (!cursor.empty());
  return enqueued;
}

}  // namespace tessera::jobs
