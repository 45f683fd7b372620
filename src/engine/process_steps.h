// The pieces engine::Process is made of, shared with tiled processing (engine/tiling/), which
// runs the same steps on regions. Internal to the engine: callers outside it use engine.h.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "engine/engine.h"
#include "engine/vips/vips_adapter.h"

namespace tessera::engine {

// The current thread's StopToken's Reason() once it is stopped (stop_token.h), OK otherwise.
Status CheckStop();

// True for ops that run on pixels in memory (OpSpec::raster, point or detect).
bool RunsInMemory(const OpSpec& op);

// kTooManyPixels if width x height is over limits.max_output_pixels, naming `op`.
Status CheckOutputSize(int width, int height, const Limits& limits, std::string_view op);
Status CheckOutputSize(const Image& im, const Limits& limits, std::string_view op);

// Runs steps[*next...] while they are raster or point steps, on `raster`, advancing *next past
// them. Consecutive point steps become one table.
// With `stages`, appends the time of each raster step and point table.
// With `findings`, appends what detect steps found (Detection::step set to the step's index) and
// adds up their times.
Result<Raster> RunInMemory(Raster raster, const std::vector<Step>& steps, size_t* next,
                           const Limits& limits, std::vector<StageTime>* stages = nullptr,
                           detect::Findings* findings = nullptr);

// Decodes the input, folding a leading resize or thumbnail into the decoder (shrink-on-load),
// with sequential access unless a step of `pipeline` reads randomly. Returns the decoded image
// and how many leading steps it already performed.
Result<Image> DecodeForPipeline(std::span<const uint8_t> bytes, const ImageInfo& info,
                                const Pipeline& pipeline, const ProcessOptions& options,
                                size_t* consumed);

// Runs steps[first...] on `image` (the format step is skipped: the encoder applies it).
// With `stages`, appends where the time went (see StageTime).
Result<Image> RunSteps(Image image, const std::vector<Step>& steps, size_t first,
                       const Limits& limits, std::vector<StageTime>* stages = nullptr,
                       detect::Findings* findings = nullptr);

// DecodeForPipeline + RunSteps: every step of `pipeline` but the encoding.
Result<Image> DecodeAndRun(std::span<const uint8_t> bytes, const ImageInfo& info,
                           const Pipeline& pipeline, const ProcessOptions& options,
                           std::vector<StageTime>* stages = nullptr,
                           detect::Findings* findings = nullptr);

// Runs `fn`, appending its duration to `stages` (when not null) as `stage`.
template <typename Fn>
auto Timed(std::vector<StageTime>* stages, std::string_view stage, Fn&& fn) {
  if (stages == nullptr) return fn();
  const auto start = std::chrono::steady_clock::now();
  auto result = fn();
  stages->push_back({std::string(stage), std::chrono::duration_cast<std::chrono::microseconds>(
                                             std::chrono::steady_clock::now() - start)});
  return result;
}

// Encodes `image` as `pipeline`'s format step says (or in the input's format).
Result<ProcessResult> EncodeResult(const Image& image, const Pipeline& pipeline,
                                   const ImageInfo& input);

}  // namespace tessera::engine
