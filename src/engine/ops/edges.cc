// edges: an 8-bit grey edge map, by Sobel gradient magnitude or Canny's detector.
#include <cmath>
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
                    "edges after hysteresis",
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

// 8-bit grey (alpha dropped), the input every edge detector here works on.
cv::Mat ToGrey8(Raster& src) {
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

void Sobel(const cv::Mat& grey, Raster& dst) {
  cv::Mat gx, gy;
  cv::Sobel(grey, gx, CV_16S, 1, 0, 3, 1, 0, cv::BORDER_REPLICATE);
  cv::Sobel(grey, gy, CV_16S, 0, 1, 3, 1, 0, cv::BORDER_REPLICATE);
  for (int y = 0; y < grey.rows; ++y) {
    const int16_t* x_row = gx.ptr<int16_t>(y);
    const int16_t* y_row = gy.ptr<int16_t>(y);
    uint8_t* out = dst.data.get() + static_cast<size_t>(y) * dst.stride();
    for (int x = 0; x < grey.cols; ++x) {
      float m = std::sqrt(static_cast<float>(x_row[x]) * x_row[x] +
                          static_cast<float>(y_row[x]) * y_row[x]);
      out[x] = static_cast<uint8_t>(m >= 255.f ? 255 : std::lround(m));
    }
  }
}

Result<Image> Apply(const Image& in, const Args& a) {
  return WithRaster(in, [&](Raster& src) {
    cv::Mat grey = ToGrey8(src);
    Raster dst = Raster::Allocate(src.width, src.height, 1, 8, false);
    if (a.Enum("mode") == "sobel") {
      Sobel(grey, dst);
    } else {
      double sigma = a.Float("sigma");
      cv::Mat smoothed = grey;
      if (sigma > 0) {
        smoothed = cv::Mat(grey.size(), grey.type());
        GaussianBlur(grey, smoothed, sigma, GaussianRadius(sigma));
      }
      cv::Mat d = AsMat(dst);
      cv::Canny(smoothed, d, a.Float("low"), a.Float("high"), 3, true);
    }
    return dst;
  });
}

}  // namespace

const OpSpec kEdges{
    .name = "edges",
    .description = "edge map as 8-bit grey (Sobel magnitude or Canny)",
    .params = kParams,
    .halo = Halo,
    .validate = Validate,
    .apply = Apply,
};

}  // namespace tessera::engine::ops
