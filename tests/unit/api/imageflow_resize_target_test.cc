// ImageFlowCanvas's resize sizes, against values worked out with Python's int() on the
// original's expressions.
#include <gtest/gtest.h>

#include "api/compat/imageflow/resize_target.h"

namespace tessera::api::compat::imageflow {
namespace {

TEST(ImageFlowResizeTarget, ResizeTargetTruncatesLikePythonInt) {
  // 4000x2500: aspect 1.6; 300/200 = 1.5 <= 1.6, so h = int(300 / 1.6) = int(187.5) = 187.
  EXPECT_EQ(ResizeTarget(4000, 2500, 300, 200, true).height, 187);
  EXPECT_EQ(ResizeTarget(4000, 2500, 300, 200, true).width, 300);
  // Taller than the box: w = int(600 * 0.75) = 450.
  auto t = ResizeTarget(1200, 1600, 800, 600, true);
  EXPECT_EQ(t.width, 450);
  EXPECT_EQ(t.height, 600);
  // 1000x3: int(800 / 333.33) = 2.
  EXPECT_EQ(ResizeTarget(1000, 3, 800, 600, true).height, 2);
  EXPECT_EQ(ResizeTarget(100000, 1, 800, 600, true).height, 0);
  auto fill = ResizeTarget(4000, 2500, 300, 200, false);
  EXPECT_EQ(fill.width, 300);
  EXPECT_EQ(fill.height, 200);
}

}  // namespace
}  // namespace tessera::api::compat::imageflow
