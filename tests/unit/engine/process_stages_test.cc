// engine::Process reports where its time went: one stage per in-memory op, merged per-sample
// tables as one, and the lazy libvips work under the stage that pulled its pixels.
#include <gtest/gtest.h>

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
  auto png = EncodeWithOpenCv(MakeTestPattern(200, 120, 3), ".png");
  auto r = engine::Process(
      png, MustParsePipeline("resize:w=100;blur:sigma=2;brightness:factor=1.1;invert;sharpen;"
                             "format:type=jpeg"));
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(StageNames(*r),
            (std::vector<std::string>{"libvips", "blur", "point_table", "sharpen", "encode"}));
  std::chrono::microseconds total{0};
  for (const auto& s : r->stages) {
    EXPECT_GE(s.time.count(), 0) << s.stage;
    total += s.time;
  }
  EXPECT_GT(total.count(), 0);
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
