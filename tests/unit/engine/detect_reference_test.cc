// tessera's detections equal OpenCV's own Python binding run directly on the same model file and
// photograph (tests/python/detect_reference.py, Debian's python3-opencv): the same boxes, each
// within one pixel.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "engine/detect/model_registry.h"
#include "engine/engine.h"
#include "support/detect_testing.h"
#include "support/image_testing.h"
#include "support/temp_dir.h"

namespace tessera::engine {
namespace {

using testing::Box;

struct Model {
  const char* name;  // tessera's
  const char* file;  // opencv-data's; empty for HOG
};

constexpr Model kModels[] = {
    {"face", "/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml"},
    {"face_alt", "/usr/share/opencv4/haarcascades/haarcascade_frontalface_alt2.xml"},
    {"face_lbp", "/usr/share/opencv4/lbpcascades/lbpcascade_frontalface_improved.xml"},
    {"profile_face", "/usr/share/opencv4/haarcascades/haarcascade_profileface.xml"},
    {"eye", "/usr/share/opencv4/haarcascades/haarcascade_eye.xml"},
    {"full_body", "/usr/share/opencv4/haarcascades/haarcascade_fullbody.xml"},
    {"upper_body", "/usr/share/opencv4/haarcascades/haarcascade_upperbody.xml"},
    {"people", ""},
};

std::vector<Box> Reference(const Model& m, const std::filesystem::path& image) {
  std::vector<std::string> args;
  if (*m.file != '\0') {
    args = {"cascade", m.file, image.string()};
  } else {
    args = {"hog", image.string()};
  }
  auto j =
      nlohmann::json::parse(testing::RunPythonScript("detect_reference.py", args), nullptr, false);
  std::vector<Box> boxes;
  if (!j.is_array()) {
    ADD_FAILURE() << "detect_reference.py printed no JSON list";
    return boxes;
  }
  for (const auto& b : j) {
    boxes.push_back(
        {b[0].get<double>(), b[1].get<double>(), b[2].get<double>(), b[3].get<double>()});
  }
  return boxes;
}

bool Within1px(const Box& a, const Box& b) {
  return std::abs(a.x - b.x) <= 1 && std::abs(a.y - b.y) <= 1 && std::abs(a.width - b.width) <= 1 &&
         std::abs(a.height - b.height) <= 1;
}

TEST(DetectReferenceTest, SameBoxesAsOpenCvPythonOnTheSameModel) {
  testing::InitEngineForTests();
  ASSERT_TRUE(detect::ConfigureModels({}).has_value());
  testing::TempDir dir;
  const std::filesystem::path images[] = {testing::OpenCvSample("messi5.jpg"),
                                          testing::OpenCvSample("basketball1.png"),
                                          testing::VtestFrame(dir.path())};
  int compared = 0;
  for (const Model& m : kModels) {
    for (const auto& image : images) {
      auto bytes = testing::ReadFileBytes(image);
      auto result = Process(
          bytes, testing::MustParsePipeline(std::string("detect:model=") + m.name + ",max=1000"));
      ASSERT_TRUE(result.has_value()) << result.error().ToString();
      std::vector<Box> expected = Reference(m, image);
      ASSERT_EQ(result->detections.size(), expected.size()) << m.name << " on " << image;
      for (const Box& e : expected) {
        bool matched = false;
        for (const auto& d : result->detections) matched |= Within1px(testing::BoxOf(d), e);
        EXPECT_TRUE(matched) << m.name << " on " << image << ": no box near " << e.x << "," << e.y
                             << " " << e.width << "x" << e.height;
      }
      compared += static_cast<int>(expected.size());
    }
  }
  // The comparison is only worth something if the models found things.
  EXPECT_GE(compared, 6);
}

}  // namespace
}  // namespace tessera::engine
