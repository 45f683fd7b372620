// edges: an 8-bit grey edge map, by Sobel gradient magnitude or Canny's detector.
#include <algorithm>
#include <opencv2/imgproc.hpp>

#include "engine/ops/cv_bridge.h"
#include "engine/ops/gaussian.h"
#include "engine/ops/ops.h"

namespace tessera::engine::ops {
namespace {

constexpr std::string_view kModes[] = {"sobel", "canny"};

constexpr ParamSpec kParams[] = {
    {.name = "mode",
     .type = ParamType::kEnum,
     .description = "sobel: gradient magnitude sqrt(gx^2+gy^2) clamped to 255; canny: binary "
                    "edges after hysteresis, which follows edges across the whole image (so "
                    "never runs on tiles)",
     .default_value = "sobel",
     .choices = kModes},
    {.name = "sigma",
     .type = ParamType::kFloat,
     .description = "canny: Gaussian pre-blur (0 = none)",
     .min = 0,
     .max = 20,
     .default_value = "1.4"},
    {.name = "low",
     .type = ParamType::kFloat,
     .description = "canny: lower hysteresis threshold",
     .min = 0,
     .max = 10000,
     .default_value = "50"},
    {.name = "high",
     .type = ParamType::kFloat,
     .description = "canny: upper hysteresis threshold",
     .min = 0,
     .max = 10000,
     .default_value = "150"},
};

Status Validate(const Args& a) {
  if (a.Float("low") > a.Float("high")) {
    return MakeError(ErrorCode::kBadPipeline, "low must not exceed high", "edges.low");
  }
  return OkStatus();
}

// Canny's hysteresis follows edges across the whole image, so it cannot be tiled.
int Halo(const Args& a) { return a.Enum("mode") == "canny" ? kGlobalHalo : 1; }

// 8-bit grey (alpha dropped), the input every edge detector here works on. A view of `src`
// itself when it already is one 8-bit band.
cv::Mat ToGrey8(const Raster& src) {
  cv::Mat m = AsMat(src);
  if (src.bits == 16) {
    cv::Mat eight;
    m.convertTo(eight, CV_8U, 1.0 / 257.0);
    m = eight;
  }
  cv::Mat grey;
  switch (src.bands) {
    case 1: grey = m; break;
    case 2: cv::extractChannel(m, grey, 0); break;
    case 3: cv::cvtColor(m, grey, cv::COLOR_RGB2GRAY); break;
    default: cv::cvtColor(m, grey, cv::COLOR_RGBA2GRAY); break;
  }
  return grey;
}

// round(sqrt(gx^2 + gy^2)) clamped to 255, a strip of rows at a time so the 16-bit gradients and
// float magnitudes stay in cache (and are allocated once) instead of being whole-image buffers.
// Sobel on a strip (an ROI of `grey`) reads the rows just outside it from `grey` and replicates
// only at the image's own edges, so strips give exactly the whole-image result.
void SobelMagnitude(const cv::Mat& grey, cv::Mat& out) {
  constexpr int kStripRows = 32;
  cv::Mat gx, gy, fx, fy, magnitude;
  for (int y0 = 0; y0 < grey.rows; y0 += kStripRows) {
    int y1 = std::min(grey.rows, y0 + kStripRows);
    cv::Mat strip = grey.rowRange(y0, y1);
    cv::Sobel(strip, gx, CV_16S, 1, 0, 3, 1, 0, cv::BORDER_REPLICATE);
    cv::Sobel(strip, gy, CV_16S, 0, 1, 3, 1, 0, cv::BORDER_REPLICATE);
    // gx^2 + gy^2 <= 2 * 1020^2 is exact in float, and sqrt of an integer is never exactly
    // halfway between integers, so float rounding (to even) gives the exact rounded magnitude.
    gx.convertTo(fx, CV_32F);
    gy.convertTo(fy, CV_32F);
    cv::magnitude(fx, fy, magnitude);
    cv::Mat out_strip = out.rowRange(y0, y1);
    magnitude.convertTo(out_strip, CV_8U);
  }
}

Result<Raster> Edges(Raster src, const Args& a) {
  cv::Mat grey = ToGrey8(src);
  Raster dst = Raster::AllocateUninitialized(src.width, src.height, 1, 8, false);
  cv::Mat d = AsMat(dst);
  if (a.Enum("mode") == "sobel") {
    SobelMagnitude(grey, d);
    return dst;
  }
  double sigma = a.Float("sigma");
  cv::Mat smoothed = grey;
  if (sigma > 0) {
    smoothed = cv::Mat(grey.size(), grey.type());
    GaussianBlur(grey, smoothed, sigma, GaussianRadius(sigma));
  }
  cv::Canny(smoothed, d, a.Float("low"), a.Float("high"), 3, true);
  return dst;
}

// Sobel: two 3x3 kernels; Canny: its pre-blur's two passes, then gradients, non-maximum
// suppression and hysteresis (about 30 reads per pixel, measured against the blur).
double WorkPerPixel(const Args& a) {
  if (a.Enum("mode") == "sobel") return 18;
  double sigma = a.Float("sigma");
  return 30 + (sigma > 0 ? 2.0 * (2 * GaussianRadius(sigma) + 1) : 0);
}

}  // namespace

const OpSpec kEdges{
    .name = "edges",
    .description = "edge map as 8-bit grey (Sobel magnitude or Canny)",
    .params = kParams,
    .halo = Halo,
    .validate = Validate,
    .work_per_pixel = WorkPerPixel,
    .raster = Edges,
};

}  // namespace tessera::engine::ops
