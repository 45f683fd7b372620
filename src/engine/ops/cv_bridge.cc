#include "engine/ops/cv_bridge.h"

#include <opencv2/core/utility.hpp>

namespace tessera::engine::ops {

cv::Mat AsMat(const Raster& r) {
  int depth = r.bits == 16 ? CV_16U : CV_8U;
  return cv::Mat(r.height, r.width, CV_MAKETYPE(depth, r.bands), r.data.get(), r.stride());
}

cv::Mat AsMat(Raster& r) { return AsMat(static_cast<const Raster&>(r)); }

void SetOpenCvThreads(int threads) { cv::setNumThreads(threads); }

}  // namespace tessera::engine::ops
