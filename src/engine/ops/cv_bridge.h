// Runs OpenCV kernels on pixels in memory: views a Raster as a cv::Mat without copying.
#pragma once

#include <opencv2/core.hpp>

#include "engine/raster.h"

namespace tessera::engine::ops {

// A cv::Mat over the raster's pixels (no copy; the raster must outlive the Mat). The const
// overload is for inputs: cv::Mat cannot express read-only, so the caller must not write to it.
cv::Mat AsMat(Raster& raster);
cv::Mat AsMat(const Raster& raster);

// OpenCV's threads would oversubscribe the cores next to tessera's own per-image workers;
// called once by the runner's set-up.
void SetOpenCvThreads(int threads);

}  // namespace tessera::engine::ops
