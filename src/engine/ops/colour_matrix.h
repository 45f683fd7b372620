// Per-pixel linear colour transforms (out = M * in + offset) that mix bands: saturation and
// grayscale. (Brightness, contrast and invert are per-band and run as point tables.) Alpha passes
// through unchanged.
#pragma once

#include "engine/raster.h"

namespace tessera::engine::ops {

// A transform of RGB written in 8-bit units; offsets are scaled for 16-bit images.
struct ColourMatrix {
  double m[3][3] = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
  double offset[3] = {0, 0, 0};
};

// Applies `cm` to every pixel, rounding and saturating to the sample range. Grey images are
// treated as R = G = B (they stay grey). With `to_grey`, the output is one band (plus alpha)
// holding row 0 of the transform.
Raster ApplyColourMatrix(const Raster& src, const ColourMatrix& cm, bool to_grey = false);

// Rec. 601 luma weights, as JPEG, PIL and OpenCV use for grey.
inline constexpr double kLumaR = 0.299, kLumaG = 0.587, kLumaB = 0.114;

}  // namespace tessera::engine::ops
