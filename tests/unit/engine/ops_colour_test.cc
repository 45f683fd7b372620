// The per-pixel colour ops (brightness, contrast, saturation, gamma, invert, grayscale) match a
// float64 formula written here, on 8- and 16-bit RGB, RGBA, grey and grey+alpha inputs, and leave
// alpha bit-identical.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "support/image_testing.h"
#include "unit/engine/ops_testing.h"

namespace tessera::engine {
namespace {

using ops_testing::ApplyToMat;
using ops_testing::Band;
using ops_testing::Identical;
using tessera::testing::MakeTestPattern;

// The output is rounded to integers and saturated: 0.5 of the bound is that rounding.
// Brightness, contrast, gamma and invert are exact tables (only that rounding); OpenCV's
// cv::transform (behind saturation and grayscale) runs 3-band 8-bit images in 10-bit fixed point,
// which moves a result by at most 3 * 255 / 2048 ~= 0.37 more. So every sample is within 1 of
// the exact value; anything larger is a wrong formula, not arithmetic.
constexpr double kMaxDiff = 1.0;

struct Variant {
  const char* name;
  int bands;
  int depth;
};

constexpr Variant kVariants[] = {
    {"rgb8", 3, CV_8U},   {"rgba8", 4, CV_8U},   {"grey8", 1, CV_8U},   {"greya8", 2, CV_8U},
    {"rgb16", 3, CV_16U}, {"rgba16", 4, CV_16U}, {"grey16", 1, CV_16U}, {"greya16", 2, CV_16U},
};

bool HasAlpha(const Variant& v) { return v.bands == 2 || v.bands == 4; }
int ColourBands(const Variant& v) { return HasAlpha(v) ? v.bands - 1 : v.bands; }

// The test pattern, with 16-bit samples that are not all multiples of 257 (so a 16-bit op that
// quietly works in 8 bits shows), and every 8-bit level 0..255 present in the red band.
cv::Mat Input(const Variant& v) {
  cv::Mat m = MakeTestPattern(256, 96, v.bands, v.depth);
  if (v.depth == CV_16U) {
    for (int y = 0; y < m.rows; ++y) {
      uint16_t* p = m.ptr<uint16_t>(y);
      for (int i = 0; i < m.cols * v.bands; ++i) {
        p[i] =
            static_cast<uint16_t>(std::clamp<int>(p[i] + (i * 37 + y * 11) % 200 - 100, 0, 65535));
      }
    }
  }
  return m;
}

// Maps the colour samples of one pixel (in [0, max]) to the exact output colour samples.
using PixelFormula = std::function<std::vector<double>(const std::vector<double>& in, double max)>;

// Applies `formula` to every pixel of `in` in float64; the result has `out_colour` colour bands
// plus the input's alpha (copied) as CV_64F.
cv::Mat Reference(const cv::Mat& in, const Variant& v, int out_colour,
                  const PixelFormula& formula) {
  double max = v.depth == CV_16U ? 65535.0 : 255.0;
  int in_colour = ColourBands(v);
  int out_bands = out_colour + (HasAlpha(v) ? 1 : 0);
  cv::Mat f = ops_testing::ToF64(in);
  cv::Mat out(in.rows, in.cols, CV_MAKETYPE(CV_64F, out_bands));
  std::vector<double> px(in_colour);
  for (int y = 0; y < in.rows; ++y) {
    const double* s = f.ptr<double>(y);
    double* d = out.ptr<double>(y);
    for (int x = 0; x < in.cols; ++x) {
      for (int c = 0; c < in_colour; ++c) px[c] = s[x * v.bands + c];
      std::vector<double> r = formula(px, max);
      for (int c = 0; c < out_colour; ++c) {
        d[x * out_bands + c] = std::clamp(r[c], 0.0, max);
      }
      if (HasAlpha(v)) d[x * out_bands + out_colour] = s[x * v.bands + v.bands - 1];
    }
  }
  return out;
}

double Luma(const std::vector<double>& p) {
  return p.size() == 1 ? p[0] : 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2];
}

// Runs `step` on every variant and checks it against `formula`. `grey_out` is true for ops whose
// output is one colour band whatever the input.
void CheckAgainstFormula(const std::string& step, const PixelFormula& formula,
                         bool grey_out = false) {
  for (const Variant& v : kVariants) {
    SCOPED_TRACE(step + " on " + v.name);
    cv::Mat in = Input(v);
    cv::Mat out = ApplyToMat(step, in, HasAlpha(v));
    ASSERT_FALSE(out.empty());
    int out_colour = grey_out ? 1 : ColourBands(v);
    int out_bands = out_colour + (HasAlpha(v) ? 1 : 0);
    ASSERT_EQ(out.size(), in.size());
    ASSERT_EQ(out.depth(), in.depth()) << "sample depth must be kept";
    ASSERT_EQ(out.channels(), out_bands);
    cv::Mat ref = Reference(in, v, out_colour, formula);
    EXPECT_LE(ops_testing::MaxDiff(out, ref), kMaxDiff);
    if (HasAlpha(v)) {
      EXPECT_TRUE(Identical(Band(out, out_bands - 1), Band(in, v.bands - 1)))
          << "alpha must pass through bit-identical";
    }
  }
}

TEST(ColourOps, BrightnessScalesColourSamples) {
  for (double f : {0.0, 0.5, 1.0, 1.25, 3.0, 10.0}) {
    CheckAgainstFormula("brightness:factor=" + std::to_string(f),
                        [f](const std::vector<double>& p, double) {
                          std::vector<double> r;
                          for (double c : p) r.push_back(c * f);
                          return r;
                        });
  }
}

TEST(ColourOps, ContrastPivotsOnMidGrey) {
  for (double f : {0.0, 0.5, 1.0, 1.7, 4.0, 10.0}) {
    CheckAgainstFormula("contrast:factor=" + std::to_string(f),
                        [f](const std::vector<double>& p, double max) {
                          // The pivot is 128 on the 8-bit scale, 128 * 257 on the 16-bit one.
                          double pivot = 128.0 * max / 255.0;
                          std::vector<double> r;
                          for (double c : p) r.push_back(pivot + f * (c - pivot));
                          return r;
                        });
  }
}

TEST(ColourOps, SaturationBlendsWithRec601Luma) {
  for (double f : {0.0, 0.3, 1.0, 2.0, 5.0, 10.0}) {
    CheckAgainstFormula("saturation:factor=" + std::to_string(f),
                        [f](const std::vector<double>& p, double) {
                          double l = Luma(p);
                          std::vector<double> r;
                          for (double c : p) r.push_back(l + f * (c - l));
                          return r;
                        });
  }
}

TEST(ColourOps, GammaIsAPowerLawOfTheNormalisedSample) {
  for (double g : {0.1, 0.45, 1.0, 2.2, 10.0}) {
    CheckAgainstFormula("gamma:g=" + std::to_string(g),
                        [g](const std::vector<double>& p, double max) {
                          std::vector<double> r;
                          for (double c : p) r.push_back(max * std::pow(c / max, 1.0 / g));
                          return r;
                        });
  }
}

TEST(ColourOps, InvertNegatesColourSamples) {
  CheckAgainstFormula("invert", [](const std::vector<double>& p, double max) {
    std::vector<double> r;
    for (double c : p) r.push_back(max - c);
    return r;
  });
}

TEST(ColourOps, GrayscaleIsRec601Luma) {
  CheckAgainstFormula(
      "grayscale",
      [](const std::vector<double>& p, double) { return std::vector<double>{Luma(p)}; },
      /*grey_out=*/true);
}

// Identity settings must not move a single sample (no rounding drift through fixed point).
TEST(ColourOps, NeutralFactorsAreExactIdentities) {
  for (const Variant& v : kVariants) {
    SCOPED_TRACE(v.name);
    cv::Mat in = Input(v);
    for (const char* step :
         {"brightness:factor=1", "contrast:factor=1", "saturation:factor=1", "gamma:g=1"}) {
      cv::Mat out = ApplyToMat(step, in, HasAlpha(v));
      EXPECT_TRUE(Identical(out, in)) << step;
    }
    cv::Mat twice = ApplyToMat("invert", ApplyToMat("invert", in, HasAlpha(v)), HasAlpha(v));
    EXPECT_TRUE(Identical(twice, in)) << "invert twice";
  }
}

// Grey pixels (R = G = B) have no saturation to change, and grayscale of them is the grey level.
TEST(ColourOps, GreyPixelsAreFixedPointsOfSaturationAndGrayscale) {
  cv::Mat grey = MakeTestPattern(64, 32, 1);
  cv::Mat rgb;
  cv::merge(std::vector<cv::Mat>{grey, grey, grey}, rgb);
  for (double f : {0.0, 2.5}) {
    cv::Mat out = ApplyToMat("saturation:factor=" + std::to_string(f), rgb, false);
    EXPECT_LE(ops_testing::MaxDiff(out, rgb), 1.0) << f;
  }
  EXPECT_LE(ops_testing::MaxDiff(ApplyToMat("grayscale", rgb, false), grey), 1.0);
}

// Whole pipeline on a real PNG, decoded by OpenCV: the ops compose in order.
TEST(ColourOps, PipelineThroughProcessMatchesComposedFormulas) {
  cv::Mat in = MakeTestPattern(120, 80, 4);
  auto png = tessera::testing::EncodeWithOpenCv(in, ".png");
  cv::Mat out = ops_testing::ProcessAndDecode(png, "contrast:factor=1.5;invert;grayscale");
  ASSERT_FALSE(out.empty());
  // The engine writes grey + alpha; OpenCV's decoder expands that to 4 bands with R = G = B.
  ASSERT_TRUE(out.channels() == 2 || out.channels() == 4) << out.channels();
  const int alpha_band = out.channels() - 1;
  double worst = 0;
  for (int y = 0; y < in.rows; ++y) {
    for (int x = 0; x < in.cols; ++x) {
      const cv::Vec4b& p = in.at<cv::Vec4b>(y, x);
      // Each op rounds to 8 bits before the next one reads it. Where contrast lands exactly on
      // x.5 either neighbour is a correct rounding (OpenCV rounds ties to even), so the exact
      // luma is an interval [lo, hi] rather than a point.
      double lo[3], hi[3];
      for (int i = 0; i < 3; ++i) {
        double v = 128 + 1.5 * (p[i] - 128);
        double a = std::clamp(std::floor(v + 0.5), 0.0, 255.0);
        double b = v - std::floor(v) == 0.5 ? std::clamp(std::floor(v), 0.0, 255.0) : a;
        lo[i] = 255 - std::max(a, b);  // invert
        hi[i] = 255 - std::min(a, b);
      }
      double l_lo = 0.299 * lo[0] + 0.587 * lo[1] + 0.114 * lo[2];
      double l_hi = 0.299 * hi[0] + 0.587 * hi[1] + 0.114 * hi[2];
      const uint8_t* o = out.ptr<uint8_t>(y) + x * out.channels();
      for (int b = 0; b < alpha_band; ++b) {
        worst = std::max({worst, l_lo - o[b], o[b] - l_hi});
      }
      ASSERT_EQ(o[alpha_band], p[3]) << "alpha at " << x << "," << y;
    }
  }
  EXPECT_LE(worst, kMaxDiff);
}

// Process keeps the pixels of consecutive raster and point steps in memory and folds consecutive
// point steps into one table (each step's rounding and clamping kept); that must give exactly
// what running the steps one at a time gives. Brightness then contrast saturates many samples,
// so clamping between fused steps is exercised.
TEST(ColourOps, FusedStepsInProcessEqualStepByStep) {
  const std::vector<std::string> steps = {
      "brightness:factor=1.3", "contrast:factor=1.7",   "gamma:g=0.6", "invert",
      "blur:sigma=1",          "saturation:factor=1.5", "gamma:g=2",   "brightness:factor=0.8"};
  std::string pipeline;
  for (const std::string& s : steps) pipeline += s + ";";
  pipeline += "format:type=png";
  for (int depth : {CV_8U, CV_16U}) {
    for (int bands : {3, 4}) {
      SCOPED_TRACE(std::to_string(bands) + (depth == CV_16U ? " bands, 16-bit" : " bands, 8-bit"));
      cv::Mat in = MakeTestPattern(120, 80, bands, depth);
      cv::Mat expected = in;
      for (const std::string& s : steps) expected = ApplyToMat(s, expected, bands == 4);
      cv::Mat out =
          ops_testing::ProcessAndDecode(tessera::testing::EncodeWithOpenCv(in, ".png"), pipeline);
      EXPECT_TRUE(Identical(out, expected));
    }
  }
}

}  // namespace
}  // namespace tessera::engine
