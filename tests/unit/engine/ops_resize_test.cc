// resize and thumbnail produce exactly the geometry their fit modes promise, their pixels agree
// with OpenCV's area-average downscale, and the shrink-on-load path (resize or thumbnail as the
// first step of engine::Process) agrees with the in-pipeline path.
#include <gtest/gtest.h>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <string>
#include <vector>

#include "support/image_testing.h"
#include "unit/engine/ops_testing.h"

namespace tessera::engine {
namespace {

using ops_testing::ApplyToMat;
using ops_testing::MakeSmoothPattern;
using ops_testing::ProcessAndDecode;
using tessera::testing::EncodeWithOpenCv;
using tessera::testing::Psnr;

// Lanczos3 (the engine's kernel) and area averaging are different low-pass filters; on the
// band-limited test picture both are close to the ideal downscale and agree to 49-60 dB
// (measured). 40 dB leaves margin for other builds of either library yet fails a shift of one
// output pixel (DownscaleMatchesOpenCvAreaAverage checks that the bound can see one), a wrong
// scale, swapped axes or swapped channels.
constexpr double kResampleMinPsnr = 40.0;
// The shrink-on-load and in-pipeline paths run the same resampler on the same pixels; they
// differ only where libvips' thumbnail premultiplies alpha (measured 48 dB on RGBA) or, for
// JPEG, where libjpeg's scaled IDCT does part of the shrink (measured 50 dB).
constexpr double kSamePathsMinPsnr = 45.0;

cv::Mat AreaResize(const cv::Mat& in, int w, int h) {
  cv::Mat out;
  cv::resize(in, out, cv::Size(w, h), 0, 0, cv::INTER_AREA);
  return out;
}

struct GeometryCase {
  std::string step;
  int width, height;  // expected output size for a 400x300 input
};

// Expected sizes worked out by hand from the declared semantics (sharp's fit modes).
const GeometryCase kResizeCases[] = {
    {"resize:w=200", 200, 150},        // only w: keep aspect
    {"resize:h=100", 133, 100},        // only h: 400/3 = 133.3
    {"resize:w=133", 133, 100},        // 300 * 133/400 = 99.75
    {"resize:w=7", 7, 5},              // 5.25
    {"resize:w=1", 1, 1},              // never below 1 px
    {"resize:w=200,h=200", 200, 150},  // inside: the tighter axis wins
    {"resize:w=300,h=100", 133, 100},
    {"resize:w=200,h=200,fit=contain", 200, 200},  // letterboxed to exactly w x h
    {"resize:w=300,h=100,fit=contain", 300, 100},
    {"resize:w=200,h=200,fit=cover", 200, 200},  // fills, excess cropped
    {"resize:w=300,h=100,fit=cover", 300, 100},
    {"resize:w=100,h=250,fit=fill", 100, 250},     // stretched
    {"resize:w=200,h=200,fit=outside", 267, 200},  // covers, nothing cropped
    {"resize:w=300,h=100,fit=outside", 300, 225},
    // enlarge=false (the default) never scales up...
    {"resize:w=800", 400, 300},
    {"resize:h=600", 400, 300},
    {"resize:w=800,h=900", 400, 300},
    {"resize:w=500,h=100,fit=fill", 400, 100},   // fill caps each axis on its own
    {"resize:w=800,h=100,fit=cover", 400, 100},  // crop still applies
    {"resize:w=1000,h=1000,fit=outside", 400, 300},
    {"resize:w=600,h=600,fit=contain", 600, 600},  // unscaled, but still letterboxed
    // ...enlarge=true does.
    {"resize:w=800,enlarge=true", 800, 600},
    {"resize:h=450,enlarge=true", 600, 450},
    {"resize:w=800,h=900,enlarge=true", 800, 600},
    {"resize:w=500,h=100,fit=fill,enlarge=true", 500, 100},
    {"resize:w=800,h=100,fit=cover,enlarge=true", 800, 100},
    {"resize:w=1000,h=1000,fit=outside,enlarge=true", 1333, 1000},
    {"resize:w=600,h=600,fit=contain,enlarge=true", 600, 600},
    // identity
    {"resize:w=400,h=300,fit=fill", 400, 300},
    {"resize:w=400", 400, 300},
};

TEST(ResizeOp, GeometryOfEveryFitModeInPipeline) {
  cv::Mat in = MakeSmoothPattern(400, 300);
  for (const GeometryCase& c : kResizeCases) {
    cv::Mat out = ApplyToMat(c.step, in, false);
    EXPECT_EQ(out.cols, c.width) << c.step;
    EXPECT_EQ(out.rows, c.height) << c.step;
    EXPECT_EQ(out.type(), in.type()) << c.step;
  }
}

TEST(ResizeOp, GeometryOfEveryFitModeWithShrinkOnLoad) {
  auto png = EncodeWithOpenCv(MakeSmoothPattern(400, 300), ".png");
  auto jpeg = EncodeWithOpenCv(MakeSmoothPattern(400, 300), ".jpg");
  for (const GeometryCase& c : kResizeCases) {
    for (const auto* bytes : {&png, &jpeg}) {
      auto r = ops_testing::ProcessText(*bytes, c.step);
      ASSERT_TRUE(r.has_value()) << c.step << ": " << r.error().ToString();
      EXPECT_EQ(r->width, c.width) << c.step;
      EXPECT_EQ(r->height, c.height) << c.step;
      cv::Mat decoded = tessera::testing::DecodeWithOpenCv(r->bytes);
      EXPECT_EQ(decoded.cols, c.width) << c.step;
      EXPECT_EQ(decoded.rows, c.height) << c.step;
    }
  }
}

// A portrait source swaps which axis decides.
TEST(ResizeOp, GeometryOfPortraitSource) {
  cv::Mat in = MakeSmoothPattern(300, 400);
  const GeometryCase cases[] = {
      {"resize:w=200,h=200", 150, 200},
      {"resize:w=200,h=200,fit=cover", 200, 200},
      {"resize:w=200,h=200,fit=outside", 200, 267},
      {"resize:w=150", 150, 200},
  };
  for (const GeometryCase& c : cases) {
    cv::Mat out = ApplyToMat(c.step, in, false);
    EXPECT_EQ(out.cols, c.width) << c.step;
    EXPECT_EQ(out.rows, c.height) << c.step;
  }
}

TEST(ResizeOp, DownscaleMatchesOpenCvAreaAverage) {
  cv::Mat in = MakeSmoothPattern(800, 600, 3);
  const GeometryCase cases[] = {
      {"resize:w=200", 200, 150},                 // integer factor 4
      {"resize:w=300", 300, 225},                 // 2.67
      {"resize:w=560,h=420", 560, 420},           // 1.43
      {"resize:w=150,h=400,fit=fill", 150, 400},  // different factor per axis
  };
  for (const GeometryCase& c : cases) {
    SCOPED_TRACE(c.step);
    cv::Mat out = ApplyToMat(c.step, in, false);
    ASSERT_EQ(out.size(), cv::Size(c.width, c.height));
    cv::Mat ref = AreaResize(in, c.width, c.height);
    EXPECT_GE(Psnr(out, ref), kResampleMinPsnr);
    // The bound can see a one-pixel shift (of the reference against itself).
    cv::Rect inner(1, 1, c.width - 2, c.height - 2);
    EXPECT_LT(Psnr(ref(inner), ref(inner + cv::Point(1, 0))), kResampleMinPsnr);
    EXPECT_LT(Psnr(ref(inner), ref(inner + cv::Point(0, 1))), kResampleMinPsnr);
  }
}

TEST(ResizeOp, DownscaleOfOtherSampleLayouts) {
  for (int depth : {CV_8U, CV_16U}) {
    for (int bands : {1, 2, 4}) {
      SCOPED_TRACE("bands=" + std::to_string(bands) + (depth == CV_16U ? " 16-bit" : " 8-bit"));
      cv::Mat in = MakeSmoothPattern(600, 400, bands, depth);
      cv::Mat out = ApplyToMat("resize:w=240", in, bands == 2 || bands == 4);
      ASSERT_EQ(out.size(), cv::Size(240, 160));
      ASSERT_EQ(out.type(), in.type());
      EXPECT_GE(Psnr(out, AreaResize(in, 240, 160)), kResampleMinPsnr);
    }
  }
}

TEST(ResizeOp, CoverIsACentreCropOfTheScaledImage) {
  cv::Mat in = MakeSmoothPattern(800, 600, 3);
  cv::Mat out = ApplyToMat("resize:w=300,h=300,fit=cover", in, false);
  ASSERT_EQ(out.size(), cv::Size(300, 300));
  // Scaled to 400x300 (factor 0.5), then 50 px cut from each side.
  cv::Mat ref = AreaResize(in, 400, 300)(cv::Rect(50, 0, 300, 300));
  EXPECT_GE(Psnr(out, ref), kResampleMinPsnr);
}

TEST(ResizeOp, ContainLetterboxesWithBackgroundColour) {
  cv::Mat in = MakeSmoothPattern(800, 600, 3);
  cv::Mat out = ApplyToMat("resize:w=300,h=300,fit=contain,bg=ff8000", in, false);
  ASSERT_EQ(out.size(), cv::Size(300, 300));
  // Scaled to 300x225, centred: bars of (300 - 225) / 2 = 37 rows on top, 38 below.
  cv::Mat top = out.rowRange(0, 37), bottom = out.rowRange(262, 300);
  for (const cv::Mat& bar : {top, bottom}) {
    EXPECT_EQ(cv::countNonZero(ops_testing::Band(bar, 0) != 255), 0);
    EXPECT_EQ(cv::countNonZero(ops_testing::Band(bar, 1) != 128), 0);
    EXPECT_EQ(cv::countNonZero(ops_testing::Band(bar, 2) != 0), 0);
  }
  EXPECT_GE(Psnr(out.rowRange(37, 262), AreaResize(in, 300, 225)), kResampleMinPsnr);

  // With alpha the bars take the colour's alpha; grey images take the colour's luma.
  cv::Mat rgba = MakeSmoothPattern(400, 200, 4);
  cv::Mat boxed = ApplyToMat("resize:w=100,h=100,fit=contain,bg=00ff0080", rgba, true);
  ASSERT_EQ(boxed.size(), cv::Size(100, 100));
  EXPECT_EQ(boxed.at<cv::Vec4b>(0, 50), cv::Vec4b(0, 255, 0, 128));
  EXPECT_EQ(boxed.at<cv::Vec4b>(99, 50), cv::Vec4b(0, 255, 0, 128));
  cv::Mat grey = MakeSmoothPattern(400, 200, 1);
  cv::Mat grey_boxed = ApplyToMat("resize:w=100,h=100,fit=contain,bg=ff0000", grey, false);
  EXPECT_EQ(grey_boxed.at<uint8_t>(0, 50), 76);  // round(0.299 * 255)
  cv::Mat wide = MakeSmoothPattern(400, 200, 3, CV_16U);
  cv::Mat wide_boxed = ApplyToMat("resize:w=100,h=100,fit=contain,bg=ff8000", wide, false);
  ASSERT_EQ(wide_boxed.type(), CV_16UC3);
  EXPECT_EQ(wide_boxed.at<cv::Vec3w>(0, 50), cv::Vec3w(65535, 128 * 257, 0));

  // The same bars through Process (shrink-on-load) on a PNG, decoded by OpenCV.
  auto png = EncodeWithOpenCv(in, ".png");
  cv::Mat processed = ProcessAndDecode(png, "resize:w=300,h=300,fit=contain,bg=ff8000");
  ASSERT_EQ(processed.size(), cv::Size(300, 300));
  EXPECT_EQ(processed.at<cv::Vec3b>(0, 0), cv::Vec3b(255, 128, 0));
  EXPECT_EQ(processed.at<cv::Vec3b>(299, 299), cv::Vec3b(255, 128, 0));
  EXPECT_GE(Psnr(processed, out), kSamePathsMinPsnr);
}

// The shrink-on-load path (resize first, libvips' thumbnail) and the in-pipeline path (resize
// after another step, vips_resize) must agree, for every fit mode.
TEST(ResizeOp, ShrinkOnLoadAgreesWithInPipelineResize) {
  cv::Mat in = MakeSmoothPattern(800, 600, 3);
  auto png = EncodeWithOpenCv(in, ".png");
  auto jpeg = EncodeWithOpenCv(in, ".jpg");
  cv::Mat jpeg_pixels = tessera::testing::DecodeWithOpenCv(jpeg);
  for (const char* step :
       {"resize:w=200", "resize:w=310,h=170,fit=cover", "resize:w=300,h=300,fit=contain",
        "resize:w=250,h=250,fit=fill", "resize:h=123,fit=outside,w=100"}) {
    SCOPED_TRACE(step);
    cv::Mat in_pipeline = ApplyToMat(step, in, false);
    cv::Mat loaded_png = ProcessAndDecode(png, step);
    ASSERT_EQ(loaded_png.size(), in_pipeline.size());
    EXPECT_GE(Psnr(loaded_png, in_pipeline), kSamePathsMinPsnr);

    // Force the in-pipeline path through Process too: a no-op first step.
    cv::Mat after_step = ProcessAndDecode(png, std::string("rotate:angle=0;") + step);
    EXPECT_TRUE(ops_testing::Identical(after_step, in_pipeline)) << "same path, same pixels";

    cv::Mat loaded_jpeg = ProcessAndDecode(jpeg, std::string(step) + ";format:type=png");
    cv::Mat jpeg_in_pipeline = ApplyToMat(step, jpeg_pixels, false);
    ASSERT_EQ(loaded_jpeg.size(), jpeg_in_pipeline.size());
    EXPECT_GE(Psnr(loaded_jpeg, jpeg_in_pipeline), kSamePathsMinPsnr);
  }
}

// libvips' thumbnail (the shrink-on-load path) always delivers 8 bits; a leading resize must
// still keep a 16-bit input's depth, exactly as the same resize later in a pipeline does.
TEST(ResizeOp, ShrinkOnLoadKeepsAlphaAndDepth) {
  for (int depth : {CV_8U, CV_16U}) {
    for (int bands : {1, 3, 4}) {  // OpenCV cannot write grey + alpha PNGs
      SCOPED_TRACE("bands=" + std::to_string(bands) + (depth == CV_16U ? " 16-bit" : " 8-bit"));
      cv::Mat in = MakeSmoothPattern(600, 400, bands, depth);
      bool alpha = bands == 2 || bands == 4;
      auto png = EncodeWithOpenCv(in, ".png");
      cv::Mat loaded = ProcessAndDecode(png, "resize:w=150");
      ASSERT_EQ(loaded.size(), cv::Size(150, 100));
      ASSERT_EQ(loaded.depth(), depth);
      ASSERT_EQ(loaded.type(), in.type());
      cv::Mat in_pipeline = ApplyToMat("resize:w=150", in, alpha);
      EXPECT_GE(Psnr(loaded, in_pipeline), kSamePathsMinPsnr);
      EXPECT_GE(Psnr(loaded, AreaResize(in, 150, 100)), kResampleMinPsnr);
    }
  }
}

// Transparent pixels carry no colour: downscaling must weight colour by alpha (premultiply), or
// the hidden colour under a transparent area bleeds into the visible edge. A red opaque half next
// to a transparent green half must stay red wherever it is visible, on both paths.
TEST(ResizeOp, TransparentColourDoesNotBleedIntoTheEdge) {
  cv::Mat in(300, 400, CV_8UC4, cv::Scalar(0, 255, 0, 0));
  in.colRange(0, 202).setTo(cv::Scalar(255, 0, 0, 255));
  auto png = EncodeWithOpenCv(in, ".png");
  cv::Mat in_pipeline = ApplyToMat("resize:w=100", in, true);
  cv::Mat loaded = ProcessAndDecode(png, "resize:w=100");
  for (const cv::Mat& out : {in_pipeline, loaded}) {
    ASSERT_EQ(out.size(), cv::Size(100, 75));
    int checked = 0;
    for (int x = 0; x < out.cols; ++x) {
      cv::Vec4b p = out.at<cv::Vec4b>(37, x);
      if (p[3] < 16) continue;  // invisible: any colour is fine
      ++checked;
      EXPECT_GE(p[0], 240) << "x=" << x << " alpha=" << int(p[3]);
      EXPECT_LE(p[1], 15) << "x=" << x << " alpha=" << int(p[3]);
    }
    EXPECT_GE(checked, 50);
  }
}

TEST(ResizeOp, GrayscaleThenResizeMatchesOpenCv) {
  cv::Mat in = MakeSmoothPattern(800, 600, 3);
  auto png = EncodeWithOpenCv(in, ".png");
  cv::Mat out = ProcessAndDecode(png, "grayscale;resize:w=200");
  ASSERT_EQ(out.size(), cv::Size(200, 150));
  ASSERT_EQ(out.channels(), 1);
  cv::Mat grey;
  cv::cvtColor(in, grey, cv::COLOR_RGB2GRAY);
  EXPECT_GE(Psnr(out, AreaResize(grey, 200, 150)), kResampleMinPsnr);
  // ...and the other order (shrink-on-load, then grey) gives the same picture.
  cv::Mat other = ProcessAndDecode(png, "resize:w=200;grayscale");
  EXPECT_GE(Psnr(out, other), kSamePathsMinPsnr);
}

TEST(ResizeOp, UpscaleIsCloseToOpenCvCubic) {
  cv::Mat in = MakeSmoothPattern(200, 150, 3);
  cv::Mat out = ApplyToMat("resize:w=500,enlarge=true", in, false);
  ASSERT_EQ(out.size(), cv::Size(500, 375));
  cv::Mat ref;
  cv::resize(in, ref, out.size(), 0, 0, cv::INTER_CUBIC);
  // Lanczos3 and bicubic interpolate differently between samples (measured 36.6 dB).
  EXPECT_GE(Psnr(out, ref), 33.0);
}

// Shrink-on-load plans the resize on the EXIF-oriented size (64x48 displayed for every
// orient_N.jpg) and delivers the picture upright, like the in-pipeline path.
TEST(ResizeOp, ShrinkOnLoadHonoursExifOrientation) {
  const cv::Vec3b corners[] = {{220, 30, 30}, {30, 200, 40}, {30, 40, 210}, {230, 220, 40}};
  for (int n = 1; n <= 8; ++n) {
    SCOPED_TRACE("orient_" + std::to_string(n));
    auto jpeg = tessera::testing::ReadTestData("orient_" + std::to_string(n) + ".jpg");
    ASSERT_FALSE(jpeg.empty());
    cv::Mat loaded = ProcessAndDecode(jpeg, "resize:w=32;format:type=png");
    ASSERT_EQ(loaded.size(), cv::Size(32, 24));
    cv::Mat in_pipeline = ProcessAndDecode(jpeg, "rotate:angle=0;resize:w=32;format:type=png");
    ASSERT_EQ(in_pipeline.size(), cv::Size(32, 24));
    EXPECT_GE(Psnr(loaded, in_pipeline), 35.0);  // the JPEG may be DCT-shrunk on one path
    // Quadrant centres (TL, TR, BL, BR) keep their colours: the picture is upright.
    const cv::Point centres[] = {{8, 6}, {24, 6}, {8, 18}, {24, 18}};
    for (int q = 0; q < 4; ++q) {
      cv::Vec3b p = loaded.at<cv::Vec3b>(centres[q]);
      for (int c = 0; c < 3; ++c) {
        EXPECT_NEAR(p[c], corners[q][c], 20) << "quadrant " << q << " band " << c;
      }
    }
  }
}

// ---- thumbnail ----

const GeometryCase kThumbnailCases[] = {
    {"thumbnail:w=100", 100, 75},  // square 100x100 box by default
    {"thumbnail:w=100,h=50", 67, 50},
    {"thumbnail:w=50,h=100", 50, 38},
    {"thumbnail:w=100,crop=centre", 100, 100},  // crop modes fill the box exactly
    {"thumbnail:w=120,h=80,crop=center", 120, 80},
    {"thumbnail:w=120,h=80,crop=entropy", 120, 80},
    {"thumbnail:w=60,h=110,crop=attention", 60, 110},
    {"thumbnail:w=1000", 400, 300},  // enlarge=false
    {"thumbnail:w=800,enlarge=true", 800, 600},
    {"thumbnail:w=400,h=300", 400, 300},
};

TEST(ThumbnailOp, GeometryInPipelineAndWithShrinkOnLoad) {
  cv::Mat in = MakeSmoothPattern(400, 300, 3);
  auto png = EncodeWithOpenCv(in, ".png");
  auto jpeg = EncodeWithOpenCv(in, ".jpg");
  for (const GeometryCase& c : kThumbnailCases) {
    cv::Mat out = ApplyToMat(c.step, in, false);
    EXPECT_EQ(out.size(), cv::Size(c.width, c.height)) << c.step << " in pipeline";
    for (const auto* bytes : {&png, &jpeg}) {
      auto r = ops_testing::ProcessText(*bytes, c.step);
      ASSERT_TRUE(r.has_value()) << c.step << ": " << r.error().ToString();
      EXPECT_EQ(cv::Size(r->width, r->height), cv::Size(c.width, c.height)) << c.step;
    }
  }
}

TEST(ThumbnailOp, PortraitSourceFitsTheSquareBoxByHeight) {
  cv::Mat in = MakeSmoothPattern(300, 400, 3);
  EXPECT_EQ(ApplyToMat("thumbnail:w=100", in, false).size(), cv::Size(75, 100));
}

TEST(ThumbnailOp, PixelsMatchOpenCvAreaAverage) {
  cv::Mat in = MakeSmoothPattern(800, 600, 3);
  cv::Mat out = ApplyToMat("thumbnail:w=200", in, false);
  ASSERT_EQ(out.size(), cv::Size(200, 150));
  EXPECT_GE(Psnr(out, AreaResize(in, 200, 150)), kResampleMinPsnr);
  auto png = EncodeWithOpenCv(in, ".png");
  cv::Mat loaded = ProcessAndDecode(png, "thumbnail:w=200");
  ASSERT_EQ(loaded.size(), cv::Size(200, 150));
  EXPECT_GE(Psnr(loaded, out), kSamePathsMinPsnr);
  auto jpeg = EncodeWithOpenCv(in, ".jpg");
  cv::Mat jpeg_loaded = ProcessAndDecode(jpeg, "thumbnail:w=200;format:type=png");
  cv::Mat jpeg_in_pipeline =
      ApplyToMat("thumbnail:w=200", tessera::testing::DecodeWithOpenCv(jpeg), false);
  ASSERT_EQ(jpeg_loaded.size(), jpeg_in_pipeline.size());
  EXPECT_GE(Psnr(jpeg_loaded, jpeg_in_pipeline), kSamePathsMinPsnr);
}

}  // namespace
}  // namespace tessera::engine
