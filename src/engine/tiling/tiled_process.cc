#include "engine/tiling/tiled_process.h"

#include <atomic>
#include <thread>
#include <vector>

#include "engine/process_steps.h"
#include "engine/stop_token.h"
#include "engine/tiling/row_reader.h"
#include "engine/tiling/strip_image.h"
#include "engine/tiling/tile_region.h"
#include "engine/vips/vips_adapter.h"
#include "engine/work_estimate.h"

namespace tessera::engine {
namespace {

// Runs fn(0..n-1) on up to `threads` threads; returns the first error.
Status ParallelFor(int n, int threads, const std::function<Status(int)>& fn) {
  if (n <= 0) return OkStatus();
  threads = std::max(1, std::min(threads, n));
  if (threads == 1) {
    for (int i = 0; i < n; ++i) {
      Status s = fn(i);
      if (!s) return s;
    }
    return OkStatus();
  }
  std::atomic<int> next{0};
  std::atomic<bool> failed{false};
  std::mutex mu;
  Status first;
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (int i = next++; i < n && !failed; i = next++) {
        Status s = fn(i);
        if (!s) {
          std::lock_guard<std::mutex> lock(mu);
          if (!failed.exchange(true)) first = s;
        }
      }
    });
  }
  for (auto& th : pool) th.join();
  return first;
}

// Computes tile row `row`: reads its input rows and runs every tile of the row.
class RowComputer {
 public:
  RowComputer(Image prepared, const TilePlan& plan, Pipeline local, int threads,
              const Limits& limits)
      : in_bands_(prepared.bands()),
        in_bits_(prepared.bits()),
        in_alpha_(prepared.has_alpha()),
        reader_(std::move(prepared)),
        plan_(plan),
        local_(std::move(local)),
        threads_(threads),
        limits_(limits) {}

  Result<Raster> Compute(int row) {
    if (!out_shape_.data) {
      // The bands and depth the local steps produce, from one pixel: every tile then pastes
      // straight into its own columns of the row as it finishes, all tiles in parallel.
      size_t next = 0;
      auto probe = RunInMemory(Raster::Allocate(1, 1, in_bands_, in_bits_, in_alpha_), local_.steps,
                               &next, limits_);
      if (!probe) return probe.error();
      out_shape_ = std::move(*probe);
    }
    Rect in_rows = plan_.RowInputRect(row);
    auto strip = reader_.Read(in_rows.y, in_rows.height);
    if (!strip) return strip.error();
    const Raster& input = **strip;
    int first = row * plan_.columns();
    Rect out_rows = plan_.RowRect(row);
    Raster strip_out = Raster::AllocateUninitialized(
        out_rows.width, out_rows.height, out_shape_.bands, out_shape_.bits, out_shape_.has_alpha);
    Status ok = ParallelFor(plan_.columns(), threads_, [&](int c) -> Status {
      Tile tile = plan_.At(first + c);
      Rect from{tile.in.x, tile.in.y - in_rows.y, tile.in.width, tile.in.height};
      Raster processed;
      Status run = ProcessTileInput(CropRaster(input, from), tile, local_, limits_, &processed);
      if (!run) return run;
      if (processed.bands != strip_out.bands || processed.bits != strip_out.bits) {
        return MakeError(ErrorCode::kInternal, "a tile's output shape differs from the row's");
      }
      PasteRaster(processed, OutRectWithin(tile), strip_out, tile.out.x, 0);
      return OkStatus();
    });
    if (!ok) return ok.error();
    return strip_out;
  }

 private:
  const int in_bands_;
  const int in_bits_;
  const bool in_alpha_;
  Raster out_shape_;  // 1x1: the local steps' output bands, depth and alpha
  RowReader reader_;
  const TilePlan plan_;
  const Pipeline local_;
  const int threads_;
  const Limits limits_;
};

}  // namespace

std::optional<TileMode> ParseTileMode(std::string_view name) {
  if (name == "auto") return TileMode::kAuto;
  if (name == "on") return TileMode::kOn;
  if (name == "off") return TileMode::kOff;
  return std::nullopt;
}

bool ShouldTile(const PipelineSplit& split, int width, int height, const TilingOptions& options) {
  if (!split.tileable() || options.mode == TileMode::kOff) return false;
  if (options.mode == TileMode::kOn) return true;
  return static_cast<uint64_t>(width) * static_cast<uint64_t>(height) >
         options.auto_threshold_pixels;
}

Result<Image> PrepareForTiling(std::span<const uint8_t> bytes, const ImageInfo& info,
                               const PipelineSplit& split, const ProcessOptions& options) {
  return DecodeAndRun(bytes, info, split.before, options);
}

Result<LocalTiled> RunLocalTiled(const Image& prepared, const PipelineSplit& split,
                                 const TilingOptions& tiling, const Limits& limits) {
  auto plan = PlanTiles(prepared.width(), prepared.height(),
                        TileSizeFor(prepared.width(), tiling.tile_size), split.halo);
  if (!plan) return plan.error();
  auto computer =
      std::make_shared<RowComputer>(prepared, *plan, split.local, tiling.threads, limits);
  auto first = computer->Compute(0);
  if (!first) return first.error();
  StripImage strips = MakeStripImage(*plan, std::move(*first),
                                     [computer](int row) { return computer->Compute(row); });
  return LocalTiled{std::move(strips.image), std::move(strips.errors), *plan};
}

Result<ProcessResult> FinishTiled(const Image& assembled, const PipelineSplit& split,
                                  const Pipeline& pipeline, const ImageInfo& input,
                                  const Limits& limits) {
  Image image = assembled;
  bool random = false;
  for (const Step& s : split.after.steps) random = random || s.op->reads_randomly;
  if (random) {
    auto raster = vips::ToRaster(image);
    if (!raster) return raster.error();
    image = vips::FromRaster(std::move(*raster));
  }
  auto after = RunSteps(image, split.after.steps, 0, limits);
  if (!after) return after.error();
  return EncodeResult(*after, pipeline, input);
}

Result<TiledResult> ProcessTiled(std::span<const uint8_t> bytes, const Pipeline& pipeline,
                                 const ProcessOptions& options, const TilingOptions& tiling) {
  auto info = Probe(bytes, options.limits);
  if (!info) return info.error();
  Status limits_ok = CheckInputLimits(*info, options.limits);
  if (!limits_ok) return limits_ok.error();
  // The same work limits as whole processing: tiling bounds memory, not time.
  Status work_ok =
      CheckWork(pipeline, EstimateWork(pipeline, *info, options.auto_orient), options.limits);
  if (!work_ok) return work_ok.error();
  ScopedStopToken stop_scope(options.stop != nullptr ? options.stop : CurrentStopToken());
  PipelineSplit split = SplitForTiling(pipeline);
  TiledResult out;
  if (split.tileable() && tiling.mode != TileMode::kOff) {
    auto prepared = PrepareForTiling(bytes, *info, split, options);
    if (!prepared) return prepared.error();
    if (ShouldTile(split, prepared->width(), prepared->height(), tiling)) {
      auto local = RunLocalTiled(*prepared, split, tiling, options.limits);
      if (!local) return local.error();
      auto result = FinishTiled(local->image, split, pipeline, *info, options.limits);
      if (!result) {
        std::optional<Error> tile_error = local->errors->First();
        return tile_error ? *tile_error : result.error();
      }
      out.result = std::move(*result);
      out.execution = split.Describe();
      out.tiles = local->plan.count();
      return out;
    }
  }
  auto result = Process(bytes, pipeline, options);
  if (!result) return result.error();
  out.result = std::move(*result);
  out.execution = "whole: " + pipeline.ToText();
  return out;
}

}  // namespace tessera::engine
