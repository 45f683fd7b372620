// How much work a pipeline asks for, estimated before any pixel is decoded, from the image
// header and the ops' own declarations (OpSpec: halo, output_size, work_per_pixel): one fact in
// one place, so a new op is costed by declaring it.
//
// The unit is the *work unit*: a million sample reads (one pass of a point op over a
// megapixel). Per step, work = pixels x reads per pixel:
//   - point ops (OpSpec::point): 1 per pixel;
//   - in-memory ops (raster, detect) with a finite halo h: 2 x (2h + 1) per pixel, the two
//     passes of a separable kernel (blur:sigma=s has h = ceil(3s), so sigma=500 costs 6002);
//   - apply ops (geometry, on libvips): one read of the input, plus 1 per output pixel;
//   - OpSpec::work_per_pixel overrides the rule where it does not fit (resampling kernels,
//     Canny, detection, and the format step, i.e. the encoder);
// plus the decode (10 per input pixel) and the encode (the format step's work per output pixel,
// in the output format). Sizes follow the steps (OpSpec::output_size); an estimate is an upper
// bound where the size depends on the pixels (a face crop). On one core of the reference
// machine 300 to 1,500 work units take a second: large kernels and AV1 at
// the slow end, so a budget in units bounds the time.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/result.h"
#include "engine/engine.h"

namespace tessera::engine {

struct StepWork {
  size_t index = 0;  // in Pipeline::steps
  PixelSize in;      // the image entering the step
  PixelSize out;
  double work = 0;  // work units
};

struct WorkEstimate {
  double decode = 0;
  std::vector<StepWork> steps;  // every step but the format step
  double encode = 0;
  double total = 0;  // decode + steps + encode
};

// The estimate for `pipeline` on an image whose header is `info` (oriented as displayed when
// `auto_orient`).
WorkEstimate EstimateWork(const Pipeline& pipeline, const ImageInfo& info, bool auto_orient = true);

// Checks the pipeline against the work limits, in this order:
//   kOverBudget, field "pipeline": more than limits.max_steps steps;
//   kTooManyPixels, field "<op>": a step's estimated output over limits.max_output_pixels;
//   kOverBudget, field "pipeline[i]": step i costs more than limits.max_step_work;
//   kOverBudget, field "pipeline": the total is over limits.max_pipeline_work.
// Each message names the step or total, its cost and the limit.
Status CheckWork(const Pipeline& pipeline, const WorkEstimate& estimate, const Limits& limits);

// Only the step count (no header needed): kOverBudget as above.
Status CheckStepCount(const Pipeline& pipeline, const Limits& limits);

// "12,400" style (whole work units), for messages.
std::string WorkText(double work);

}  // namespace tessera::engine
