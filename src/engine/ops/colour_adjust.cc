// brightness, contrast, saturation, invert and grayscale: linear per-pixel colour transforms,
// defined as PIL's ImageEnhance does (except contrast, which pivots on mid-grey rather than the
// image mean so that the result of a pixel never depends on the rest of the image).
#include "engine/ops/colour_matrix.h"
#include "engine/ops/ops.h"

namespace tessera::engine::ops {
namespace {

constexpr ParamSpec kFactor[] = {
    {.name = "factor",
     .type = ParamType::kFloat,
     .description = "1 leaves the image unchanged; 0 gives the extreme (black, flat grey, grey "
                    "scale); above 1 strengthens",
     .min = 0,
     .max = 10,
     .default_value = "1"},
};

// Brightness, contrast and invert act on each colour sample alone (the same on every band), so
// they are point functions: exact per-sample tables, composable with neighbouring point steps.
PointFunction Brightness(const Args& a) {
  double f = a.Float("factor");
  return [f](double v, double) { return f * v; };
}

PointFunction Contrast(const Args& a) {
  double f = a.Float("factor");
  return [f](double v, double max) {
    double pivot = 128.0 * max / 255.0;
    return pivot + f * (v - pivot);
  };
}

PointFunction Invert(const Args&) {
  return [](double v, double max) { return max - v; };
}

bool IsGrey(const Raster& r) { return r.bands - (r.has_alpha ? 1 : 0) == 1; }

Result<Raster> Saturation(Raster in, const Args& a) {
  if (IsGrey(in)) return in;
  double f = a.Float("factor");
  const double luma[3] = {kLumaR, kLumaG, kLumaB};
  ColourMatrix cm;
  for (int r = 0; r < 3; ++r) {
    for (int c = 0; c < 3; ++c) cm.m[r][c] = (1.0 - f) * luma[c] + (r == c ? f : 0.0);
  }
  return ApplyColourMatrix(in, cm);
}

Result<Raster> Grayscale(Raster in, const Args&) {
  if (IsGrey(in)) return in;
  ColourMatrix cm;
  cm.m[0][0] = kLumaR;
  cm.m[0][1] = kLumaG;
  cm.m[0][2] = kLumaB;
  return ApplyColourMatrix(in, cm, /*to_grey=*/true);
}

}  // namespace

const OpSpec kBrightness{
    .name = "brightness",
    .description = "scale every colour sample by factor (alpha untouched)",
    .params = kFactor,
    .halo = NoHalo,
    .point = Brightness,
};

const OpSpec kContrast{
    .name = "contrast",
    .description = "stretch samples away from mid-grey (128) by factor",
    .params = kFactor,
    .halo = NoHalo,
    .point = Contrast,
};

const OpSpec kSaturation{
    .name = "saturation",
    .description = "blend each pixel with its luma by factor (0 = grey, 1 = unchanged)",
    .params = kFactor,
    .halo = NoHalo,
    .raster = Saturation,
};

const OpSpec kInvert{
    .name = "invert",
    .description = "negate the colour bands (alpha untouched)",
    .halo = NoHalo,
    .point = Invert,
};

const OpSpec kGrayscale{
    .name = "grayscale",
    .description = "convert to one grey band (Rec. 601 luma), keeping alpha",
    .halo = NoHalo,
    .raster = Grayscale,
};

}  // namespace tessera::engine::ops
