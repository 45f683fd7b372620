// sharpen: unsharp mask, out = in + amount * (in - gaussian(in)) where |in - gaussian| > threshold.
#include <cmath>
#include <opencv2/core.hpp>

#include "engine/ops/cv_bridge.h"
#include "engine/ops/gaussian.h"
#include "engine/ops/ops.h"

namespace tessera::engine::ops {
namespace {

constexpr ParamSpec kParams[] = {
    {.name = "sigma",
     .type = ParamType::kFloat,
     .description = "blur radius of the mask",
     .min = 0.1,
     .max = 50,
     .default_value = "1"},
    {.name = "amount",
     .type = ParamType::kFloat,
     .description = "strength (0 = none)",
     .min = 0,
     .max = 20,
     .default_value = "1"},
    {.name = "threshold",
     .type = ParamType::kFloat,
     .description = "minimum difference (0..255 scale) before a pixel is sharpened",
     .min = 0,
     .max = 255,
     .default_value = "0"},
};

int Halo(const Args& a) { return GaussianRadius(a.Float("sigma")); }

// out = in * (1 + amount) - blurred * amount, computed and rounded (half to even) by OpenCV in
// float; the old per-sample double loop rounded half away from zero, so an exact tie may now
// land on the other neighbour (within the op's documented rounding).
Result<Raster> Sharpen(Raster src, const Args& a) {
  double amount = a.Float("amount");
  // Samples are integers, so |in - blurred| > threshold is |in - blurred| > floor(threshold).
  double threshold = std::floor(a.Float("threshold") * (src.bits == 16 ? 257.0 : 1.0));
  Raster dst = Raster::AllocateLike(src);
  cv::Mat s = AsMat(src);
  cv::Mat d = AsMat(dst);
  GaussianBlur(s, d, a.Float("sigma"), Halo(a));
  cv::Mat keep;  // samples left as they are: |in - blurred| <= threshold
  if (threshold > 0) {
    cv::Mat diff;
    cv::absdiff(s, d, diff);
    cv::compare(diff.reshape(1), threshold, keep, cv::CMP_LE);
  }
  cv::addWeighted(s, 1.0 + amount, d, -amount, 0.0, d);
  if (!keep.empty()) {
    cv::Mat d_samples = d.reshape(1);
    s.reshape(1).copyTo(d_samples, keep);
  }
  if (src.has_alpha) {
    const int alpha[] = {src.bands - 1, src.bands - 1};
    cv::mixChannels(&s, 1, &d, 1, alpha, 1);
  }
  return dst;
}

}  // namespace

const OpSpec kSharpen{
    .name = "sharpen",
    .description = "unsharp mask on the colour bands (alpha untouched)",
    .params = kParams,
    .halo = Halo,
    .raster = Sharpen,
};

}  // namespace tessera::engine::ops
