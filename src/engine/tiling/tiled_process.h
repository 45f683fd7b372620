// Tiled processing on one machine: the engine::Process of huge images, with bounded memory.
//
// The input is decoded with sequential access and read a row of tiles at a time (plus halo);
// the tiles of that row run the pipeline's local part on `threads` threads at once; the result
// rows stream into the encoder as it asks for them (strip_image.h). Memory is about
// (input strip + 3 output strips + threads x tile) instead of the whole image. The output is
// pixel-identical to engine::Process (tile_plan.h says why).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/result.h"
#include "engine/engine.h"
#include "engine/tiling/pipeline_split.h"
#include "engine/tiling/strip_image.h"
#include "engine/tiling/tile_plan.h"

namespace tessera::engine {

enum class TileMode { kAuto, kOn, kOff };

// "auto", "on", "off".
std::optional<TileMode> ParseTileMode(std::string_view name);

struct TilingOptions {
  TileMode mode = TileMode::kAuto;
  int tile_size = 0;  // tile edge in pixels; 0: automatic (TileSizeFor)
  // kAuto tiles when the image entering the local part has more pixels than this.
  uint64_t auto_threshold_pixels = 25'000'000;
  int threads = 1;  // tiles of one row computed at once
};

// Whether a w x h image entering `split`'s local part is tiled under `options`.
bool ShouldTile(const PipelineSplit& split, int width, int height, const TilingOptions& options);

struct TiledResult {
  ProcessResult result;
  std::string execution;  // PipelineSplit::Describe(), or "whole: ..." when not tiled
  int tiles = 0;          // 0 when it ran whole
};

// Like engine::Process, tiling the local part when ShouldTile says so.
Result<TiledResult> ProcessTiled(std::span<const uint8_t> bytes, const Pipeline& pipeline,
                                 const ProcessOptions& options, const TilingOptions& tiling);

// The pieces, for callers that test or distribute them.

// Decodes `bytes` (sequential access unless split.before reads randomly) and runs split.before,
// lazily. The bytes must outlive the image.
Result<Image> PrepareForTiling(std::span<const uint8_t> bytes, const ImageInfo& info,
                               const PipelineSplit& split, const ProcessOptions& options);

// The local part run tile by tile over `prepared`, as a lazy image to be read top to bottom
// (by an encoder, or ToRaster). `errors` receives the first failure of a tile.
struct LocalTiled {
  Image image;
  std::shared_ptr<StripErrors> errors;
  TilePlan plan;
};
Result<LocalTiled> RunLocalTiled(const Image& prepared, const PipelineSplit& split,
                                 const TilingOptions& tiling, const Limits& limits);

// Runs split.after on the assembled image `assembled` (whole: in memory first if a step
// reads randomly) and encodes it as `pipeline` says.
Result<ProcessResult> FinishTiled(const Image& assembled, const PipelineSplit& split,
                                  const Pipeline& pipeline, const ImageInfo& input,
                                  const Limits& limits);

}  // namespace tessera::engine
