// The engine's front door: probe an encoded image and run a pipeline on it, bytes in, bytes out.
//
// engine/ knows nothing of queues, HTTP or storage. Callers (CLI, API, workers) hand it bytes
// and a validated Pipeline and get bytes back or a typed Error:
//   kTooLarge          input bytes over Limits::max_input_bytes (checked first)
//   kUnsupportedMedia  not JPEG, PNG, WebP, TIFF, GIF, HEIF or AVIF by its magic bytes
//   kCorruptImage      the header or the pixel data cannot be decoded
//   kTooManyPixels     header pixels/frames, or any intermediate or output size, over a limit;
//                      checked before the pixels are computed, so a decompression bomb never
//                      allocates its pixels
//   kOverBudget        too many steps, or a step or the pipeline over its work limit
//                      (work_estimate.h), checked from the header before decoding
//   kCancelled, kDeadlineExceeded
//                      ProcessOptions::stop was stopped (its Reason())
//   kBadRequest        a parameter that is valid alone but not for this image (crop outside it),
//                      or a detection model name that is not available
//   kUnavailable       a detection model that cannot be loaded or has not its declared layout
//   kInternal          a library failed on input that passed every check
//
// Thread-safety: Process may run concurrently on any number of threads once InitializeEngine
// has returned.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/result.h"
#include "engine/detect/detection.h"
#include "engine/image.h"
#include "engine/pipeline.h"
#include "engine/stop_token.h"

namespace tessera::engine {

struct Limits {
  uint64_t max_input_bytes = 256ull << 20;   // bytes of encoded input (256 MiB)
  uint64_t max_pixels = 100'000'000;         // input width * height from the header (100 MP)
  int max_frames = 1000;                     // pages/frames declared by the header
  uint64_t max_output_pixels = 100'000'000;  // any intermediate or final width * height
  // Damaged input: truncated files are refused from kTruncated on (by their structure, before
  // any pixel is decoded); libvips' decoder errors from kError, its warnings at kWarning.
  FailOn fail_on = FailOn::kError;
  // Work limits (engine/work_estimate.h; a work unit is a million sample reads, about 1/300 s
  // of one core):
  int max_steps = 32;                  // steps in one pipeline, the format step included
  double max_step_work = 20'000;       // one step's estimated work (about a minute of a core)
  double max_pipeline_work = 100'000;  // the whole pipeline's, decode and encode included
};

// Starts the image libraries. `threads_per_image` is how many threads one pipeline may use
// inside libvips and OpenCV: 1 when the caller runs one image per core (the CLI and workers do),
// more when one image at a time must go fast. Call once at start; later calls only re-tune.
Status InitializeEngine(int threads_per_image);

// Identifies the format by magic bytes and reads the header; checks no limits but input bytes.
Result<ImageInfo> Probe(std::span<const uint8_t> bytes, const Limits& limits = {});

// Checks header facts against the input limits (pixels, frames) and the input's integrity
// (a truncated file is kCorruptImage unless limits.fail_on is kNone).
Status CheckInputLimits(const ImageInfo& info, const Limits& limits);

struct ProcessOptions {
  Limits limits;
  bool auto_orient = true;  // honour the EXIF orientation (and drop the tag)
  // When set, Process stops as soon as it sees the token stopped (engine/stop_token.h): between
  // steps, at libvips' next region, at a kernel's next band of rows; it returns the token's
  // Reason(). Not owned; must outlive the call.
  const StopToken* stop = nullptr;
};

// Where a Process call spent its time. libvips evaluates lazily: decoding and the libvips steps
// (resize, crop, rotate, ...) are computed when their pixels are first needed, so their time is
// reported under the stage that pulled them: "libvips" when an in-memory step needed pixels,
// "encode" at the end. In-memory steps report their op name; consecutive per-sample steps run
// as one table, reported as "point_table".
struct StageTime {
  std::string stage;
  std::chrono::microseconds time{0};
};

struct ProcessResult {
  std::vector<StageTime> stages;
  // What the pipeline's detect and redact steps found, in step order; each box in the
  // coordinates of the image entering its step (Detection::image_width/height).
  std::vector<detect::Detection> detections;
  detect::DetectTimes detect_times;  // summed over those steps
  std::vector<uint8_t> bytes;
  Format format = Format::kJpeg;
  int width = 0;
  int height = 0;
  ImageInfo input;
};

// Runs `pipeline` on the encoded image `bytes`; encodes as the pipeline's format step says, or
// in the input's format when it has none.
Result<ProcessResult> Process(std::span<const uint8_t> bytes, const Pipeline& pipeline,
                              const ProcessOptions& options = {});

// Runs one step alone on `in` by whichever of apply / raster / point its op declares (a raster
// or point op computes `in` into memory and wraps its output back). Returns `in` for the format
// step. Process runs steps exactly like this, except that it keeps the pixels of consecutive
// raster and point steps in memory between them.
Result<Image> ApplyStep(const Step& step, const Image& in);

// True when a step of `pipeline` finds objects (detect, redact): its ProcessResult carries
// detections worth storing even when there are none.
bool FindsObjects(const Pipeline& pipeline);

// The format the result of `pipeline` on an input of `input_format` will be encoded in.
Format OutputFormat(const Pipeline& pipeline, Format input_format);

}  // namespace tessera::engine
