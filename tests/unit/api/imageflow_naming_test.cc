// ImageFlowCanvas's output names and resize sizes, against values worked out with Python's own
// str.replace and int() on the original's expressions.
#include "api/compat/imageflow/imageflow_naming.h"

#include <gtest/gtest.h>

namespace tessera::api::compat::imageflow {
namespace {

TEST(ImageFlowNaming, OutputKeysFollowTheOriginalsReplaceChain) {
  EXPECT_EQ(OutputObjectKey("test-image.jpg", "resized"), "test-image_resized.jpg");
  EXPECT_EQ(OutputObjectKey("a/b.png", "detected"), "a/b_detected.png");
  EXPECT_EQ(OutputObjectKey("photo.jpeg", "filtered"), "photo.jpeg");  // no '.jpg' inside
  EXPECT_EQ(OutputObjectKey("scan.tif", "resized"), "scan.tif.jpg");
  // Every occurrence, in order: '.png' first, then '.jpg' (also inside the new name).
  EXPECT_EQ(OutputObjectKey("x.jpg.png", "resized"), "x_resized.jpg_resized.png");
  EXPECT_EQ(OutputObjectKey("in.png", "resized") + "", "in_resized.png");
  // A chain: resize -> detect -> filter reads each previous output.
  std::string k = OutputObjectKey("cats.jpg", "resized");
  k = OutputObjectKey(k, "detected");
  EXPECT_EQ(OutputObjectKey(k, "filtered"), "cats_resized_detected_filtered.jpg");
  EXPECT_EQ(MetadataObjectKey("cats_detected.jpg"), "cats_detected_metadata.json");
}

TEST(ImageFlowNaming, ResizeTargetTruncatesLikePythonInt) {
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
