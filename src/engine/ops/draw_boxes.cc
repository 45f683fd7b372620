#include "engine/ops/draw_boxes.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <opencv2/imgproc.hpp>

#include "engine/ops/cv_bridge.h"

namespace tessera::engine::ops {
namespace {

// Distinct, saturated colours (RGB), picked by class id.
constexpr uint8_t kPalette[][3] = {{0, 255, 0},    {255, 56, 56}, {56, 56, 255},  {255, 178, 29},
                                   {207, 210, 49}, {72, 249, 10}, {146, 204, 23}, {61, 219, 134},
                                   {26, 147, 52},  {0, 212, 187}, {44, 153, 168}, {0, 194, 255}};

cv::Scalar ColourFor(const Raster& r, int class_id) {
  const uint8_t* rgb = kPalette[static_cast<size_t>(class_id) % std::size(kPalette)];
  double scale = r.bits == 16 ? 257.0 : 1.0;
  double full = r.bits == 16 ? 65535.0 : 255.0;
  int colour = r.bands - (r.has_alpha ? 1 : 0);
  cv::Scalar s;
  if (colour == 1) {
    s[0] = (0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]) * scale;
  } else {
    for (int c = 0; c < 3; ++c) s[c] = rgb[c] * scale;
  }
  if (r.has_alpha) s[colour] = full;
  return s;
}

}  // namespace

void DrawBoxes(Raster& raster, const std::vector<detect::Detection>& detections) {
  cv::Mat m = AsMat(raster);
  const int thickness =
      std::max(2, static_cast<int>(std::lround(std::min(raster.width, raster.height) / 400.0)));
  const double font_scale = 0.5 * thickness;
  for (const detect::Detection& d : detections) {
    cv::Scalar colour = ColourFor(raster, d.class_id);
    cv::Point p1(static_cast<int>(std::lround(d.x)), static_cast<int>(std::lround(d.y)));
    cv::Point p2(static_cast<int>(std::lround(d.x + d.width)) - 1,
                 static_cast<int>(std::lround(d.y + d.height)) - 1);
    cv::rectangle(m, p1, p2, colour, thickness, cv::LINE_8);
    char text[160];
    std::snprintf(text, sizeof text, "%s %.2f", d.label.c_str(), d.confidence);
    int baseline = 0;
    cv::Size size =
        cv::getTextSize(text, cv::FONT_HERSHEY_SIMPLEX, font_scale, thickness / 2 + 1, &baseline);
    int y = p1.y - thickness - 2;
    if (y - size.height < 0) y = p1.y + size.height + thickness + 2;
    cv::putText(m, text, cv::Point(p1.x, y), cv::FONT_HERSHEY_SIMPLEX, font_scale, colour,
                thickness / 2 + 1, cv::LINE_8);
  }
}

}  // namespace tessera::engine::ops
