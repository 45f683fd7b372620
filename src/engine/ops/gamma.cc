// gamma: out = max * (in / max)^(1/g) on the colour bands; g > 1 brightens mid-tones.
#include <cmath>
#include <opencv2/core.hpp>
#include <vector>

#include "engine/ops/cv_bridge.h"
#include "engine/ops/ops.h"

namespace tessera::engine::ops {
namespace {

constexpr ParamSpec kParams[] = {
    {.name = "g",
     .type = ParamType::kFloat,
     .description = "gamma (1 = unchanged)",
     .min = 0.1,
     .max = 10,
     .default_value = "2.2"},
};

template <class T>
void ApplyTable(Raster& r, const std::vector<T>& table) {
  T* p = reinterpret_cast<T*>(r.data.get());
  size_t pixels = static_cast<size_t>(r.width) * r.height;
  int colour = r.bands - (r.has_alpha ? 1 : 0);
  for (size_t i = 0; i < pixels; ++i) {
    for (int c = 0; c < colour; ++c) p[i * r.bands + c] = table[p[i * r.bands + c]];
  }
}

template <class T>
std::vector<T> Table(double inverse_gamma, int max) {
  std::vector<T> t(static_cast<size_t>(max) + 1);
  for (int v = 0; v <= max; ++v) {
    t[v] = static_cast<T>(std::lround(max * std::pow(static_cast<double>(v) / max, inverse_gamma)));
  }
  return t;
}

Result<Image> Apply(const Image& in, const Args& a) {
  double inv = 1.0 / a.Float("g");
  return WithRaster(in, [&](Raster& src) {
    if (src.bits == 16) {
      ApplyTable<uint16_t>(src, Table<uint16_t>(inv, 65535));
    } else {
      ApplyTable<uint8_t>(src, Table<uint8_t>(inv, 255));
    }
    return std::move(src);
  });
}

}  // namespace

const OpSpec kGamma{
    .name = "gamma",
    .description = "gamma correction of the colour bands",
    .params = kParams,
    .halo = NoHalo,
    .apply = Apply,
};

}  // namespace tessera::engine::ops
