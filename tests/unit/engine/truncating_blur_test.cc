// blur:rounding=truncate, the tile-blur service's float64 k x k Gaussian truncated to 8 bits:
// bit-exact against an independent Python reference and against the original summation order
// at every sample (the separable fast path must never truncate differently).
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <string>
#include <vector>

#include "engine/ops/truncating_gaussian.h"
#include "ops_testing.h"
#include "support/image_testing.h"
#include "support/subprocess.h"
#include "support/temp_dir.h"

namespace tessera::engine {
namespace {

using ops_testing::ApplyToMat;
using ops_testing::Identical;
using tessera::testing::MakeTestPattern;

// A test picture that exercises the slow path too: busy texture, flat blocks at 0, 128 and 255
// (whose sums land within rounding of an integer) and a varying alpha.
cv::Mat MakeRgbaWithFlats(int width, int height) {
  cv::Mat m = MakeTestPattern(width, height, 4);
  m(cv::Rect(0, 0, width / 3, height / 3)).setTo(cv::Scalar(255, 255, 255, 255));
  m(cv::Rect(width / 3, height / 3, width / 3, height / 3)).setTo(cv::Scalar(0, 128, 255, 255));
  m(cv::Rect(width * 2 / 3, 0, width / 3, height / 2)).setTo(cv::Scalar(0, 0, 0, 0));
  return m;
}

std::vector<uint8_t> RawBytes(const cv::Mat& rgba) {
  cv::Mat c = rgba.isContinuous() ? rgba : rgba.clone();
  return {c.data, c.data + c.total() * c.elemSize()};
}

TEST(TruncatingBlur, FastPathEqualsTheOriginalOrderAtEverySample) {
  cv::Mat in = MakeRgbaWithFlats(97, 61);
  std::vector<uint8_t> raw = RawBytes(in);
  for (int k : {3, 4, 15}) {
    cv::Mat out = ApplyToMat("blur:k=" + std::to_string(k) + ",rounding=truncate", in, true);
    ASSERT_EQ(out.channels(), 4);
    int mismatches = 0;
    for (int y = 0; y < in.rows; ++y) {
      for (int x = 0; x < in.cols; ++x) {
        for (int c = 0; c < 4; ++c) {
          uint8_t want = ops::TruncatingGaussianSample(raw.data(), in.cols, in.rows, k, x, y, c);
          if (out.ptr<uint8_t>(y)[x * 4 + c] != want) ++mismatches;
        }
      }
    }
    EXPECT_EQ(mismatches, 0) << "k=" << k;
  }
}

TEST(TruncatingBlur, BitExactWithAnIndependentFloat64Reference) {
  tessera::testing::TempDir dir;
  cv::Mat in = MakeRgbaWithFlats(48, 40);
  std::string in_path = (dir.path() / "in.rgba").string();
  std::vector<uint8_t> raw = RawBytes(in);
  std::ofstream(in_path, std::ios::binary)
      .write(reinterpret_cast<const char*>(raw.data()), static_cast<std::streamsize>(raw.size()));
  for (int k : {15, 6}) {
    std::string out_path = (dir.path() / ("out" + std::to_string(k) + ".rgba")).string();
    auto run = tessera::testing::RunProcess(
        {"/usr/bin/python3", TESSERA_SOURCE_DIR "/tests/python/truncating_blur_reference.py",
         std::to_string(in.cols), std::to_string(in.rows), std::to_string(k), in_path, out_path});
    ASSERT_EQ(run.exit_code, 0) << run.err;
    std::ifstream f(out_path, std::ios::binary);
    std::vector<uint8_t> want((std::istreambuf_iterator<char>(f)),
                              std::istreambuf_iterator<char>());
    ASSERT_EQ(want.size(), raw.size());
    cv::Mat reference(in.rows, in.cols, CV_8UC4, want.data());
    cv::Mat out = ApplyToMat("blur:k=" + std::to_string(k) + ",rounding=truncate", in, true);
    EXPECT_TRUE(Identical(out, reference))
        << "k=" << k << ": max diff " << ops_testing::MaxDiff(out, reference);
  }
}

// Without alpha, the output gains the alpha the original computes for opaque pixels: 255 summed
// over the kernel in float64 and truncated (254 when the sum of the weights falls below one).
TEST(TruncatingBlur, RgbAndGreyBecomeRgbaLikeTheOriginal) {
  cv::Mat rgb = MakeTestPattern(40, 30, 3);
  cv::Mat rgba;
  cv::cvtColor(rgb, rgba, cv::COLOR_RGB2RGBA);
  cv::Mat from_rgb = ApplyToMat("blur:k=15,rounding=truncate", rgb, false);
  EXPECT_TRUE(Identical(from_rgb, ApplyToMat("blur:k=15,rounding=truncate", rgba, true)));

  cv::Mat grey = MakeTestPattern(40, 30, 1);
  cv::Mat grey_rgba;
  cv::cvtColor(grey, grey_rgba, cv::COLOR_GRAY2RGBA);
  EXPECT_TRUE(Identical(ApplyToMat("blur:k=5,rounding=truncate", grey, false),
                        ApplyToMat("blur:k=5,rounding=truncate", grey_rgba, true)));
}

TEST(TruncatingBlur, NeedsABoundedKernelSize) {
  auto no_k = ParsePipeline("blur:sigma=2,rounding=truncate");
  ASSERT_FALSE(no_k.has_value());
  EXPECT_EQ(no_k.error().field, "blur.k");
  auto huge = ParsePipeline("blur:k=301,rounding=truncate");
  ASSERT_FALSE(huge.has_value());
  EXPECT_EQ(huge.error().field, "blur.k");
  EXPECT_TRUE(ParsePipeline("blur:k=10,rounding=truncate").has_value());  // even: as the original
  EXPECT_FALSE(ParsePipeline("blur:k=10").has_value());                   // still odd-only
  auto bad = ParsePipeline("blur:k=5,rounding=up");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().field, "blur.rounding");
}

}  // namespace
}  // namespace tessera::engine
