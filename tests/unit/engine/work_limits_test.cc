// The engine's work limits and stop token (issue 18, item 1): the work estimate follows the
// op declarations; steps, one step's cost and a pipeline's cost are refused with over_budget
// before decoding; a stopped token ends Process with its reason; blurring in bands under a
// token gives exactly the whole-image result.
#include <gtest/gtest.h>

#include <thread>

#include "engine/engine.h"
#include "engine/stop_token.h"
#include "engine/tiling/tiled_process.h"
#include "engine/work_estimate.h"
#include "support/image_testing.h"

namespace tessera::testing {
namespace {

engine::ImageInfo InfoOf(int w, int h, engine::Format f = engine::Format::kPng) {
  engine::ImageInfo info;
  info.width = w;
  info.height = h;
  info.format = f;
  return info;
}

TEST(WorkEstimateTest, FollowsTheDeclarations) {
  // blur:sigma=500: halo ceil(1500), two passes of 3001 taps: 6002 reads per pixel.
  auto e = engine::EstimateWork(MustParsePipeline("blur:sigma=500"), InfoOf(1000, 1000));
  ASSERT_EQ(e.steps.size(), 1u);
  EXPECT_DOUBLE_EQ(e.steps[0].work, 6002.0);
  EXPECT_DOUBLE_EQ(e.decode, 10.0);
  // A point op reads each pixel once.
  e = engine::EstimateWork(MustParsePipeline("invert"), InfoOf(2000, 500));
  EXPECT_DOUBLE_EQ(e.steps[0].work, 1.0);
  // Sizes follow the geometry ops: the blur after the resize sees 100x50.
  e = engine::EstimateWork(MustParsePipeline("resize:w=100;blur:sigma=1"), InfoOf(2000, 1000));
  ASSERT_EQ(e.steps.size(), 2u);
  EXPECT_EQ(e.steps[0].out.width, 100);
  EXPECT_EQ(e.steps[0].out.height, 50);
  EXPECT_DOUBLE_EQ(e.steps[1].work, 2.0 * 7 * 5000 / 1e6);
  e = engine::EstimateWork(MustParsePipeline("rotate:angle=90;crop:w=10,h=4000"), InfoOf(300, 200));
  EXPECT_EQ(e.steps[0].out.width, 200);
  EXPECT_EQ(e.steps[1].out.width, 10);
  EXPECT_EQ(e.steps[1].out.height, 300);
  // The encoder costs more for AVIF than for JPEG.
  auto jpeg = engine::EstimateWork(MustParsePipeline("format:type=jpeg"), InfoOf(1000, 1000));
  auto avif = engine::EstimateWork(MustParsePipeline("format:type=avif"), InfoOf(1000, 1000));
  EXPECT_GT(avif.encode, 10 * jpeg.encode);
  EXPECT_DOUBLE_EQ(jpeg.total, jpeg.decode + jpeg.encode);
}

TEST(WorkEstimateTest, LimitsAreTypedErrors) {
  engine::Limits limits;
  limits.max_steps = 3;
  limits.max_step_work = 100;
  limits.max_pipeline_work = 150;
  auto check = [&](const std::string& text, engine::ImageInfo info) {
    auto p = MustParsePipeline(text);
    return engine::CheckWork(p, engine::EstimateWork(p, info), limits);
  };
  Status s = check("invert;invert;invert;invert", InfoOf(10, 10));
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::kOverBudget);
  EXPECT_EQ(s.error().field, "pipeline");

  s = check("invert;blur:sigma=10", InfoOf(1000, 1000));  // 122 units
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::kOverBudget);
  EXPECT_EQ(s.error().field, "pipeline[1]");
  EXPECT_EQ(CodeName(s.error().code), "over_budget");

  s = check("blur:sigma=7;blur:sigma=7", InfoOf(1000, 1000));  // 86 + 86 units
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().field, "pipeline");

  EXPECT_TRUE(check("blur:sigma=7", InfoOf(1000, 1000)));

  // A step over the output pixel limit is refused for that, the more precise reason.
  s = check("resize:w=60000,h=60000,fit=fill,enlarge=true", InfoOf(10, 10));
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::kTooManyPixels);
  EXPECT_EQ(s.error().field, "resize");
}

TEST(WorkEstimateTest, ProcessRefusesBeforeDecoding) {
  InitEngineForTests();
  auto png = EncodeWithOpenCv(MakeTestPattern(300, 200, 3), ".png");
  engine::ProcessOptions o;
  o.limits.max_step_work = 1;
  auto r = engine::Process(png, MustParsePipeline("blur:sigma=100"), o);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kOverBudget);
}

// Tiling bounds memory, not time: tiled processing (`tessera process --tiles on`) applies the
// same work limits and stop token as whole processing.
TEST(WorkEstimateTest, TiledProcessingRefusesOverBudgetAndStops) {
  InitEngineForTests();
  auto png = EncodeWithOpenCv(MakeTestPattern(300, 200, 3), ".png");
  engine::TilingOptions tiling;
  tiling.mode = engine::TileMode::kOn;
  tiling.tile_size = 64;
  engine::ProcessOptions o;
  o.limits.max_step_work = 1;
  auto r = engine::ProcessTiled(png, MustParsePipeline("blur:sigma=100"), o, tiling);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kOverBudget);

  engine::StopSource stop;
  stop.RequestStop(MakeError(ErrorCode::kCancelled, "stopped"));
  engine::ProcessOptions stopped;
  stopped.stop = &stop;
  r = engine::ProcessTiled(png, MustParsePipeline("blur:sigma=2"), stopped, tiling);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kCancelled);
}

TEST(StopTokenTest, AStoppedTokenEndsProcessWithItsReason) {
  InitEngineForTests();
  auto png = EncodeWithOpenCv(MakeTestPattern(300, 200, 3), ".png");
  engine::StopSource stop;
  stop.RequestStop(MakeError(ErrorCode::kCancelled, "client gone"));
  engine::ProcessOptions o;
  o.stop = &stop;
  auto r = engine::Process(png, MustParsePipeline("blur:sigma=2;invert;format:type=png"), o);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kCancelled);
  EXPECT_EQ(r.error().message, "client gone");
}

TEST(StopTokenTest, APassedDeadlineEndsProcessWithDeadlineExceeded) {
  InitEngineForTests();
  auto png = EncodeWithOpenCv(MakeTestPattern(300, 200, 3), ".png");
  ManualClock clock;
  engine::StopSource stop(clock);
  stop.SetDeadline(clock.Monotonic() + std::chrono::milliseconds(10),
                   MakeError(ErrorCode::kDeadlineExceeded, "too slow"));
  EXPECT_FALSE(stop.StopRequested());
  clock.Advance(std::chrono::milliseconds(10));
  EXPECT_TRUE(stop.StopRequested());
  engine::ProcessOptions o;
  o.stop = &stop;
  auto r = engine::Process(png, MustParsePipeline("rotate:angle=33;format:type=png"), o);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kDeadlineExceeded);
}

TEST(StopTokenTest, AParentsStopReachesTheChild) {
  engine::StopSource parent;
  engine::StopSource child(SystemClock::Get(), &parent);
  EXPECT_FALSE(child.StopRequested());
  parent.RequestStop(MakeError(ErrorCode::kCancelled, "parent"));
  EXPECT_TRUE(child.StopRequested());
  EXPECT_EQ(child.Reason().message, "parent");
}

// A stop requested from another thread while a long blur runs ends it early (in bands), with
// the token's reason rather than a result.
TEST(StopTokenTest, AStopDuringABlurEndsIt) {
  InitEngineForTests();
  auto png = EncodeWithOpenCv(MakeTestPattern(1600, 1200, 3), ".png");
  engine::StopSource stop;
  engine::ProcessOptions o;
  o.stop = &stop;
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    stop.RequestStop(MakeError(ErrorCode::kCancelled, "stop"));
  });
  std::string heavy;
  for (int i = 0; i < 20; ++i) heavy += "blur:sigma=30;";
  auto r = engine::Process(png, MustParsePipeline(heavy + "format:type=png"), o);
  stopper.join();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kCancelled);
}

// One blur:sigma=500 (a 3001-tap kernel: seconds of work on two megapixels in one step) stops
// within a band's work, not at the end of the step.
TEST(StopTokenTest, AStopDuringOneHugeBlurEndsItPromptly) {
  InitEngineForTests();
  auto png = EncodeWithOpenCv(MakeTestPattern(1920, 1080, 3), ".png");
  engine::StopSource stop;
  engine::ProcessOptions o;
  o.stop = &stop;
  o.limits.max_step_work = 1e9;
  o.limits.max_pipeline_work = 1e9;
  std::chrono::steady_clock::time_point requested;
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    requested = std::chrono::steady_clock::now();
    stop.RequestStop(MakeError(ErrorCode::kCancelled, "stop"));
  });
  auto r = engine::Process(png, MustParsePipeline("blur:sigma=500;format:type=png"), o);
  const auto ended = std::chrono::steady_clock::now();
  stopper.join();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kCancelled);
  // The whole blur takes over ten seconds here; a band, well under one.
  EXPECT_LT(ended - requested, std::chrono::seconds(3));
}

// Under a token the Gaussian runs in bands of rows; the result is the whole-image blur's,
// sample for sample, at 8 and 16 bits, for radii below and above the band height.
TEST(StopTokenTest, BandedBlurEqualsWholeBlur) {
  InitEngineForTests();
  for (int depth : {CV_8U, CV_16U}) {
    for (const char* pipeline :
         {"blur:sigma=1.5;format:type=png", "blur:sigma=4;format:type=png",
          "sharpen:sigma=2;format:type=png", "edges:mode=canny,sigma=2;format:type=png",
          "blur:sigma=30;format:type=png"}) {
      SCOPED_TRACE(std::string(pipeline) + (depth == CV_8U ? " 8-bit" : " 16-bit"));
      // Big enough for the two-pass Gaussian (sigma 30) to take several bands each way.
      auto png = EncodeWithOpenCv(MakeTestPattern(1231, 977, 3, depth), ".png");
      auto whole = engine::Process(png, MustParsePipeline(pipeline));
      ASSERT_TRUE(whole) << whole.error().ToString();
      engine::StopSource never;
      engine::ProcessOptions o;
      o.stop = &never;
      auto banded = engine::Process(png, MustParsePipeline(pipeline), o);
      ASSERT_TRUE(banded) << banded.error().ToString();
      EXPECT_EQ(MaxAbsDiff(DecodeWithOpenCv(whole->bytes), DecodeWithOpenCv(banded->bytes)), 0);
    }
  }
}

}  // namespace
}  // namespace tessera::testing
