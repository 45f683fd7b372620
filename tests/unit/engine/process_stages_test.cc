// engine::Process reports where its time went: one stage per in-memory op, merged per-sample
// tables as one, and the lazy libvips work under the stage that pulled its pixels.
#include <gtest/gtest.h>

#include <chrono>

#include "engine/engine.h"
#include "support/image_testing.h"

namespace tessera::testing {
namespace {

std::vector<std::string> StageNames(const engine::ProcessResult& r) {
  std::vector<std::string> names;
  for (const auto& s : r.stages) names.push_back(s.stage);
  return names;
}

TEST(ProcessStagesTest, EachInMemoryOpAndTheEncoderAreStages) {
  InitEngineForTests();
  auto png = EncodeWithOpenCv(MakeTestPattern(1600, 960, 3), ".png");
  const auto started = std::chrono::steady_clock::now();
  auto r = engine::Process(
      png, MustParsePipeline("resize:w=800;blur:sigma=2;brightness:factor=1.1;invert;sharpen;"
                             "format:type=jpeg"));
  const auto wall = std::chrono::steady_clock::now() - started;
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(StageNames(*r),
            (std::vector<std::string>{"libvips", "blur", "point_table", "sharpen", "encode"}));
  std::chrono::microseconds total{0};
  for (const auto& s : r->stages) {
    // Each stage works on 384,000 pixels, so milliseconds; zero means it was never timed.
    EXPECT_GT(s.time.count(), 0) << s.stage;
    total += s.time;
  }
  // The stages are disjoint parts of the call, timed inside it.
  EXPECT_LE(total, wall);
}

TEST(ProcessStagesTest, APurelyLazyPipelineIsAllEncode) {
  InitEngineForTests();
  auto png = EncodeWithOpenCv(MakeTestPattern(200, 120, 3), ".png");
  auto r = engine::Process(png, MustParsePipeline("crop:x=10,y=10,w=50,h=40;rotate:angle=90"));
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(StageNames(*r), (std::vector<std::string>{"encode"}));
}

}  // namespace
}  // namespace tessera::testing
