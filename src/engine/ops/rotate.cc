// rotate: clockwise by any angle; multiples of 90 are exact, others resample and fill corners.
#include <cmath>

#include "engine/ops/ops.h"
#include "engine/vips/vips_adapter.h"

namespace tessera::engine::ops {
namespace {

constexpr ParamSpec kParams[] = {
    {.name = "angle",
     .type = ParamType::kFloat,
     .description = "degrees clockwise",
     .min = -360,
     .max = 360,
     .default_value = "90"},
    {.name = "bg",
     .type = ParamType::kColour,
     .description = "fill for uncovered corners (angles that are not multiples of 90)",
     .default_value = "black"},
};

Result<Image> Apply(const Image& in, const Args& a) {
  double angle = a.Float("angle");
  double turns = angle / 90.0;
  if (turns == std::floor(turns)) {
    int q = static_cast<int>(turns);
    if (q % 4 == 0) return in;
    return vips::RotateQuarterTurns(in, q);
  }
  return vips::RotateAnyAngle(in, angle, a.ColourValue("bg"));
}

PixelSize OutputSize(const Args& a, PixelSize in) {
  double angle = a.Float("angle");
  double turns = angle / 90.0;
  if (turns == std::floor(turns)) {
    if (static_cast<int64_t>(turns) % 2 == 0) return in;
    return {in.height, in.width};
  }
  // The bounding box of the turned rectangle.
  double rad = angle * M_PI / 180.0;
  double c = std::abs(std::cos(rad));
  double s = std::abs(std::sin(rad));
  double w = static_cast<double>(in.width);
  double h = static_cast<double>(in.height);
  return {static_cast<int64_t>(std::ceil(w * c + h * s)),
          static_cast<int64_t>(std::ceil(w * s + h * c))};
}

}  // namespace

const OpSpec kRotate{
    .name = "rotate",
    .description = "rotate clockwise; multiples of 90 degrees are lossless",
    .params = kParams,
    .changes_geometry = true,
    .reads_randomly = true,
    .halo = GlobalHalo,
    .output_size = OutputSize,
    .apply = Apply,
};

}  // namespace tessera::engine::ops
