// The neighbourhood filters (blur, sharpen, edges) match a plain float64 implementation written
// here (separable sampled Gaussian, clamp-to-edge border, 3x3 Sobel), and Canny finds exactly the
// edges of a drawn rectangle.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
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
using ops_testing::MaxDiff;
using ops_testing::ToF64;
using tessera::testing::MakeTestPattern;
using tessera::testing::Psnr;

// ---- The reference: float64, no OpenCV arithmetic. ----

std::vector<double> GaussianKernel(double sigma, int radius) {
  std::vector<double> k(2 * radius + 1);
  double sum = 0;
  for (int i = -radius; i <= radius; ++i) {
    k[i + radius] = std::exp(-(i * i) / (2.0 * sigma * sigma));
    sum += k[i + radius];
  }
  for (double& v : k) v /= sum;
  return k;
}

// Separable Gaussian of every band, edges clamped to the border pixel; CV_64F, not rounded.
cv::Mat ReferenceBlur(const cv::Mat& in, double sigma, int radius) {
  std::vector<double> k = GaussianKernel(sigma, radius);
  cv::Mat src = ToF64(in);
  int n = in.channels(), w = in.cols, h = in.rows;
  cv::Mat horizontal(h, w, src.type()), out(h, w, src.type());
  for (int y = 0; y < h; ++y) {
    const double* s = src.ptr<double>(y);
    double* d = horizontal.ptr<double>(y);
    for (int x = 0; x < w; ++x) {
      for (int c = 0; c < n; ++c) {
        double acc = 0;
        for (int i = -radius; i <= radius; ++i) {
          acc += k[i + radius] * s[std::clamp(x + i, 0, w - 1) * n + c];
        }
        d[x * n + c] = acc;
      }
    }
  }
  for (int y = 0; y < h; ++y) {
    double* d = out.ptr<double>(y);
    for (int x = 0; x < w; ++x) {
      for (int c = 0; c < n; ++c) {
        double acc = 0;
        for (int i = -radius; i <= radius; ++i) {
          acc += k[i + radius] * horizontal.ptr<double>(std::clamp(y + i, 0, h - 1))[x * n + c];
        }
        d[x * n + c] = acc;
      }
    }
  }
  return out;
}

int RadiusFor(double sigma) { return std::max(1, static_cast<int>(std::ceil(3.0 * sigma))); }

// Rec. 601 grey rounded to 8 bits (16-bit samples are first brought to 8 bits), the documented
// input of every edge detector.
cv::Mat ReferenceGrey8(const cv::Mat& in) {
  int n = in.channels();
  double scale = in.depth() == CV_16U ? 257.0 : 1.0;
  cv::Mat src = ToF64(in);
  cv::Mat g(in.rows, in.cols, CV_64F);
  for (int y = 0; y < in.rows; ++y) {
    for (int x = 0; x < in.cols; ++x) {
      const double* p = src.ptr<double>(y) + x * n;
      double c[3];
      for (int i = 0; i < std::min(n, 3); ++i) c[i] = std::round(p[i] / scale);
      g.at<double>(y, x) = n <= 2 ? c[0] : std::round(0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2]);
    }
  }
  return g;
}

// sqrt(gx^2 + gy^2) of the 3x3 Sobel pair, border replicated, rounded and clamped to 255.
cv::Mat ReferenceSobel(const cv::Mat& grey) {
  int w = grey.cols, h = grey.rows;
  auto at = [&](int x, int y) {
    return grey.at<double>(std::clamp(y, 0, h - 1), std::clamp(x, 0, w - 1));
  };
  cv::Mat out(h, w, CV_8U);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      double gx = (at(x + 1, y - 1) + 2 * at(x + 1, y) + at(x + 1, y + 1)) -
                  (at(x - 1, y - 1) + 2 * at(x - 1, y) + at(x - 1, y + 1));
      double gy = (at(x - 1, y + 1) + 2 * at(x, y + 1) + at(x + 1, y + 1)) -
                  (at(x - 1, y - 1) + 2 * at(x, y - 1) + at(x + 1, y - 1));
      out.at<uint8_t>(y, x) =
          static_cast<uint8_t>(std::min(255.0, std::round(std::sqrt(gx * gx + gy * gy))));
    }
  }
  return out;
}

// ---- blur ----

// OpenCV's 8-bit Gaussian is bit-exact fixed point: kernel taps carry 8 fractional bits (with
// error diffusion so their sum stays exact) and the result is rounded once. Against the exact
// float64 blur that leaves at most 1 level (0.5 of it is the final rounding); 16-bit uses 16
// fractional bits and stays within 1 level of 65535. PSNR is a second, global check that the
// differences are rare rounding, not a systematic offset.
constexpr double kBlurMaxDiff = 1.0;
constexpr double kBlurMinPsnr = 50.0;

struct BlurCase {
  std::string step;
  double sigma;
  int radius;
};

// Every band is blurred alike, alpha included, without weighting colour by alpha: this is the
// op's current definition (a plain per-band Gaussian), checked on RGBA and grey+alpha too.
TEST(BlurOp, MatchesFloat64SeparableGaussian) {
  const BlurCase cases[] = {
      {"blur", 1.5, RadiusFor(1.5)},  // the default sigma
      {"blur:sigma=0.5", 0.5, RadiusFor(0.5)},
      {"blur:sigma=2.7", 2.7, RadiusFor(2.7)},
      {"blur:sigma=6", 6.0, RadiusFor(6.0)},
      {"blur:k=15", 5.0, 7},  // sigma = k/3, kernel size k
      {"blur:k=3", 1.0, 1},
  };
  for (int depth : {CV_8U, CV_16U}) {
    for (int bands : {1, 2, 3, 4}) {
      cv::Mat in = MakeTestPattern(97, 61, bands, depth);
      for (const BlurCase& c : cases) {
        SCOPED_TRACE(c.step + " bands=" + std::to_string(bands) +
                     (depth == CV_16U ? " 16-bit" : " 8-bit"));
        cv::Mat out = ApplyToMat(c.step, in, bands == 2 || bands == 4);
        ASSERT_EQ(out.size(), in.size());
        ASSERT_EQ(out.type(), in.type());
        cv::Mat ref = ReferenceBlur(in, c.sigma, c.radius);
        EXPECT_LE(MaxDiff(out, ref), kBlurMaxDiff);
        cv::Mat ref_rounded;
        ref.convertTo(ref_rounded, in.type());
        EXPECT_GE(Psnr(out, ref_rounded), kBlurMinPsnr);
      }
    }
  }
}

// Wide kernels (hundreds of taps) accumulate more of the fixed-point tap quantisation: measured
// up to 1.45 levels (8-bit) and 1.7 levels of 65535 (16-bit) at sigma 20..120, so 2 here. The
// kernel radius exceeds the image, so this also checks the clamp-to-edge border at scale.
TEST(BlurOp, LargeSigmaStaysWithinTwoLevels) {
  for (int depth : {CV_8U, CV_16U}) {
    cv::Mat in = MakeTestPattern(160, 120, 3, depth);
    for (double sigma : {12.0, 50.0, 120.0}) {
      SCOPED_TRACE("sigma=" + std::to_string(sigma) + (depth == CV_16U ? " 16-bit" : " 8-bit"));
      cv::Mat out = ApplyToMat("blur:sigma=" + std::to_string(sigma), in, false);
      EXPECT_LE(MaxDiff(out, ReferenceBlur(in, sigma, RadiusFor(sigma))), 2.0);
    }
  }
}

// k=15 is sigma=5 over exactly 15 taps, not sigma=5 over ceil(3*5)*2+1 = 31 taps: the truncation
// is visible next to a hard edge.
TEST(BlurOp, KernelSizeSpellingTruncatesToKTaps) {
  cv::Mat in(40, 80, CV_8U, cv::Scalar(0));
  in.colRange(40, 80).setTo(255);
  cv::Mat out = ApplyToMat("blur:k=15", in, false);
  cv::Mat truncated = ReferenceBlur(in, 5.0, 7);
  EXPECT_LE(MaxDiff(out, truncated), kBlurMaxDiff);
  // 8 px from the edge lies outside a 15-tap kernel: untouched.
  EXPECT_EQ(out.at<uint8_t>(20, 31), 0);
  EXPECT_EQ(out.at<uint8_t>(20, 48), 255);
}

// The border is clamp-to-edge: a constant image stays exactly constant up to its corners.
TEST(BlurOp, ConstantImageIsUnchangedAtTheBorder) {
  cv::Mat in(30, 50, CV_8UC3, cv::Scalar(200, 17, 90));
  EXPECT_TRUE(Identical(ApplyToMat("blur:sigma=4", in, false), in));
}

TEST(BlurOp, RealJpegThroughProcess) {
  cv::Mat src = MakeTestPattern(160, 120, 3);
  auto jpeg = tessera::testing::EncodeWithOpenCv(src, ".jpg");
  // The reference starts from OpenCV's own decode of the same JPEG.
  cv::Mat decoded = tessera::testing::DecodeWithOpenCv(jpeg);
  ASSERT_FALSE(decoded.empty());
  cv::Mat out = ops_testing::ProcessAndDecode(jpeg, "blur:sigma=2;format:type=png");
  ASSERT_FALSE(out.empty());
  cv::Mat ref = ReferenceBlur(decoded, 2.0, RadiusFor(2.0));
  // Both libraries decode with libjpeg(-turbo), but may pick different IDCT / upsampling code
  // paths; after a sigma=2 blur any such decode difference is averaged to well under a level.
  EXPECT_LE(MaxDiff(out, ref), 2.0);
  cv::Mat ref8;
  ref.convertTo(ref8, CV_8UC3);
  EXPECT_GE(Psnr(out, ref8), 45.0);
}

// ---- sharpen ----

// out = in + amount * (in - G) where |in - G| > threshold; alpha untouched. The engine's G is
// the 8-bit blur above (within kBlurMaxDiff of exact), so an output sample may move by
// amount * kBlurMaxDiff plus the final rounding (0.5). Pixels whose exact |in - G| is within
// kBlurMaxDiff of the threshold could legitimately fall either side and are not compared.
struct SharpenCase {
  std::string step;
  double sigma, amount, threshold;
};

cv::Mat ReferenceSharpen(const cv::Mat& in, bool alpha, double sigma, double amount,
                         double threshold, cv::Mat* ambiguous) {
  double max = in.depth() == CV_16U ? 65535.0 : 255.0;
  double scale = max / 255.0;
  cv::Mat g = ReferenceBlur(in, sigma, RadiusFor(sigma));
  cv::Mat s = ToF64(in);
  cv::Mat out = s.clone();
  *ambiguous = cv::Mat(in.size(), CV_8U, cv::Scalar(0));
  int n = in.channels(), colour = alpha ? n - 1 : n;
  for (int y = 0; y < in.rows; ++y) {
    for (int x = 0; x < in.cols; ++x) {
      for (int c = 0; c < colour; ++c) {
        double v = s.ptr<double>(y)[x * n + c];
        double diff = v - g.ptr<double>(y)[x * n + c];
        double t = threshold * scale;
        if (std::abs(std::abs(diff) - t) <= kBlurMaxDiff && threshold > 0) {
          ambiguous->at<uint8_t>(y, x) = 1;
        }
        if (std::abs(diff) > t) v += amount * diff;
        out.ptr<double>(y)[x * n + c] = std::clamp(v, 0.0, max);
      }
    }
  }
  return out;
}

TEST(SharpenOp, MatchesFloat64UnsharpMask) {
  const SharpenCase cases[] = {
      {"sharpen", 1.0, 1.0, 0.0},
      {"sharpen:sigma=2,amount=0.5", 2.0, 0.5, 0.0},
      {"sharpen:sigma=0.8,amount=3,threshold=10", 0.8, 3.0, 10.0},
      {"sharpen:sigma=1.5,amount=2,threshold=4", 1.5, 2.0, 4.0},
  };
  for (int depth : {CV_8U, CV_16U}) {
    for (int bands : {1, 2, 3, 4}) {
      bool alpha = bands == 2 || bands == 4;
      cv::Mat in = MakeTestPattern(97, 61, bands, depth);
      for (const SharpenCase& c : cases) {
        SCOPED_TRACE(c.step + " bands=" + std::to_string(bands) +
                     (depth == CV_16U ? " 16-bit" : " 8-bit"));
        cv::Mat out = ApplyToMat(c.step, in, alpha);
        ASSERT_EQ(out.size(), in.size());
        ASSERT_EQ(out.type(), in.type());
        cv::Mat ambiguous;
        cv::Mat ref = ReferenceSharpen(in, alpha, c.sigma, c.amount, c.threshold, &ambiguous);
        double bound = 0.5 + c.amount * kBlurMaxDiff;
        cv::Mat out64 = ToF64(out);
        double worst = 0;
        int compared = 0;
        for (int y = 0; y < in.rows; ++y) {
          for (int x = 0; x < in.cols; ++x) {
            if (ambiguous.at<uint8_t>(y, x)) continue;
            ++compared;
            for (int b = 0; b < bands; ++b) {
              worst = std::max(worst, std::abs(out64.ptr<double>(y)[x * bands + b] -
                                               ref.ptr<double>(y)[x * bands + b]));
            }
          }
        }
        EXPECT_LE(worst, bound) << "compared " << compared << " pixels";
        EXPECT_GT(compared, in.rows * in.cols / 2);
        if (alpha) {
          EXPECT_TRUE(Identical(Band(out, bands - 1), Band(in, bands - 1)))
              << "alpha must be untouched";
        }
      }
    }
  }
}

TEST(SharpenOp, ZeroAmountAndHugeThresholdAreIdentities) {
  cv::Mat in = MakeTestPattern(64, 48, 4);
  EXPECT_TRUE(Identical(ApplyToMat("sharpen:amount=0", in, true), in));
  EXPECT_TRUE(Identical(ApplyToMat("sharpen:amount=5,threshold=255", in, true), in));
}

// ---- edges: sobel ----

TEST(EdgesOp, SobelOfGreyIsBitExact) {
  // On grey input there is no colour conversion: integer Sobel, then a magnitude that is never
  // exactly halfway between integers, so the result must equal the reference exactly. (16-bit
  // samples become 8-bit by v / 257, which is never exactly halfway either.)
  for (int depth : {CV_8U, CV_16U}) {
    cv::Mat in = MakeTestPattern(101, 67, 1, depth);
    cv::Mat out = ApplyToMat("edges", in, false);
    ASSERT_EQ(out.type(), CV_8UC1);
    EXPECT_EQ(MaxDiff(out, ReferenceSobel(ReferenceGrey8(in))), 0.0);
  }
}

TEST(EdgesOp, SobelOfColourMatchesReference) {
  // RGB -> grey is done by OpenCV in 14-bit fixed point, which can round a grey level the other
  // way where the exact luma is within ~0.01 of x.5. One grey level moves a Sobel response by at
  // most 2 per tap pair, so |out - ref| <= 4 at such rare pixels; PSNR shows they are rare.
  for (int depth : {CV_8U, CV_16U}) {
    for (int bands : {2, 3, 4}) {
      SCOPED_TRACE("bands=" + std::to_string(bands) + (depth == CV_16U ? " 16-bit" : " 8-bit"));
      cv::Mat in = MakeTestPattern(101, 67, bands, depth);
      cv::Mat out = ApplyToMat("edges:mode=sobel", in, bands == 2 || bands == 4);
      ASSERT_EQ(out.type(), CV_8UC1) << "edges output is one 8-bit band, alpha dropped";
      ASSERT_EQ(out.size(), in.size());
      cv::Mat ref = ReferenceSobel(ReferenceGrey8(in));
      EXPECT_LE(MaxDiff(out, ref), 4.0);
      EXPECT_GE(Psnr(out, ref), 45.0);
    }
  }
}

TEST(EdgesOp, SobelOfAStepIsClampedTo255AndZeroInFlatRegions) {
  cv::Mat in(20, 30, CV_8U, cv::Scalar(10));
  in.colRange(15, 30).setTo(250);
  cv::Mat out = ApplyToMat("edges", in, false);
  for (int y = 0; y < in.rows; ++y) {
    for (int x = 0; x < in.cols; ++x) {
      int expected = (x == 14 || x == 15) ? 255 : 0;  // |gx| = 4 * 240 > 255 on both sides
      ASSERT_EQ(out.at<uint8_t>(y, x), expected) << x << "," << y;
    }
  }
}

// ---- edges: canny ----

// Canny's output is judged by geometry, not by comparing OpenCV with itself: on a filled
// rectangle the edge map is binary, follows the rectangle's outline (every outline position has
// an edge pixel within 2 px), and is empty everywhere more than 3 px from the outline.
void CheckCannyFindsRectangle(const cv::Mat& in, bool alpha, const std::string& step,
                              cv::Rect rect) {
  SCOPED_TRACE(step);
  cv::Mat out = ApplyToMat(step, in, alpha);
  ASSERT_EQ(out.type(), CV_8UC1);
  ASSERT_EQ(out.size(), in.size());
  cv::Rect outer(rect.x - 3, rect.y - 3, rect.width + 6, rect.height + 6);
  cv::Rect inner(rect.x + 3, rect.y + 3, rect.width - 6, rect.height - 6);
  int edge_pixels = 0;
  for (int y = 0; y < out.rows; ++y) {
    for (int x = 0; x < out.cols; ++x) {
      uint8_t v = out.at<uint8_t>(y, x);
      ASSERT_TRUE(v == 0 || v == 255) << "non-binary " << int(v) << " at " << x << "," << y;
      bool near = outer.contains({x, y}) && !inner.contains({x, y});
      if (!near) {
        ASSERT_EQ(v, 0) << "edge in a flat region at " << x << "," << y;
      }
      edge_pixels += v != 0;
    }
  }
  auto edge_near = [&](int x, int y) {
    for (int dy = -2; dy <= 2; ++dy) {
      for (int dx = -2; dx <= 2; ++dx) {
        int xx = x + dx, yy = y + dy;
        if (xx >= 0 && yy >= 0 && xx < out.cols && yy < out.rows && out.at<uint8_t>(yy, xx)) {
          return true;
        }
      }
    }
    return false;
  };
  for (int x = rect.x + 3; x < rect.x + rect.width - 3; ++x) {
    EXPECT_TRUE(edge_near(x, rect.y)) << "top edge missed at x=" << x;
    EXPECT_TRUE(edge_near(x, rect.y + rect.height - 1)) << "bottom edge missed at x=" << x;
  }
  for (int y = rect.y + 3; y < rect.y + rect.height - 3; ++y) {
    EXPECT_TRUE(edge_near(rect.x, y)) << "left edge missed at y=" << y;
    EXPECT_TRUE(edge_near(rect.x + rect.width - 1, y)) << "right edge missed at y=" << y;
  }
  // A thin outline, not a filled band: about one pixel per outline position.
  int perimeter = 2 * (rect.width + rect.height);
  EXPECT_GE(edge_pixels, perimeter * 8 / 10);
  EXPECT_LE(edge_pixels, perimeter * 2);
}

TEST(EdgesOp, CannyOutlinesARectangle) {
  cv::Rect rect(50, 40, 100, 70);
  cv::Mat grey(150, 200, CV_8U, cv::Scalar(20));
  grey(rect).setTo(230);
  CheckCannyFindsRectangle(grey, false, "edges:mode=canny", rect);
  CheckCannyFindsRectangle(grey, false, "edges:mode=canny,sigma=0", rect);
  CheckCannyFindsRectangle(grey, false, "edges:mode=canny,sigma=3,low=10,high=30", rect);

  // Colour and 16-bit inputs: the same geometry through the grey conversion.
  cv::Mat rgba(150, 200, CV_8UC4, cv::Scalar(30, 60, 200, 255));
  rgba(rect).setTo(cv::Scalar(250, 240, 20, 255));
  CheckCannyFindsRectangle(rgba, true, "edges:mode=canny", rect);
  cv::Mat rgb16(150, 200, CV_16UC3, cv::Scalar(5000, 5000, 5000));
  rgb16(rect).setTo(cv::Scalar(60000, 60000, 60000));
  CheckCannyFindsRectangle(rgb16, false, "edges:mode=canny", rect);
}

TEST(EdgesOp, CannyFindsNothingInAFlatOrGentlySlopedImage) {
  cv::Mat flat(60, 80, CV_8UC3, cv::Scalar(100, 150, 200));
  EXPECT_EQ(cv::countNonZero(ApplyToMat("edges:mode=canny", flat, false)), 0);
  // A gradient of 1 level per pixel has a Sobel magnitude of ~8, far below low=50.
  cv::Mat ramp(60, 200, CV_8U);
  for (int x = 0; x < ramp.cols; ++x) ramp.col(x).setTo(x);
  EXPECT_EQ(cv::countNonZero(ApplyToMat("edges:mode=canny", ramp, false)), 0);
}

TEST(EdgesOp, CannyHighThresholdDropsWeakEdges) {
  // A weak step (contrast 30) is found with low thresholds and dropped when high exceeds its
  // gradient (Sobel magnitude of a 30-level step is at most 4 * 30 = 120 before smoothing).
  cv::Rect rect(20, 20, 40, 30);
  cv::Mat weak(80, 100, CV_8U, cv::Scalar(100));
  weak(rect).setTo(130);
  EXPECT_GT(cv::countNonZero(ApplyToMat("edges:mode=canny,sigma=0,low=20,high=60", weak, false)),
            0);
  EXPECT_EQ(cv::countNonZero(ApplyToMat("edges:mode=canny,sigma=0,low=100,high=200", weak, false)),
            0);
}

}  // namespace
}  // namespace tessera::engine
