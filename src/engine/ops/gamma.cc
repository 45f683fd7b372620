// gamma: out = max * (in / max)^(1/g) on the colour bands; g > 1 brightens mid-tones.
#include <cmath>

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

PointFunction Gamma(const Args& a) {
  double inverse = 1.0 / a.Float("g");
  return [inverse](double v, double max) { return max * std::pow(v / max, inverse); };
}

}  // namespace

const OpSpec kGamma{
    .name = "gamma",
    .description = "gamma correction of the colour bands",
    .params = kParams,
    .halo = NoHalo,
    .point = Gamma,
};

}  // namespace tessera::engine::ops
