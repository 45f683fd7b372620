#include "worker/task_runner.h"

#include "core/log.h"
#include "engine/detect/detection_json.h"
#include "jobs/task_payload.h"

namespace tessera::worker {
namespace {

using queue::JobState;

std::string Millis(std::chrono::steady_clock::duration d) {
  return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(d).count());
}

// What stops a task's engine: its job cancelled or its lease lost (as the LeaseKeeper learns),
// or the run's deadline.
class TaskStopToken final : public engine::StopToken {
 public:
  TaskStopToken(const LeaseKeeper& keeper, const queue::ClaimedTask& task, const Clock& clock,
                std::chrono::milliseconds deadline)
      : keeper_(keeper), task_(task), deadline_(clock) {
    if (deadline.count() > 0) {
      deadline_.SetDeadline(
          clock.Monotonic() + deadline,
          MakeError(ErrorCode::kDeadlineExceeded, "the job ran longer than its deadline of " +
                                                      std::to_string(deadline.count()) + " ms"));
    }
  }
  bool StopRequested() const override {
    return deadline_.StopRequested() || keeper_.State(task_) != LeaseKeeper::LeaseState::kHeld;
  }
  Error Reason() const override {
    switch (keeper_.State(task_)) {
      case LeaseKeeper::LeaseState::kCancelled:
        return MakeError(ErrorCode::kCancelled, "the job was cancelled");
      case LeaseKeeper::LeaseState::kLost:
        return MakeError(ErrorCode::kConflict, "the task's lease was lost");
      case LeaseKeeper::LeaseState::kHeld: break;
    }
    return deadline_.Reason();
  }

 private:
  const LeaseKeeper& keeper_;
  const queue::ClaimedTask& task_;
  engine::StopSource deadline_;
};

}  // namespace

TaskRunner::TaskRunner(queue::TaskQueue& queue, queue::JobStore& jobs, store::BlobStore& blobs,
                       LeaseKeeper& keeper, const Clock& clock, jobs::RetryPolicy policy,
                       engine::ProcessOptions engine_options, engine::TilingOptions tiling,
                       std::chrono::milliseconds job_deadline)
    : queue_(queue),
      jobs_(jobs),
      blobs_(blobs),
      keeper_(keeper),
      clock_(clock),
      policy_(policy),
      engine_options_(engine_options),
      tiling_(tiling),
      job_deadline_(job_deadline),
      rng_(std::random_device{}()) {}

std::chrono::milliseconds TaskRunner::Backoff(int attempt) {
  std::lock_guard<std::mutex> lock(rng_mu_);
  return policy_.Backoff(attempt, rng_);
}

TaskOutcome TaskRunner::Run(const queue::ClaimedTask& task) {
  // Every engine call of this task sees the token (engine::CurrentStopToken).
  TaskStopToken stop(keeper_, task, clock_, job_deadline_);
  engine::ScopedStopToken stop_scope(&stop);
  // The one catch-all at the task boundary: a bug in one task must not take down the pool.
  try {
    if (task.spec.kind == jobs::kTileTaskKind) return RunTile(task);
    if (task.spec.kind == jobs::kAssembleTaskKind) return RunAssemble(task);
    return RunProcess(task);
  } catch (const std::exception& e) {
    return Fail(task, MakeError(ErrorCode::kInternal, std::string("task threw: ") + e.what()));
  } catch (...) {
    return Fail(task, MakeError(ErrorCode::kInternal, "task threw a non-standard exception"));
  }
}

TaskOutcome TaskRunner::Dropped(const queue::ClaimedTask& task, LeaseKeeper::LeaseState why) {
  const bool cancelled = why == LeaseKeeper::LeaseState::kCancelled;
  Log(cancelled ? LogLevel::kInfo : LogLevel::kWarn, "task_dropped",
      {{"job_id", task.spec.job_id},
       {"task_id", task.spec.id},
       {"kind", task.spec.kind},
       {"attempt", std::to_string(task.attempt)},
       {"worker_id", task.worker_id},
       {"reason", cancelled ? "cancelled" : "lease_lost"}});
  return cancelled ? TaskOutcome::kCancelled : TaskOutcome::kAbandoned;
}

TaskOutcome TaskRunner::Fail(const queue::ClaimedTask& task, const Error& error) {
  const std::string& job_id = task.spec.job_id;
  bool permanent = jobs::IsPermanent(error.code) ||
                   (task.attempt >= policy_.max_attempts && !InStorageWindow(task, error));
  if (permanent) {
    Status buried = queue_.Bury(task, error);
    if (!buried && buried.error().code == ErrorCode::kCancelled) {
      return Dropped(task, LeaseKeeper::LeaseState::kCancelled);
    }
    if (!buried && buried.error().code == ErrorCode::kConflict) {
      return Dropped(task, LeaseKeeper::LeaseState::kLost);
    }
    queue::JobUpdate update;
    update.error = error;
    auto moved = jobs_.Transition(job_id, JobState::kDead, update);
    Log(LogLevel::kWarn, "job_dead",
        {{"job_id", job_id},
         {"attempt", std::to_string(task.attempt)},
         {"error", error.ToString()}});
    (void)moved;
    return TaskOutcome::kBuried;
  }
  auto delay = Backoff(task.attempt);
  Status retried = queue_.Retry(task, clock_.Now() + delay, error);
  if (!retried && retried.error().code == ErrorCode::kCancelled) {
    return Dropped(task, LeaseKeeper::LeaseState::kCancelled);
  }
  if (!retried && retried.error().code == ErrorCode::kConflict) {
    return Dropped(task, LeaseKeeper::LeaseState::kLost);
  }
  queue::JobUpdate update;
  update.error = error;
  (void)jobs_.Transition(job_id, JobState::kFailedRetrying, update);
  Log(LogLevel::kInfo, "job_retry",
      {{"job_id", job_id},
       {"attempt", std::to_string(task.attempt)},
       {"delay_ms", std::to_string(delay.count())},
       {"error", error.ToString()}});
  return TaskOutcome::kRetried;
}

TaskOutcome TaskRunner::LetGoOfFinished(const queue::ClaimedTask& task) {
  Status acked = queue_.Ack(task);
  if (!acked && acked.error().code == ErrorCode::kCancelled) return TaskOutcome::kCancelled;
  return TaskOutcome::kAbandoned;
}

bool TaskRunner::InStorageWindow(const queue::ClaimedTask& task, const Error& error) {
  if (!jobs::IsStorageFault(error.code)) return false;
  auto job = jobs_.Get(task.spec.job_id);
  if (!job) return job.error().code != ErrorCode::kNotFound;
  SystemTime since = job->started != SystemTime{} ? job->started : job->created;
  return clock_.Now() - since < policy_.storage_window;
}

Status TaskRunner::StoreResult(const queue::ClaimedTask& task, const engine::Pipeline& pipeline,
                               const std::string& output_key, const engine::ProcessResult& result) {
  if (Status held = keeper_.Renew(task); !held) return held;
  if (engine::FindsObjects(pipeline)) {
    std::string found = engine::detect::DetectionsToJson(result.detections);
    Status put =
        blobs_.Put(jobs::DetectionsKeyFor(task.spec.job_id),
                   std::span(reinterpret_cast<const uint8_t*>(found.data()), found.size()));
    if (!put) return put;
  }
  return blobs_.Put(output_key, result.bytes);
}

TaskOutcome TaskRunner::RunProcess(const queue::ClaimedTask& task) {
  const std::string& job_id = task.spec.job_id;
  auto job = jobs_.Get(job_id);
  if (!job) {
    if (job.error().code == ErrorCode::kNotFound) {
      // The job record expired or was deleted: nothing to do for it.
      (void)queue_.Ack(task);
      return TaskOutcome::kAbandoned;
    }
    return Fail(task, job.error());
  }
  if (queue::IsTerminal(job->state)) {
    // A redelivery of work that already finished (e.g. a crash before the Ack).
    (void)queue_.Ack(task);
    return TaskOutcome::kAbandoned;
  }
  queue::JobUpdate running;
  running.attempts = task.attempt;
  auto moved = jobs_.Transition(job_id, JobState::kRunning, running);
  if (!moved) {
    if (moved.error().code == ErrorCode::kConflict) {
      (void)queue_.Ack(task);
      return TaskOutcome::kAbandoned;
    }
    return Fail(task, moved.error());
  }
  // Checked once the job is running, so that a malformed task still ends its job dead.
  if (task.spec.kind != jobs::kProcessTaskKind) {
    return Fail(task, MakeError(ErrorCode::kBadRequest,
                                "unknown task kind '" + task.spec.kind + "'", "kind"));
  }
  auto payload = jobs::ProcessTaskPayload::FromJson(task.spec.payload);
  if (!payload) return Fail(task, payload.error());

  auto started = clock_.Monotonic();
  keeper_.Track(task);
  Result<engine::ProcessResult> result = MakeError(ErrorCode::kInternal, "not run");
  std::optional<Status> coordinated;
  std::string execution;
  Status stored;
  auto input = blobs_.Get(payload->input_key, engine_options_.limits.max_input_bytes);
  if (!input) {
    result = input.error();
  } else {
    auto pipeline = engine::ParsePipeline(payload->pipeline);
    if (!pipeline) {
      result = pipeline.error();
    } else {
      coordinated = MaybeCoordinate(task, *payload, *input, *pipeline);
      if (!coordinated) {
        result = engine::Process(*input, *pipeline, engine_options_);
        execution = "whole: " + pipeline->ToText();
        if (result) stored = StoreResult(task, *pipeline, payload->output_key, *result);
      }
    }
  }
  LeaseKeeper::LeaseState lease = keeper_.State(task);
  keeper_.Untrack(task);
  if (lease != LeaseKeeper::LeaseState::kHeld) return Dropped(task, lease);

  if (coordinated) {
    if (!*coordinated) return Fail(task, coordinated->error());
    return AckDone(task);  // the job goes on in its tile tasks
  }
  if (!result) return Fail(task, result.error());
  if (!stored) return Fail(task, stored.error());

  queue::JobUpdate done;
  done.output_key = payload->output_key;
  done.output_format = std::string(engine::FormatName(result->format));
  done.execution = execution;
  done.clear_error = true;
  auto finished = jobs_.Transition(job_id, JobState::kSucceeded, done);
  if (!finished) {
    if (finished.error().code != ErrorCode::kConflict) return Fail(task, finished.error());
    return LetGoOfFinished(task);
  }
  Status acked = queue_.Ack(task);
  if (!acked && acked.error().code == ErrorCode::kCancelled) return TaskOutcome::kCancelled;
  Log(LogLevel::kInfo, "job_succeeded",
      {{"job_id", job_id},
       {"request_id", job->request_id},
       {"attempt", std::to_string(task.attempt)},
       {"ms", Millis(clock_.Monotonic() - started)},
       {"bytes", std::to_string(result->bytes.size())}});
  return TaskOutcome::kSucceeded;
}

}  // namespace tessera::worker
