#include "engine/ops/colour_matrix.h"

#include <opencv2/core.hpp>

#include "engine/ops/cv_bridge.h"

namespace tessera::engine::ops {

Raster ApplyColourMatrix(const Raster& src, const ColourMatrix& cm, bool to_grey) {
  double scale = src.bits == 16 ? 257.0 : 1.0;
  int colour_in = src.bands - (src.has_alpha ? 1 : 0);
  int colour_out = (to_grey || colour_in == 1) ? 1 : 3;
  int out_bands = colour_out + (src.has_alpha ? 1 : 0);
  // cv::transform takes an out_bands x (in_bands + 1) matrix; the last column is the offset.
  cv::Mat t = cv::Mat::zeros(out_bands, src.bands + 1, CV_64F);
  for (int r = 0; r < colour_out; ++r) {
    if (colour_in == 1) {
      t.at<double>(r, 0) = cm.m[r][0] + cm.m[r][1] + cm.m[r][2];
    } else {
      for (int c = 0; c < 3; ++c) t.at<double>(r, c) = cm.m[r][c];
    }
    t.at<double>(r, src.bands) = cm.offset[r] * scale;
  }
  if (src.has_alpha) t.at<double>(out_bands - 1, src.bands - 1) = 1.0;
  Raster dst =
      Raster::AllocateUninitialized(src.width, src.height, out_bands, src.bits, src.has_alpha);
  cv::Mat d = AsMat(dst);
  cv::transform(AsMat(src), d, t);
  return dst;
}

}  // namespace tessera::engine::ops
