// The detection ops as pipeline steps: parsing of model and class names, the `detect`
// capability they (and crop:gravity=faces, thumbnail:crop=faces) need, redaction of the detected
// faces only, and smart crops centred on the face, on a real photograph.
#include <gtest/gtest.h>

#include "engine/detect/model_registry.h"
#include "engine/engine.h"
#include "engine/op_registry.h"
#include "support/detect_testing.h"
#include "support/image_testing.h"

namespace tessera::engine {
namespace {

class DetectOpsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::InitEngineForTests();
    ASSERT_TRUE(detect::ConfigureModels({}).has_value());
    messi_ = testing::ReadFileBytes(testing::OpenCvSample("messi5.jpg"));
  }
  ProcessResult Run(const std::string& pipeline) {
    auto r = Process(messi_, testing::MustParsePipeline(pipeline));
    EXPECT_TRUE(r.has_value()) << pipeline << ": " << (r ? "" : r.error().ToString());
    return r ? std::move(*r) : ProcessResult{};
  }
  std::vector<uint8_t> messi_;
};

// Messi's face as the face model finds it (detect_photos_test labels it by hand).
constexpr int kFaceX = 227, kFaceY = 94, kFaceSize = 37;

TEST(DetectOpsParseTest, ModelAndClassNames) {
  auto p = ParsePipeline("detect:model=people,classes=person|traffic_light,max=5,draw=true");
  ASSERT_TRUE(p.has_value()) << p.error().ToString();
  EXPECT_EQ(p->ToText(), "detect:model=people,max=5,classes=person|traffic_light,draw=true");
  auto json = ParsePipeline(R"([{"op":"redact","model":"face_alt","mode":"blur"}])");
  ASSERT_TRUE(json.has_value());
  EXPECT_EQ(json->ToText(), "redact:model=face_alt,mode=blur");
  for (const char* bad : {"detect:model=../etc", "detect:model=a b", "detect:classes=|cat",
                          "detect:confidence=2", "redact:mode=erase"}) {
    auto r = ParsePipeline(bad);
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kBadPipeline) << bad;
  }
}

TEST(DetectOpsParseTest, CapabilitiesAreDeclared) {
  auto cap = [](const std::string& text) {
    auto p = ParsePipeline(text);
    EXPECT_TRUE(p.has_value()) << text;
    return std::string(CapabilityOf(*p->steps[0].op, p->steps[0].args));
  };
  EXPECT_EQ(cap("detect"), "detect");
  EXPECT_EQ(cap("redact"), "detect");
  EXPECT_EQ(cap("crop:w=10,h=10,gravity=faces"), "detect");
  EXPECT_EQ(cap("crop:w=10,h=10,gravity=centre"), "core");
  EXPECT_EQ(cap("thumbnail:w=10,crop=faces"), "detect");
  EXPECT_EQ(cap("thumbnail:w=10,crop=attention"), "core");
  const std::string listing = OpsAsJson();
  EXPECT_NE(listing.find("\"name\": \"detect\""), std::string::npos);
  EXPECT_NE(listing.find("\"capability\": \"detect\""), std::string::npos);
}

TEST_F(DetectOpsTest, RedactChangesTheFaceAndNothingFarFromIt) {
  cv::Mat original = testing::DecodeWithOpenCv(Run("format:type=png").bytes);
  for (const char* mode : {"pixelate", "blur"}) {
    ProcessResult r = Run(std::string("redact:model=face,mode=") + mode + ";format:type=png");
    ASSERT_EQ(r.detections.size(), 1u) << mode;
    cv::Mat out = testing::DecodeWithOpenCv(r.bytes);
    cv::Rect face(kFaceX, kFaceY, kFaceSize, kFaceSize);
    // The face is unrecognisable: far from the original there.
    EXPECT_GT(testing::MaxAbsDiff(original(face), out(face)), 40) << mode;
    // Outside the box grown by 10% (and a pixel of rounding) nothing changed.
    cv::Rect grown(kFaceX - 5, kFaceY - 5, kFaceSize + 10, kFaceSize + 10);
    cv::Mat mask(original.size(), CV_8U, cv::Scalar(255));
    mask(grown).setTo(0);
    cv::Mat diff;
    cv::absdiff(original, out, diff);
    std::vector<cv::Mat> bands;
    cv::split(diff, bands);
    cv::Mat largest = cv::max(cv::max(bands[0], bands[1]), bands[2]);
    double worst = 0;
    cv::minMaxLoc(largest, nullptr, &worst, nullptr, nullptr, mask);
    EXPECT_EQ(worst, 0) << mode;
  }
}

TEST_F(DetectOpsTest, CropGravityFacesCentresTheWindowOnTheFace) {
  ProcessResult faces = Run("crop:w=100,h=100,gravity=faces;format:type=png");
  EXPECT_EQ(faces.width, 100);
  EXPECT_EQ(faces.height, 100);
  // The face's centre (245.5, 112.5) minus half the window, rounded half away from zero.
  ProcessResult placed = Run("crop:x=196,y=63,w=100,h=100;format:type=png");
  EXPECT_EQ(testing::MaxAbsDiff(testing::DecodeWithOpenCv(faces.bytes),
                                testing::DecodeWithOpenCv(placed.bytes)),
            0);
  // Near an edge the window stays inside the image.
  ProcessResult wide = Run("crop:w=500,h=300,gravity=faces");
  EXPECT_EQ(wide.width, 500);
  EXPECT_EQ(wide.height, 300);
}

TEST_F(DetectOpsTest, ThumbnailCropFacesKeepsTheFaceInTheBox) {
  ProcessResult thumb = Run("thumbnail:w=300,h=300,crop=faces;detect:model=face");
  EXPECT_EQ(thumb.width, 300);
  EXPECT_EQ(thumb.height, 300);
  // The covering image is 481x300 with the face's centre near x = 215; a centred crop would
  // start at 90 (the face at 125), the face crop starts at 65: the face is in the middle.
  ASSERT_EQ(thumb.detections.size(), 1u);
  const auto& f = thumb.detections[0];
  EXPECT_NEAR(f.x + f.width / 2, 150, 6);
}

TEST_F(DetectOpsTest, DetectionsKeepStepOrder) {
  ProcessResult r = Run("detect:model=face;resize:w=274;detect:model=face_alt");
  ASSERT_GE(r.detections.size(), 1u);
  EXPECT_EQ(r.detections.front().step, 0);
  EXPECT_EQ(r.detections.front().image_width, 548);
  for (size_t i = 1; i < r.detections.size(); ++i) {
    EXPECT_GE(r.detections[i].step, r.detections[i - 1].step);
  }
}

}  // namespace
}  // namespace tessera::engine
