#include "jobs/tiled_job.h"

#include "core/log.h"
#include "engine/tiling/raw_tile.h"
#include "engine/tiling/row_reader.h"
#include "engine/tiling/strip_image.h"
#include "engine/tiling/tile_plan.h"
#include "engine/tiling/tile_region.h"
#include "engine/tiling/tiled_process.h"

namespace tessera::jobs {
namespace {

Result<engine::TilePlan> PlanOf(const TiledJobPayload& job) {
  return engine::PlanTiles(job.plan.width, job.plan.height, job.plan.tile_size, job.plan.halo);
}

queue::TaskSpec FollowUp(const queue::TaskSpec& from, std::string id, std::string_view kind,
                         std::string payload) {
  queue::TaskSpec t;
  t.id = std::move(id);
  t.job_id = from.job_id;
  t.kind = std::string(kind);
  t.payload = std::move(payload);
  t.priority = from.priority;
  t.capabilities = from.capabilities;
  return t;
}

// Enqueued by whoever first sees every tile done; the fixed task id makes every later attempt
// (another tile's worker, a redelivery, a resumed coordinator) a no-op.
Status EnqueueAssembly(queue::TaskQueue& queue, const queue::TaskSpec& from,
                       const TiledJobPayload& job) {
  return queue.Enqueue(FollowUp(from, AssembleTaskId(job.process_task_id), kAssembleTaskKind,
                                AssembleTaskPayload{job}.ToJson()));
}

std::optional<engine::Format> FormatNamed(std::string_view name) {
  for (engine::Format f :
       {engine::Format::kJpeg, engine::Format::kPng, engine::Format::kWebp, engine::Format::kTiff,
        engine::Format::kGif, engine::Format::kHeif, engine::Format::kAvif}) {
    if (engine::FormatName(f) == name) return f;
  }
  return std::nullopt;
}

}  // namespace

Result<CoordinateStats> CoordinateTiles(TiledJobSeams seams, const queue::TaskSpec& process_task,
                                        const TiledJobPayload& job, const engine::Image& prepared,
                                        const engine::PipelineSplit& split,
                                        const std::function<bool()>& stop,
                                        const WriteFence& fence) {
  auto plan = PlanOf(job);
  if (!plan) return plan.error();
  if (plan->image_width() != prepared.width() || plan->image_height() != prepared.height() ||
      plan->halo() != split.halo) {
    return MakeError(ErrorCode::kInternal, "tile plan does not match the prepared image");
  }
  const std::string& job_id = process_task.job_id;
  auto record = seams.jobs.Get(job_id);
  if (!record) return record.error();
  if (Status s = seams.jobs.SetProgress(job_id, record->tiles_done, plan->count()); !s) {
    return s.error();
  }
  CoordinateStats stats;
  stats.tiles_total = plan->count();
  std::string prefix = TilePrefixFor(job.process_task_id);
  engine::RowReader reader(prepared);
  for (int row = 0; row < plan->rows(); ++row) {
    if (stop()) return MakeError(ErrorCode::kCancelled, "coordinator stopped");
    // Which tiles of this row still need their input stored.
    std::vector<int> to_write;
    std::vector<int> to_enqueue;
    for (int c = 0; c < plan->columns(); ++c) {
      int index = row * plan->columns() + c;
      auto done = seams.jobs.IsTileDone(job_id, index);
      if (!done) return done.error();
      if (*done) {
        ++stats.already_done;
        continue;
      }
      to_enqueue.push_back(index);
      auto stored = seams.blobs.Exists(TileInputKey(prefix, index));
      if (!stored) return stored.error();
      if (!*stored) to_write.push_back(index);
    }
    if (!to_write.empty()) {
      engine::Rect rows = plan->RowInputRect(row);
      auto strip = reader.Read(rows.y, rows.height);
      if (!strip) return strip.error();
      for (int index : to_write) {
        engine::Tile tile = plan->At(index);
        engine::Raster input = engine::CropRaster(
            **strip, engine::Rect{tile.in.x, tile.in.y - rows.y, tile.in.width, tile.in.height});
        if (Status held = fence(); !held) return held.error();
        if (Status put = seams.blobs.Put(TileInputKey(prefix, index), engine::EncodeRawTile(input));
            !put) {
          return put.error();
        }
        ++stats.inputs_written;
      }
    }
    for (int index : to_enqueue) {
      TileTaskPayload payload{job, index};
      Status enq = seams.queue.Enqueue(FollowUp(
          process_task, TileTaskId(job.process_task_id, index), kTileTaskKind, payload.ToJson()));
      if (!enq) return enq.error();
    }
  }
  if (stats.already_done == stats.tiles_total) {
    if (Status enq = EnqueueAssembly(seams.queue, process_task, job); !enq) return enq.error();
  }
  return stats;
}

Result<TileRun> RunTile(TiledJobSeams seams, const queue::TaskSpec& task,
                        const TileTaskPayload& payload, const engine::Limits& limits,
                        const WriteFence& fence) {
  const std::string& job_id = task.job_id;
  auto record = seams.jobs.Get(job_id);
  if (!record) return record.error();
  if (queue::IsTerminal(record->state)) return TileRun::kJobFinished;
  if (record->state != queue::JobState::kRunning) {
    // A tile retried after a failure (failed_retrying) puts the job back to running.
    (void)seams.jobs.Transition(job_id, queue::JobState::kRunning, {});
  }
  auto done = seams.jobs.IsTileDone(job_id, payload.tile);
  if (!done) return done.error();
  TileRun outcome = TileRun::kAlreadyDone;
  std::string prefix = TilePrefixFor(payload.job.process_task_id);
  if (!*done) {
    auto pipeline = engine::ParsePipeline(payload.job.pipeline);
    if (!pipeline) return pipeline.error();
    engine::PipelineSplit split = engine::SplitForTiling(*pipeline);
    auto plan = PlanOf(payload.job);
    if (!plan) return plan.error();
    if (payload.tile < 0 || payload.tile >= plan->count() || split.halo != plan->halo()) {
      return MakeError(ErrorCode::kBadRequest, "tile task does not match its plan", "tile");
    }
    auto bytes = seams.blobs.Get(TileInputKey(prefix, payload.tile));
    if (!bytes) return bytes.error();
    Log(LogLevel::kInfo, "tile_run", {{"job_id", job_id}, {"tile", std::to_string(payload.tile)}});
    auto input = engine::DecodeRawTile(*bytes);
    if (!input) return input.error();
    auto output = engine::ProcessTile(std::move(*input), plan->At(static_cast<int>(payload.tile)),
                                      split.local, limits);
    if (!output) return output.error();
    if (Status held = fence(); !held) return held.error();
    Status put =
        seams.blobs.Put(TileOutputKey(prefix, payload.tile), engine::EncodeRawTile(*output));
    if (!put) return put.error();
    outcome = TileRun::kProcessed;
  }
  // Marked (again, harmlessly, for a redelivery) so that a worker that died between marking
  // the last tile and enqueueing the assembly is made good by the redelivery.
  auto mark = seams.jobs.MarkTileDone(job_id, payload.tile);
  if (!mark) return mark.error();
  if (mark->all_done()) {
    if (Status enq = EnqueueAssembly(seams.queue, task, payload.job); !enq) return enq.error();
  }
  (void)seams.blobs.Delete(TileInputKey(prefix, payload.tile));
  return outcome;
}

Result<engine::ProcessResult> AssembleTiles(TiledJobSeams seams, const AssembleTaskPayload& payload,
                                            const engine::Limits& limits, const WriteFence& fence) {
  const TiledJobPayload& job = payload.job;
  auto pipeline = engine::ParsePipeline(job.pipeline);
  if (!pipeline) return pipeline.error();
  engine::PipelineSplit split = engine::SplitForTiling(*pipeline);
  auto plan = PlanOf(job);
  if (!plan) return plan.error();
  std::optional<engine::Format> format = FormatNamed(job.input_format);
  if (!format) {
    return MakeError(ErrorCode::kBadRequest, "unknown input format " + job.input_format,
                     "input_format");
  }
  std::string prefix = TilePrefixFor(job.process_task_id);
  store::BlobStore& blobs = seams.blobs;
  engine::TilePlan p = *plan;
  auto load_row = [&blobs, prefix, p](int row) -> Result<engine::Raster> {
    engine::Rect rows = p.RowRect(row);
    engine::Raster strip;
    for (int c = 0; c < p.columns(); ++c) {
      int index = row * p.columns() + c;
      auto bytes = blobs.Get(TileOutputKey(prefix, index));
      if (!bytes) return bytes.error();
      auto tile = engine::DecodeRawTile(*bytes);
      if (!tile) return tile.error();
      engine::Tile t = p.At(index);
      if (tile->width != t.out.width || tile->height != t.out.height) {
        return MakeError(ErrorCode::kCorruptImage,
                         "stored tile " + std::to_string(index) + " has the wrong size");
      }
      if (!strip.data) {
        strip = engine::Raster::AllocateUninitialized(rows.width, rows.height, tile->bands,
                                                      tile->bits, tile->has_alpha);
      }
      if (tile->bands != strip.bands || tile->bits != strip.bits) {
        return MakeError(ErrorCode::kCorruptImage, "stored tiles differ in shape");
      }
      engine::PasteRaster(*tile, strip, t.out.x, 0);
    }
    return strip;
  };
  auto first = load_row(0);
  if (!first) return first.error();
  engine::StripImage image = engine::MakeStripImage(*plan, std::move(*first), load_row);
  engine::ImageInfo info;
  info.format = *format;
  info.width = plan->image_width();
  info.height = plan->image_height();
  auto result = engine::FinishTiled(image.image, split, *pipeline, info, limits);
  if (!result) {
    std::optional<Error> tile_error = image.errors->First();
    return tile_error ? *tile_error : result.error();
  }
  if (Status held = fence(); !held) return held.error();
  if (Status put = seams.blobs.Put(job.output_key, result->bytes); !put) return put.error();
  return result;
}

void DeleteTiles(store::BlobStore& blobs, const TiledJobPayload& job) {
  auto plan = PlanOf(job);
  if (plan) DeleteTiles(blobs, job.process_task_id, plan->count());
}

void DeleteTiles(store::BlobStore& blobs, std::string_view process_task_id, int64_t tiles) {
  std::string prefix = TilePrefixFor(process_task_id);
  for (int64_t i = 0; i < tiles; ++i) {
    (void)blobs.Delete(TileInputKey(prefix, i));
    (void)blobs.Delete(TileOutputKey(prefix, i));
  }
}

}  // namespace tessera::jobs
