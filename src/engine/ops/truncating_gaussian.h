// The "truncating" Gaussian blur of the Redis-Streams tile-blur service tessera replaces
// (docs/COMPAT.md, "g"): a size x size two-dimensional kernel with sigma = size / 3, each weight
// exp(-(x^2 + y^2) / (2 sigma^2)) / (2 pi sigma^2) normalised by the kernel's sum, offsets
// -size/2 .. size-1-size/2 (so an even size leans left/up), edges clamped to the border pixel,
// every sample accumulated in float64 (rows outer, columns inner) and truncated to 8 bits, on
// all four channels of 8-bit RGBA.
//
// The output is bit-for-bit what that float64 loop gives. Computing it directly costs size^2
// multiply-adds per sample, so the kernel runs separably in float64 and recomputes a sample in
// the original order only where the separable value lies within kNearInteger of an integer:
// elsewhere both truncate to the same 8-bit value (they differ by far less than that bound).
#pragma once

#include "engine/raster.h"

namespace tessera::engine::ops {

// `in` may be grey, grey + alpha, RGB or RGBA, 8- or 16-bit (16-bit samples keep their high
// byte, as an 8-bit RGBA conversion does); the result is always 8-bit RGBA, opaque where `in`
// has no alpha. size >= 1.
Raster TruncatingGaussianBlur(const Raster& in, int size);

// The output pixel of one sample computed the slow, original way (exposed for tests).
// `rgba` is 8-bit RGBA, `width` x `height`.
uint8_t TruncatingGaussianSample(const uint8_t* rgba, int width, int height, int size, int x, int y,
                                 int channel);

}  // namespace tessera::engine::ops
