// Runs OpenCV kernels on an engine::Image: computes the pixels into a Raster, views it as a
// cv::Mat without copying, and wraps the kernel's output Raster back into an Image.
#pragma once

#include <opencv2/core.hpp>

#include "core/result.h"
#include "engine/image.h"
#include "engine/raster.h"

namespace tessera::engine::ops {

// A cv::Mat over the raster's pixels (no copy; the raster must outlive the Mat).
cv::Mat AsMat(Raster& raster);

// OpenCV's threads would oversubscribe the cores next to tessera's own per-image workers;
// called once by the runner's set-up.
void SetOpenCvThreads(int threads);

// Computes `in` into memory and returns kernel(src) as an Image. The kernel returns the output
// raster (any shape).
template <class Kernel>
Result<Image> WithRaster(const Image& in, Kernel&& kernel);

}  // namespace tessera::engine::ops

#include "engine/vips/vips_adapter.h"

namespace tessera::engine::ops {

template <class Kernel>
Result<Image> WithRaster(const Image& in, Kernel&& kernel) {
  auto src = vips::ToRaster(in);
  if (!src) return src.error();
  Raster out = kernel(*src);
  return vips::FromRaster(std::move(out));
}

}  // namespace tessera::engine::ops
