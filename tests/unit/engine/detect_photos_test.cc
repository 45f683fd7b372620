// Detection on real photographs (Debian's opencv-doc samples): every hand-labelled face is found
// with IoU >= 0.5, labelled pedestrians are found by the HOG people detector, and photographs of
// buildings and landscapes give no detections.
#include <gtest/gtest.h>

#include "engine/detect/model_registry.h"
#include "engine/engine.h"
#include "support/detect_testing.h"
#include "support/image_testing.h"
#include "support/temp_dir.h"

namespace tessera::engine {
namespace {

using testing::Box;

class DetectPhotosTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::InitEngineForTests();
    ASSERT_TRUE(detect::ConfigureModels({}).has_value());
  }

  std::vector<detect::Detection> Detect(const std::filesystem::path& image,
                                        const std::string& pipeline) {
    auto bytes = testing::ReadFileBytes(image);
    auto result = Process(bytes, testing::MustParsePipeline(pipeline));
    EXPECT_TRUE(result.has_value()) << (result ? "" : result.error().ToString());
    return result ? result->detections : std::vector<detect::Detection>{};
  }
};

struct Labelled {
  const char* file;
  Box face;  // drawn by hand on the photograph
};

// Messi's face in messi5.jpg; the face of the man holding the ball in basketball1.png (the other
// man looks away).
constexpr Labelled kFaces[] = {
    {"messi5.jpg", {226, 92, 38, 40}},
    {"basketball1.png", {72, 88, 40, 44}},
};

TEST_F(DetectPhotosTest, FrontalFaceModelsFindEveryLabelledFace) {
  for (const char* model : {"face", "face_alt"}) {
    for (const Labelled& l : kFaces) {
      auto found = Detect(testing::OpenCvSample(l.file), std::string("detect:model=") + model);
      ASSERT_EQ(found.size(), 1u) << model << " on " << l.file;
      EXPECT_GE(testing::IoU(testing::BoxOf(found[0]), l.face), 0.5) << model << " on " << l.file;
      EXPECT_EQ(found[0].label, "face");
      EXPECT_EQ(found[0].model, model);
      EXPECT_GE(found[0].confidence, 0.5f);
      EXPECT_EQ(found[0].step, 0);
    }
  }
}

TEST_F(DetectPhotosTest, BoxesAreInTheCoordinatesOfTheStepsInput) {
  // Doubling the photograph first: the face is found at twice the labelled place.
  auto found = Detect(testing::OpenCvSample("messi5.jpg"),
                      "resize:w=1096,kernel=linear,enlarge=true;detect:model=face_alt");
  ASSERT_EQ(found.size(), 1u);
  Box doubled{226 * 2, 92 * 2, 38 * 2, 40 * 2};
  EXPECT_GE(testing::IoU(testing::BoxOf(found[0]), doubled), 0.5);
  EXPECT_EQ(found[0].image_width, 1096);
  EXPECT_EQ(found[0].image_height, 684);
  EXPECT_EQ(found[0].step, 1);
}

TEST_F(DetectPhotosTest, PeopleDetectorFindsTheLabelledPedestrians) {
  testing::TempDir dir;
  auto frame = testing::VtestFrame(dir.path());
  // The pedestrians are under HOG's 128-pixel window at the video's size: double it first.
  auto found = Detect(frame, "resize:w=1536,enlarge=true;detect:model=people");
  // The three people walking in the first frame, labelled on the video's own 768x576 pixels.
  const Box people[] = {{254, 219, 31, 89}, {500, 156, 31, 78}, {643, 240, 42, 82}};
  for (const Box& p : people) {
    Box doubled{p.x * 2, p.y * 2, p.width * 2, p.height * 2};
    bool seen = false;
    for (const auto& d : found) {
      Box b = testing::BoxOf(d);
      // HOG's boxes are its 64x128 window around a 96-pixel person: they hold the person and
      // are at most about three times the person's area.
      if (testing::Covered(doubled, b) >= 0.9 &&
          b.width * b.height <= 3.5 * doubled.width * doubled.height) {
        seen = true;
        EXPECT_EQ(d.label, "person");
      }
    }
    EXPECT_TRUE(seen) << "person at " << p.x << "," << p.y;
  }
}

TEST_F(DetectPhotosTest, NothingOnPhotographsWithoutFacesOrPeople) {
  for (const char* file :
       {"building.jpg", "home.jpg", "aero1.jpg", "aero3.jpg", "leuvenA.jpg", "leuvenB.jpg"}) {
    for (const char* model : {"face", "face_alt", "face_lbp", "profile_face", "people"}) {
      auto found = Detect(testing::OpenCvSample(file), std::string("detect:model=") + model);
      EXPECT_TRUE(found.empty()) << model << " found " << found.size() << " in " << file;
    }
  }
}

}  // namespace
}  // namespace tessera::engine
