#include "engine/ops/truncating_gaussian.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <vector>

namespace tessera::engine::ops {
namespace {

constexpr int kChannels = 4;
// The separable and the two-dimensional float64 sums differ by ~1e-11 at most (a few ulps of
// 255 per term); a separable value this close to an integer is recomputed the original way.
constexpr double kNearInteger = 1e-6;

double SigmaOf(int size) { return static_cast<double>(size) / 3.0; }

// The normalised two-dimensional weights, row-major [ky * size + kx], in the original's order
// of evaluation (so the float64 values are the same).
std::vector<double> Weights2D(int size) {
  const double sigma = SigmaOf(size);
  const int centre = size / 2;
  std::vector<double> w(static_cast<size_t>(size) * size);
  double sum = 0;
  for (int i = 0; i < size; ++i) {
    for (int j = 0; j < size; ++j) {
      double x = i - centre;
      double y = j - centre;
      double v =
          std::exp(-(x * x + y * y) / (2 * sigma * sigma)) / (2 * std::numbers::pi * sigma * sigma);
      w[static_cast<size_t>(i) * size + j] = v;
      sum += v;
    }
  }
  for (double& v : w) v /= sum;
  return w;
}

// The normalised one-dimensional weights whose outer product is the kernel above.
std::vector<double> Weights1D(int size) {
  const double sigma = SigmaOf(size);
  const int centre = size / 2;
  std::vector<double> w(size);
  double sum = 0;
  for (int i = 0; i < size; ++i) {
    double x = i - centre;
    w[i] = std::exp(-(x * x) / (2 * sigma * sigma));
    sum += w[i];
  }
  for (double& v : w) v /= sum;
  return w;
}

int Clamp(int v, int hi) { return std::clamp(v, 0, hi - 1); }

uint8_t Truncate(double sum) { return static_cast<uint8_t>(std::min(sum, 255.0)); }

uint8_t ExactSample(const uint8_t* rgba, int width, int height, int size,
                    const std::vector<double>& w2, int x, int y, int channel) {
  const int offset = size / 2;
  const size_t stride = static_cast<size_t>(width) * kChannels;
  double sum = 0;
  for (int ky = 0; ky < size; ++ky) {
    const uint8_t* row = rgba + static_cast<size_t>(Clamp(y + ky - offset, height)) * stride;
    const double* wrow = w2.data() + static_cast<size_t>(ky) * size;
    for (int kx = 0; kx < size; ++kx) {
      sum += static_cast<double>(
                 row[static_cast<size_t>(Clamp(x + kx - offset, width)) * kChannels + channel]) *
             wrow[kx];
    }
  }
  return Truncate(sum);
}

// `in` as 8-bit RGBA (grey replicated, opaque alpha added, 16-bit samples' high byte).
std::vector<uint8_t> ToRgba8(const Raster& in) {
  const size_t pixels = static_cast<size_t>(in.width) * in.height;
  std::vector<uint8_t> out(pixels * kChannels);
  const bool wide = in.bits == 16;
  const auto* narrow = in.data.get();
  const auto* wide_data = reinterpret_cast<const uint16_t*>(in.data.get());
  auto sample = [&](size_t i) -> uint8_t {
    return wide ? static_cast<uint8_t>(wide_data[i] >> 8) : narrow[i];
  };
  const int colour_bands = in.has_alpha ? in.bands - 1 : in.bands;
  for (size_t p = 0; p < pixels; ++p) {
    const size_t base = p * in.bands;
    uint8_t* o = out.data() + p * kChannels;
    for (int c = 0; c < 3; ++c) o[c] = sample(base + (colour_bands == 1 ? 0 : c));
    o[3] = in.has_alpha ? sample(base + in.bands - 1) : 255;
  }
  return out;
}

// The value every sample of `channel` has, or -1 if they differ.
int ConstantValue(const std::vector<uint8_t>& rgba, int channel) {
  const uint8_t first = rgba[channel];
  for (size_t i = channel; i < rgba.size(); i += kChannels) {
    if (rgba[i] != first) return -1;
  }
  return first;
}

}  // namespace

uint8_t TruncatingGaussianSample(const uint8_t* rgba, int width, int height, int size, int x, int y,
                                 int channel) {
  return ExactSample(rgba, width, height, size, Weights2D(size), x, y, channel);
}

Raster TruncatingGaussianBlur(const Raster& in, int size) {
  const int width = in.width;
  const int height = in.height;
  const std::vector<uint8_t> rgba = ToRgba8(in);
  const std::vector<double> w1 = Weights1D(size);
  const std::vector<double> w2 = Weights2D(size);
  const int offset = size / 2;
  const size_t stride = static_cast<size_t>(width) * kChannels;

  Raster out = Raster::AllocateUninitialized(width, height, kChannels, 8, true);
  uint8_t* dst = out.data.get();

  // A channel that is one value everywhere (the alpha of an opaque image) gives one value
  // everywhere: the original's sum over a window of that value.
  int constant_out[kChannels];
  for (int c = 0; c < kChannels; ++c) {
    int v = ConstantValue(rgba, c);
    if (v < 0) {
      constant_out[c] = -1;
      continue;
    }
    double sum = 0;
    for (double w : w2) sum += static_cast<double>(v) * w;
    constant_out[c] = Truncate(sum);
  }

  std::vector<double> column_sums(stride);
  for (int y = 0; y < height; ++y) {
    std::fill(column_sums.begin(), column_sums.end(), 0.0);
    for (int ky = 0; ky < size; ++ky) {
      const uint8_t* row =
          rgba.data() + static_cast<size_t>(Clamp(y + ky - offset, height)) * stride;
      const double w = w1[ky];
      for (size_t i = 0; i < stride; ++i) column_sums[i] += w * row[i];
    }
    uint8_t* out_row = dst + static_cast<size_t>(y) * stride;
    for (int x = 0; x < width; ++x) {
      for (int c = 0; c < kChannels; ++c) {
        if (constant_out[c] >= 0) {
          out_row[static_cast<size_t>(x) * kChannels + c] = static_cast<uint8_t>(constant_out[c]);
          continue;
        }
        double s = 0;
        for (int kx = 0; kx < size; ++kx) {
          s += w1[kx] *
               column_sums[static_cast<size_t>(Clamp(x + kx - offset, width)) * kChannels + c];
        }
        const double whole = std::floor(s);
        const double frac = s - whole;
        const bool near_integer = (frac < kNearInteger && whole >= 1) || (1 - frac < kNearInteger);
        out_row[static_cast<size_t>(x) * kChannels + c] =
            near_integer ? ExactSample(rgba.data(), width, height, size, w2, x, y, c) : Truncate(s);
      }
    }
  }
  return out;
}

}  // namespace tessera::engine::ops
