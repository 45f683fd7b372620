#include "engine/ops/face_crop.h"

#include <algorithm>
#include <cmath>

#include "engine/ops/detect_common.h"
#include "engine/vips/vips_adapter.h"

namespace tessera::engine::ops {
namespace {

// The window's start along one axis: centred on `centre`, kept inside 0..length.
int Place(double centre, int window, int length) {
  int start = static_cast<int>(std::lround(centre - window / 2.0));
  return std::clamp(start, 0, length - window);
}

}  // namespace

Result<Image> CropToFaces(const Image& in, int w, int h) {
  const int W = in.width(), H = in.height();
  w = std::min(w, W);
  h = std::min(h, H);
  auto raster = vips::ToRaster(in);
  if (!raster) return raster.error();
  auto faces = DetectWithModel(*raster, kFaceCropModel);
  if (!faces) return faces.error();
  double cx = W / 2.0, cy = H / 2.0;
  if (!faces->empty()) {
    double x1 = W, y1 = H, x2 = 0, y2 = 0;
    for (const detect::Detection& f : *faces) {
      x1 = std::min<double>(x1, f.x);
      y1 = std::min<double>(y1, f.y);
      x2 = std::max<double>(x2, f.x + f.width);
      y2 = std::max<double>(y2, f.y + f.height);
    }
    cx = (x1 + x2) / 2;
    cy = (y1 + y2) / 2;
  }
  Image whole = vips::FromRaster(std::move(*raster));
  if (w == W && h == H) return whole;
  return vips::ExtractArea(whole, Place(cx, w, W), Place(cy, h, H), w, h);
}

}  // namespace tessera::engine::ops
