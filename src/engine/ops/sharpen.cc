// sharpen: unsharp mask, out = in + amount * (in - gaussian(in)) where |in - gaussian| > threshold.
#include <cmath>
#include <cstdint>

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

template <class T>
void UnsharpMask(const Raster& src, const Raster& blurred, Raster& dst, double amount,
                 double threshold, double max_value) {
  const T* s = reinterpret_cast<const T*>(src.data.get());
  const T* b = reinterpret_cast<const T*>(blurred.data.get());
  T* d = reinterpret_cast<T*>(dst.data.get());
  size_t pixels = static_cast<size_t>(src.width) * src.height;
  int bands = src.bands;
  int colour_bands = bands - (src.has_alpha ? 1 : 0);
  for (size_t p = 0; p < pixels; ++p) {
    for (int c = 0; c < bands; ++c) {
      size_t i = p * bands + c;
      double diff = static_cast<double>(s[i]) - static_cast<double>(b[i]);
      double v = s[i];
      if (c < colour_bands && std::fabs(diff) > threshold) v += amount * diff;
      v = std::round(v);
      d[i] = static_cast<T>(v < 0 ? 0 : v > max_value ? max_value : v);
    }
  }
}

Result<Image> Apply(const Image& in, const Args& a) {
  double sigma = a.Float("sigma");
  double amount = a.Float("amount");
  int radius = Halo(a);
  return WithRaster(in, [&](Raster& src) {
    Raster blurred = Raster::Allocate(src.width, src.height, src.bands, src.bits, src.has_alpha);
    cv::Mat bm = AsMat(blurred);
    GaussianBlur(AsMat(src), bm, sigma, radius);
    Raster dst = Raster::Allocate(src.width, src.height, src.bands, src.bits, src.has_alpha);
    if (src.bits == 16) {
      UnsharpMask<uint16_t>(src, blurred, dst, amount, a.Float("threshold") * 257.0, 65535.0);
    } else {
      UnsharpMask<uint8_t>(src, blurred, dst, amount, a.Float("threshold"), 255.0);
    }
    return dst;
  });
}

}  // namespace

const OpSpec kSharpen{
    .name = "sharpen",
    .description = "unsharp mask on the colour bands (alpha untouched)",
    .params = kParams,
    .halo = Halo,
    .apply = Apply,
};

}  // namespace tessera::engine::ops
