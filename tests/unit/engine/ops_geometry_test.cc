// crop, rotate and flip move pixels exactly: crops equal the source sub-rectangle, quarter turns
// and flips equal cv::rotate / cv::flip bit for bit, and other angles give the rotated bounding
// box with corners filled by bg.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <string>
#include <vector>

#include "support/image_testing.h"
#include "unit/engine/ops_testing.h"

namespace tessera::engine {
namespace {

using ops_testing::ApplyStep;
using ops_testing::ApplyToMat;
using ops_testing::Identical;
using ops_testing::ProcessAndDecode;
using tessera::testing::EncodeWithOpenCv;
using tessera::testing::ImageFromMat;
using tessera::testing::MakeTestPattern;

struct Layout {
  const char* name;
  int bands;
  int depth;
};

constexpr Layout kLayouts[] = {
    {"rgb8", 3, CV_8U},   {"rgba8", 4, CV_8U},  {"grey8", 1, CV_8U},
    {"greya8", 2, CV_8U}, {"rgb16", 3, CV_16U}, {"rgba16", 4, CV_16U},
};

bool HasAlpha(const Layout& l) { return l.bands == 2 || l.bands == 4; }

// ---- crop ----

TEST(CropOp, RectangleIsTheExactSourceSubRectangle) {
  for (const Layout& l : kLayouts) {
    SCOPED_TRACE(l.name);
    cv::Mat in = MakeTestPattern(200, 150, l.bands, l.depth);
    struct Case {
      int x, y, w, h;
      cv::Rect expected;
    } cases[] = {
        {0, 0, 10, 10, {0, 0, 10, 10}},
        {13, 7, 50, 40, {13, 7, 50, 40}},
        {0, 0, 200, 150, {0, 0, 200, 150}},
        {150, 120, 100, 100, {150, 120, 50, 30}},  // clipped at the right and bottom
        {199, 149, 5, 5, {199, 149, 1, 1}},
        {0, 10, 1000, 1, {0, 10, 200, 1}},
    };
    for (const Case& c : cases) {
      std::string step = "crop:x=" + std::to_string(c.x) + ",y=" + std::to_string(c.y) +
                         ",w=" + std::to_string(c.w) + ",h=" + std::to_string(c.h);
      cv::Mat out = ApplyToMat(step, in, HasAlpha(l));
      EXPECT_TRUE(Identical(out, in(c.expected))) << step;
    }
  }
}

TEST(CropOp, EveryGravityPlacesTheWindow) {
  const int W = 200, H = 150, w = 60, h = 40;
  cv::Mat in = MakeTestPattern(W, H, 3);
  const int cx = (W - w) / 2, cy = (H - h) / 2;
  struct Case {
    const char* gravity;
    int x, y;
  } cases[] = {
      {"centre", cx, cy},   {"center", cx, cy}, {"north", cx, 0}, {"south", cx, H - h},
      {"east", W - w, cy},  {"west", 0, cy},    {"ne", W - w, 0}, {"nw", 0, 0},
      {"se", W - w, H - h}, {"sw", 0, H - h},
  };
  for (const Case& c : cases) {
    std::string step = "crop:w=60,h=40,gravity=" + std::string(c.gravity);
    cv::Mat out = ApplyToMat(step, in, false);
    EXPECT_TRUE(Identical(out, in(cv::Rect(c.x, c.y, w, h)))) << step;
  }
  // A window larger than the image is clipped to it on that axis.
  EXPECT_TRUE(Identical(ApplyToMat("crop:w=500,h=40,gravity=south", in, false),
                        in(cv::Rect(0, H - 40, W, 40))));
  EXPECT_TRUE(Identical(ApplyToMat("crop:w=60,h=900,gravity=east", in, false),
                        in(cv::Rect(W - 60, 0, 60, H))));
}

// Smart crops choose their own position, but must still cut an exact w x h window of the source.
TEST(CropOp, SaliencyGravitiesCutAnExactWindow) {
  for (const Layout& l : kLayouts) {
    SCOPED_TRACE(l.name);
    cv::Mat in = MakeTestPattern(120, 90, l.bands, l.depth);
    // Put something interesting off-centre so the strategies have a reason to move.
    cv::circle(in, {95, 70}, 10, cv::Scalar::all(l.depth == CV_16U ? 65535 : 255), cv::FILLED);
    for (const char* g : {"entropy", "attention"}) {
      cv::Mat out = ApplyToMat("crop:w=40,h=30,gravity=" + std::string(g), in, HasAlpha(l));
      ASSERT_EQ(out.size(), cv::Size(40, 30)) << g;
      ASSERT_EQ(out.type(), in.type()) << g;
      bool found = false;
      for (int y = 0; y + 30 <= in.rows && !found; ++y) {
        for (int x = 0; x + 40 <= in.cols && !found; ++x) {
          found = Identical(out, in(cv::Rect(x, y, 40, 30)));
        }
      }
      EXPECT_TRUE(found) << g << ": the output is not a window of the source";
    }
  }
}

TEST(CropOp, OriginOutsideTheImageIsBadRequest) {
  Image in = ImageFromMat(MakeTestPattern(200, 150, 3), false);
  for (const char* step :
       {"crop:x=200,y=0,w=10,h=10", "crop:x=0,y=150,w=10,h=10", "crop:x=5000,y=5000,w=1,h=1"}) {
    auto out = ApplyStep(step, in);
    ASSERT_FALSE(out.has_value()) << step;
    EXPECT_EQ(out.error().code, ErrorCode::kBadRequest) << step;
  }
  auto png = EncodeWithOpenCv(MakeTestPattern(200, 150, 3), ".png");
  auto r = ops_testing::ProcessText(png, "crop:x=300,y=0,w=10,h=10");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kBadRequest);
}

// ---- rotate and flip: exact ----

TEST(RotateOp, QuarterTurnsAreBitExact) {
  struct Case {
    const char* step;
    int code;  // cv::RotateFlags, or -1 for identity
  } cases[] = {
      {"rotate", cv::ROTATE_90_CLOCKWISE},  // default angle=90
      {"rotate:angle=90", cv::ROTATE_90_CLOCKWISE},
      {"rotate:angle=180", cv::ROTATE_180},
      {"rotate:angle=270", cv::ROTATE_90_COUNTERCLOCKWISE},
      {"rotate:angle=-90", cv::ROTATE_90_COUNTERCLOCKWISE},
      {"rotate:angle=-180", cv::ROTATE_180},
      {"rotate:angle=-270", cv::ROTATE_90_CLOCKWISE},
      {"rotate:angle=360", -1},
      {"rotate:angle=0", -1},
  };
  for (const Layout& l : kLayouts) {
    SCOPED_TRACE(l.name);
    cv::Mat in = MakeTestPattern(70, 45, l.bands, l.depth);
    for (const Case& c : cases) {
      cv::Mat expected;  // a fresh Mat: cv::rotate into `in`'s buffer would flip in place
      if (c.code >= 0) {
        cv::rotate(in, expected, c.code);
      } else {
        expected = in.clone();
      }
      EXPECT_TRUE(Identical(ApplyToMat(c.step, in, HasAlpha(l)), expected)) << c.step;
    }
  }
}

TEST(FlipOp, FlipsAreBitExact) {
  for (const Layout& l : kLayouts) {
    SCOPED_TRACE(l.name);
    cv::Mat in = MakeTestPattern(70, 45, l.bands, l.depth);
    cv::Mat h, v;
    cv::flip(in, h, 1);
    cv::flip(in, v, 0);
    EXPECT_TRUE(Identical(ApplyToMat("flip", in, HasAlpha(l)), h)) << "default is h";
    EXPECT_TRUE(Identical(ApplyToMat("flip:dir=h", in, HasAlpha(l)), h));
    EXPECT_TRUE(Identical(ApplyToMat("flip:dir=v", in, HasAlpha(l)), v));
  }
}

// ---- rotate: any angle ----

struct AngleCase {
  double angle;
};

cv::Size RotatedBox(cv::Size s, double degrees) {
  double r = degrees * M_PI / 180.0;
  double c = std::abs(std::cos(r)), n = std::abs(std::sin(r));
  return {static_cast<int>(std::lround(s.width * c + s.height * n)),
          static_cast<int>(std::lround(s.width * n + s.height * c))};
}

TEST(RotateOp, AnyAngleGivesTheRotatedBoundingBoxWithBackgroundCorners) {
  for (double angle : {30.0, -45.0, 137.5, 10.0, -100.0, 225.0}) {
    for (const Layout& l : kLayouts) {
      SCOPED_TRACE(std::string(l.name) + " angle=" + std::to_string(angle));
      cv::Mat in = MakeTestPattern(200, 100, l.bands, l.depth);
      std::string step = "rotate:angle=" + std::to_string(angle) + ",bg=ff8000";
      cv::Mat out = ApplyToMat(step, in, HasAlpha(l));
      ASSERT_FALSE(out.empty());
      ASSERT_EQ(out.type(), in.type());
      cv::Size box = RotatedBox(in.size(), angle);
      EXPECT_NEAR(out.cols, box.width, 1);
      EXPECT_NEAR(out.rows, box.height, 1);
      double scale = l.depth == CV_16U ? 257.0 : 1.0;
      std::vector<double> bg;
      if (l.bands <= 2) {
        bg.push_back(std::round(0.299 * 255 + 0.587 * 128) * scale);
      } else {
        bg = {255 * scale, 128 * scale, 0};
      }
      if (HasAlpha(l)) bg.push_back(255 * scale);  // bg has alpha ff
      for (cv::Point p : {cv::Point(0, 0), cv::Point(out.cols - 1, 0), cv::Point(0, out.rows - 1),
                          cv::Point(out.cols - 1, out.rows - 1)}) {
        cv::Mat px = ops_testing::ToF64(out(cv::Rect(p, cv::Size(1, 1))));
        for (int b = 0; b < l.bands; ++b) {
          EXPECT_EQ(px.ptr<double>(0)[b], bg[b]) << "corner " << p << " band " << b;
        }
      }
    }
  }
}

TEST(RotateOp, AnyAngleTransparentBackgroundOnAlpha) {
  cv::Mat in = MakeTestPattern(120, 80, 4);
  cv::Mat out = ApplyToMat("rotate:angle=45,bg=transparent", in, true);
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(out.at<cv::Vec4b>(0, 0)[3], 0);
  EXPECT_EQ(out.at<cv::Vec4b>(out.rows - 1, out.cols - 1)[3], 0);
}

// At the rotated edge, visible pixels keep the image's colour: a transparent background must not
// darken them (colour interpolated by alpha, not averaged with the invisible fill colour).
TEST(RotateOp, AnyAngleEdgesOfAnOpaqueImageOverTransparencyKeepTheirColour) {
  cv::Mat in(80, 120, CV_8UC4, cv::Scalar(255, 0, 0, 255));
  cv::Mat out = ApplyToMat("rotate:angle=30,bg=transparent", in, true);
  ASSERT_FALSE(out.empty());
  int partial = 0;
  for (int y = 0; y < out.rows; ++y) {
    for (int x = 0; x < out.cols; ++x) {
      cv::Vec4b p = out.at<cv::Vec4b>(y, x);
      if (p[3] < 32) continue;  // (nearly) invisible: any colour is fine
      partial += p[3] < 224;
      ASSERT_GE(p[0], 240) << x << "," << y << " alpha " << int(p[3]);
    }
  }
  EXPECT_GT(partial, 50) << "the edge should be antialiased";
}

// The interior is the input rotated about its centre: compare with a float64 bilinear
// resampling of the source. libvips rounds the bounding box to whole pixels and places the
// content within a pixel of the exact centre, so the reference is tried at centre offsets of
// -1..1 px (quarter-pixel steps) and the best match must be close (38 dB; measured 41-48 dB on
// this pattern); the same search for the opposite direction must match badly (under 25 dB).
double BestRotationPsnr(const cv::Mat& in, const cv::Mat& out, double angle) {
  double r = angle * M_PI / 180.0, c = std::cos(r), s = std::sin(r);
  double icx = (in.cols - 1) / 2.0, icy = (in.rows - 1) / 2.0;
  double best = 0;
  for (double ox = -1; ox <= 1.001; ox += 0.25) {
    for (double oy = -1; oy <= 1.001; oy += 0.25) {
      double ocx = (out.cols - 1) / 2.0 + ox, ocy = (out.rows - 1) / 2.0 + oy;
      std::vector<cv::Vec3d> got, want;
      for (int y = 0; y < out.rows; ++y) {
        for (int x = 0; x < out.cols; ++x) {
          // Clockwise on screen (y down): source = R(-angle) * (p - centre) + centre.
          double dx = x - ocx, dy = y - ocy;
          double sx = c * dx + s * dy + icx, sy = -s * dx + c * dy + icy;
          if (sx < 2 || sy < 2 || sx > in.cols - 3 || sy > in.rows - 3) continue;
          int x0 = static_cast<int>(sx), y0 = static_cast<int>(sy);
          double fx = sx - x0, fy = sy - y0;
          cv::Vec3d v;
          for (int k = 0; k < 3; ++k) {
            auto at = [&](int xx, int yy) { return double(in.at<cv::Vec3b>(yy, xx)[k]); };
            v[k] = (1 - fy) * ((1 - fx) * at(x0, y0) + fx * at(x0 + 1, y0)) +
                   fy * ((1 - fx) * at(x0, y0 + 1) + fx * at(x0 + 1, y0 + 1));
          }
          cv::Vec3b o = out.at<cv::Vec3b>(y, x);
          got.push_back(cv::Vec3d(o[0], o[1], o[2]));
          want.push_back(v);
        }
      }
      if (got.size() < 10000u) continue;
      best = std::max(best, tessera::testing::Psnr(cv::Mat(got), cv::Mat(want)));
    }
  }
  return best;
}

TEST(RotateOp, AnyAngleInteriorMatchesBilinearReference) {
  cv::Mat in = ops_testing::MakeSmoothPattern(200, 120, 3);
  for (double angle : {30.0, -20.0, 100.0}) {
    SCOPED_TRACE(angle);
    cv::Mat out = ApplyToMat("rotate:angle=" + std::to_string(angle), in, false);
    ASSERT_FALSE(out.empty());
    EXPECT_GE(BestRotationPsnr(in, out, angle), 38.0);
    EXPECT_LT(BestRotationPsnr(in, out, -angle), 25.0) << "rotated the wrong way";
  }
}

// ---- whole pipelines on real images ----

TEST(GeometryPipeline, PngThroughProcessIsExact) {
  cv::Mat in = MakeTestPattern(160, 120, 4);
  auto png = EncodeWithOpenCv(in, ".png");
  cv::Mat out = ProcessAndDecode(png, "crop:x=10,y=20,w=100,h=70;rotate:angle=90;flip:dir=v");
  cv::Mat expected;
  cv::rotate(in(cv::Rect(10, 20, 100, 70)), expected, cv::ROTATE_90_CLOCKWISE);
  cv::flip(expected, expected, 0);
  EXPECT_TRUE(Identical(out, expected));

  cv::Mat in16 = MakeTestPattern(90, 60, 3, CV_16U);
  cv::Mat out16 = ProcessAndDecode(EncodeWithOpenCv(in16, ".png"),
                                   "rotate:angle=-90;crop:w=30,h=30,gravity=se;flip");
  cv::Mat expected16;
  cv::rotate(in16, expected16, cv::ROTATE_90_COUNTERCLOCKWISE);
  expected16 = expected16(cv::Rect(expected16.cols - 30, expected16.rows - 30, 30, 30));
  cv::flip(expected16, expected16, 1);
  EXPECT_TRUE(Identical(out16, expected16));
}

TEST(GeometryPipeline, JpegThroughProcess) {
  cv::Mat in = MakeTestPattern(160, 120, 3);
  auto jpeg = EncodeWithOpenCv(in, ".jpg");
  cv::Mat decoded = tessera::testing::DecodeWithOpenCv(jpeg);
  cv::Mat out = ProcessAndDecode(jpeg, "rotate:angle=180;crop:x=8,y=16,w=64,h=48;format:type=png");
  cv::Mat expected;
  cv::rotate(decoded, expected, cv::ROTATE_180);
  expected = expected(cv::Rect(8, 16, 64, 48));
  // Both decoders are libjpeg(-turbo) with the same defaults; allow a level for differing IDCT
  // or chroma-upsampling builds.
  EXPECT_LE(ops_testing::MaxDiff(out, expected), 1.0);
}

}  // namespace
}  // namespace tessera::engine
