// Shared helpers for the op tests (ops_*_test.cc): run one pipeline step on a cv::Mat alone
// (engine::ApplyStep), run whole pipelines through engine::Process, and compare against float64
// references written in the tests.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <opencv2/core.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "engine/engine.h"
#include "engine/pipeline.h"
#include "support/image_testing.h"

namespace tessera::engine {
namespace ops_testing {

// Starts the engine once per test executable.
class EngineEnvironment : public ::testing::Environment {
 public:
  void SetUp() override { tessera::testing::InitEngineForTests(); }
};

inline const ::testing::Environment* const kEngineEnvironment =
    ::testing::AddGlobalTestEnvironment(new EngineEnvironment);

inline Step ParseStep(std::string_view text) {
  auto p = ParsePipeline(text);
  EXPECT_TRUE(p.has_value()) << text << ": " << (p ? "" : p.error().ToString());
  if (!p || p->steps.size() != 1) {
    ADD_FAILURE() << text << " is not a single step";
    return {};
  }
  return p->steps[0];
}

// Runs the single step `text` on `in` alone, by the op's own implementation (engine::ApplyStep).
inline Result<Image> ApplyStep(std::string_view text, const Image& in) {
  Step s = ParseStep(text);
  if (s.op == nullptr) return MakeError(ErrorCode::kInternal, "no such step");
  return engine::ApplyStep(s, in);
}

// Runs the single step `text` on the pixels of `in` (last band alpha if `has_alpha`); returns the
// output pixels, or an empty Mat (and a test failure) when the op fails.
inline cv::Mat ApplyToMat(std::string_view text, const cv::Mat& in, bool has_alpha) {
  auto out = ApplyStep(text, tessera::testing::ImageFromMat(in, has_alpha));
  EXPECT_TRUE(out.has_value()) << text << ": " << (out ? "" : out.error().ToString());
  if (!out) return {};
  return tessera::testing::MatFromImage(*out);
}

// Runs the pipeline `text` on encoded `bytes` through engine::Process.
inline Result<ProcessResult> ProcessText(const std::vector<uint8_t>& bytes, std::string_view text) {
  auto p = ParsePipeline(text);
  if (!p) return p.error();
  return Process(bytes, *p);
}

// Process + decode of the result with OpenCV (independent of libvips). Empty Mat on failure.
inline cv::Mat ProcessAndDecode(const std::vector<uint8_t>& bytes, std::string_view text) {
  auto r = ProcessText(bytes, text);
  EXPECT_TRUE(r.has_value()) << text << ": " << (r ? "" : r.error().ToString());
  if (!r) return {};
  cv::Mat m = tessera::testing::DecodeWithOpenCv(r->bytes);
  EXPECT_FALSE(m.empty()) << text << ": OpenCV cannot decode the result";
  EXPECT_EQ(m.cols, r->width) << text;
  EXPECT_EQ(m.rows, r->height) << text;
  return m;
}

inline cv::Mat ToF64(const cv::Mat& m) {
  cv::Mat f;
  m.convertTo(f, CV_MAKETYPE(CV_64F, m.channels()));
  return f;
}

// Largest |a - b| over all samples of two same-shaped Mats of any depth.
inline double MaxDiff(const cv::Mat& a, const cv::Mat& b) {
  EXPECT_EQ(a.size(), b.size());
  EXPECT_EQ(a.channels(), b.channels());
  if (a.size() != b.size() || a.channels() != b.channels()) return 1e300;
  return tessera::testing::MaxAbsDiff(ToF64(a), ToF64(b));
}

// One band of a Mat, as its own single-channel Mat.
inline cv::Mat Band(const cv::Mat& m, int band) {
  cv::Mat out;
  cv::extractChannel(m, out, band);
  return out;
}

// Bit-identical (same shape, type and every sample).
inline bool Identical(const cv::Mat& a, const cv::Mat& b) {
  if (a.size() != b.size() || a.type() != b.type()) return false;
  return cv::norm(a.reshape(1), b.reshape(1), cv::NORM_INF) == 0;
}

// A smooth (band-limited) RGB(A) picture: gradients and waves of at most 10 cycles per image
// side, so resamplers that differ only in their kernels agree closely down to ~1/8 of the size,
// while a shift of one output pixel still moves the 10-cycle waves by many levels.
inline cv::Mat MakeSmoothPattern(int width, int height, int bands = 3, int depth = CV_8U) {
  cv::Mat f(height, width, CV_MAKETYPE(CV_64F, bands));
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      double u = static_cast<double>(x) / width, v = static_cast<double>(y) / height;
      double s[4] = {
          40 + 170 * u + 30 * std::sin(6.0 * v), 128 + 90 * std::sin(2 * M_PI * (10 * u + 3 * v)),
          128 + 80 * std::cos(2 * M_PI * (2 * u - 10 * v)) * (0.5 + 0.5 * u), 255 - 150 * v};
      double* px = f.ptr<double>(y) + static_cast<size_t>(x) * bands;
      if (bands <= 2) {
        px[0] = 0.299 * s[0] + 0.587 * s[1] + 0.114 * s[2];
        if (bands == 2) px[1] = s[3];
      } else {
        for (int c = 0; c < bands; ++c) px[c] = s[c];
      }
    }
  }
  cv::Mat out;
  f.convertTo(out, CV_MAKETYPE(depth, bands), depth == CV_16U ? 257.0 : 1.0);
  return out;
}

}  // namespace ops_testing
}  // namespace tessera::engine
