// TaskRunner's part in tiled jobs: deciding to tile and coordinating (in the process task), and
// the tile and assemble task kinds. The choreography itself is jobs/tiled_job.h.
#include "core/log.h"
#include "jobs/tiled_job.h"
#include "worker/task_runner.h"

namespace tessera::worker {
namespace {

using queue::JobState;

std::string Millis(std::chrono::steady_clock::duration d) {
  return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(d).count());
}

}  // namespace

TaskOutcome TaskRunner::AckDone(const queue::ClaimedTask& task) {
  Status acked = queue_.Ack(task);
  if (!acked && acked.error().code == ErrorCode::kCancelled) {
    return Dropped(task, LeaseKeeper::LeaseState::kCancelled);
  }
  if (!acked && acked.error().code == ErrorCode::kConflict) {
    return Dropped(task, LeaseKeeper::LeaseState::kLost);
  }
  return TaskOutcome::kSucceeded;
}

std::optional<Status> TaskRunner::MaybeCoordinate(const queue::ClaimedTask& task,
                                                  const jobs::ProcessTaskPayload& payload,
                                                  std::span<const uint8_t> input,
                                                  const engine::Pipeline& pipeline) {
  engine::PipelineSplit split = engine::SplitForTiling(pipeline);
  std::optional<engine::TileMode> mode = engine::ParseTileMode(payload.tiles);
  // Detections are reported by whole-image runs only (a detector must see the whole image).
  if (!split.tileable() || mode == engine::TileMode::kOff || engine::FindsObjects(pipeline)) {
    return std::nullopt;
  }
  auto info = engine::Probe(input, engine_options_.limits);
  if (!info) return Status(info.error());
  if (Status ok = engine::CheckInputLimits(*info, engine_options_.limits); !ok) return ok;
  auto prepared = engine::PrepareForTiling(input, *info, split, engine_options_);
  if (!prepared) return Status(prepared.error());
  engine::TilingOptions tiling = tiling_;
  tiling.mode = mode.value_or(engine::TileMode::kAuto);
  if (!engine::ShouldTile(split, prepared->width(), prepared->height(), tiling)) {
    return std::nullopt;
  }
  jobs::TiledJobPayload job{pipeline.ToText(),
                            {prepared->width(), prepared->height(),
                             engine::TileSizeFor(prepared->width(), tiling.tile_size), split.halo},
                            std::string(engine::FormatName(info->format)),
                            task.spec.id,
                            payload.output_key};
  queue::JobUpdate planned;
  planned.execution = split.Describe();
  if (auto moved = jobs_.Transition(task.spec.job_id, JobState::kRunning, planned); !moved) {
    return Status(moved.error());
  }
  auto stats = jobs::CoordinateTiles(
      {jobs_, queue_, blobs_}, task.spec, job, *prepared, split,
      [&] { return keeper_.State(task) != LeaseKeeper::LeaseState::kHeld; },
      [&] { return keeper_.Renew(task); });
  if (!stats) return Status(stats.error());
  Log(LogLevel::kInfo, "tiles_planned",
      {{"job_id", task.spec.job_id},
       {"tiles", std::to_string(stats->tiles_total)},
       {"inputs_written", std::to_string(stats->inputs_written)},
       {"already_done", std::to_string(stats->already_done)},
       {"execution", *planned.execution}});
  return OkStatus();
}

TaskOutcome TaskRunner::RunTile(const queue::ClaimedTask& task) {
  auto payload = jobs::TileTaskPayload::FromJson(task.spec.payload);
  if (!payload) return Fail(task, payload.error());
  auto started = clock_.Monotonic();
  keeper_.Track(task);
  auto run = jobs::RunTile({jobs_, queue_, blobs_}, task.spec, *payload, engine_options_.limits,
                           [&] { return keeper_.Renew(task); });
  LeaseKeeper::LeaseState lease = keeper_.State(task);
  keeper_.Untrack(task);
  if (lease != LeaseKeeper::LeaseState::kHeld) return Dropped(task, lease);
  if (!run) {
    if (run.error().code == ErrorCode::kNotFound && !jobs_.Get(task.spec.job_id)) {
      (void)queue_.Ack(task);  // the job record is gone (expired): nothing to do
      return TaskOutcome::kAbandoned;
    }
    return Fail(task, run.error());
  }
  if (*run == jobs::TileRun::kJobFinished) {
    // Cancelled (or otherwise finished) job: the remaining tiles are dropped unprocessed.
    (void)queue_.Ack(task);
    return TaskOutcome::kCancelled;
  }
  Log(LogLevel::kInfo, *run == jobs::TileRun::kProcessed ? "tile_done" : "tile_skipped",
      {{"job_id", task.spec.job_id},
       {"tile", std::to_string(payload->tile)},
       {"attempt", std::to_string(task.attempt)},
       {"ms", Millis(clock_.Monotonic() - started)}});
  return AckDone(task);
}

TaskOutcome TaskRunner::RunAssemble(const queue::ClaimedTask& task) {
  const std::string& job_id = task.spec.job_id;
  auto job = jobs_.Get(job_id);
  if (!job) {
    if (job.error().code != ErrorCode::kNotFound) return Fail(task, job.error());
    (void)queue_.Ack(task);
    return TaskOutcome::kAbandoned;
  }
  if (queue::IsTerminal(job->state)) {
    (void)queue_.Ack(task);
    return TaskOutcome::kAbandoned;
  }
  auto payload = jobs::AssembleTaskPayload::FromJson(task.spec.payload);
  if (!payload) return Fail(task, payload.error());
  Log(LogLevel::kInfo, "assemble_start",
      {{"job_id", job_id}, {"attempt", std::to_string(task.attempt)}});
  auto started = clock_.Monotonic();
  keeper_.Track(task);
  auto result = jobs::AssembleTiles({jobs_, queue_, blobs_}, *payload, engine_options_.limits,
                                    [&] { return keeper_.Renew(task); });
  LeaseKeeper::LeaseState lease = keeper_.State(task);
  keeper_.Untrack(task);
  if (lease != LeaseKeeper::LeaseState::kHeld) return Dropped(task, lease);
  if (!result) return Fail(task, result.error());

  queue::JobUpdate done;
  done.output_key = payload->job.output_key;
  done.output_format = std::string(engine::FormatName(result->format));
  done.clear_error = true;
  auto finished = jobs_.Transition(job_id, JobState::kSucceeded, done);
  if (!finished) {
    if (finished.error().code != ErrorCode::kConflict) return Fail(task, finished.error());
    return LetGoOfFinished(task);
  }
  TaskOutcome outcome = AckDone(task);
  jobs::DeleteTiles(blobs_, payload->job);
  Log(LogLevel::kInfo, "job_succeeded",
      {{"job_id", job_id},
       {"request_id", job->request_id},
       {"attempt", std::to_string(task.attempt)},
       {"ms", Millis(clock_.Monotonic() - started)},
       {"tiles", std::to_string(job->tiles_total)},
       {"bytes", std::to_string(result->bytes.size())}});
  return outcome;
}

}  // namespace tessera::worker
