// YOLO decoding and NMS, exactly: tiny ONNX networks built in the test with Debian's python3-onnx
// output known constant boxes in the v5 and v8 layouts; tessera must decode them through OpenCV
// DNN, undo the letterbox, apply the thresholds and per-class NMS and return exactly the expected
// boxes. Also the typed errors for unloadable files, wrong layouts and missing directories.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "engine/detect/model_registry.h"
#include "engine/engine.h"
#include "support/detect_testing.h"
#include "support/image_testing.h"
#include "support/temp_dir.h"

namespace tessera::engine {
namespace {

namespace fs = std::filesystem;

// Boxes in network input pixels (64x64). The image is 128x64, so the letterbox scales by 1/2
// and pads 16 rows above: image x = cx_net * 2, image y = (cy_net - 16) * 2.
// Per box: cx, cy, w, h, objectness, score(cat), score(dog).
const std::vector<std::vector<float>> kBoxesV5 = {
    {32, 32, 16, 8, 0.9f, 0.8f, 0.1f},  // cat 0.72: kept
    {33, 32, 16, 8, 0.9f, 0.5f, 0.1f},  // cat 0.45, IoU 0.88 with the first: suppressed
    {33, 32, 16, 8, 0.9f, 0.1f, 0.6f},  // dog 0.54 at the same place: kept (NMS is per class)
    {10, 20, 4, 4, 0.2f, 0.9f, 0.1f},   // cat 0.18: under the threshold
    {50, 40, 8, 8, 1.0f, 0.3f, 0.3f},   // cat 0.30 (a tie goes to the first class): kept
};

std::string BoxesJson(bool v8) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& b : kBoxesV5) {
    if (v8) {
      // No objectness in v8: the class scores are the products.
      list.push_back({b[0], b[1], b[2], b[3], b[4] * b[5], b[4] * b[6]});
    } else {
      list.push_back(b);
    }
  }
  return list.dump();
}

class DetectYoloTest : public ::testing::Test {
 protected:
  void SetUp() override { testing::InitEngineForTests(); }
  void TearDown() override { (void)detect::ConfigureModels({}); }

  // Writes <name>.onnx built by make_yolo_onnx.py, and a manifest declaring `declared`.
  void AddModel(const std::string& name, const std::string& built_layout,
                const std::string& declared, const std::string& boxes_json,
                bool with_names = true) {
    fs::path onnx = dir_.path() / (name + ".onnx");
    testing::RunPythonScript("make_yolo_onnx.py", {onnx.string(), built_layout, "64", boxes_json});
    nlohmann::json manifest = {
        {"type", declared}, {"file", name + ".onnx"}, {"input_size", 64}, {"version", "test-1"}};
    if (with_names) {
      std::ofstream(dir_.path() / "pets.names") << "cat\ndog\n";
      manifest["classes"] = "pets.names";
    }
    std::ofstream(dir_.path() / (name + ".json")) << manifest.dump();
  }

  Result<ProcessResult> Run(const std::string& pipeline) {
    detect::ModelsConfig config;
    config.models_dir = dir_.path().string();
    EXPECT_TRUE(detect::ConfigureModels(config).has_value());
    cv::Mat image(64, 128, CV_8UC3, cv::Scalar(40, 90, 160));
    auto png = testing::EncodeWithOpenCv(image, ".png");
    return Process(png, testing::MustParsePipeline(pipeline));
  }

  testing::TempDir dir_;
};

void ExpectBox(const detect::Detection& d, const std::string& label, int class_id, float confidence,
               float x, float y, float w, float h) {
  EXPECT_EQ(d.label, label);
  EXPECT_EQ(d.class_id, class_id);
  EXPECT_FLOAT_EQ(d.confidence, confidence);
  EXPECT_FLOAT_EQ(d.x, x);
  EXPECT_FLOAT_EQ(d.y, y);
  EXPECT_FLOAT_EQ(d.width, w);
  EXPECT_FLOAT_EQ(d.height, h);
}

void ExpectTheKeptBoxes(const std::vector<detect::Detection>& found) {
  ASSERT_EQ(found.size(), 3u);
  ExpectBox(found[0], "cat", 0, 0.9f * 0.8f, 48, 24, 32, 16);
  ExpectBox(found[1], "dog", 1, 0.9f * 0.6f, 50, 24, 32, 16);
  ExpectBox(found[2], "cat", 0, 1.0f * 0.3f, 92, 40, 16, 16);
}

TEST_F(DetectYoloTest, DecodesV5Exactly) {
  AddModel("tiny5", "yolov5", "yolov5", BoxesJson(false));
  auto r = Run("detect:model=tiny5,confidence=0.25,nms=0.45");
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  ExpectTheKeptBoxes(r->detections);
  EXPECT_EQ(r->detections[0].model, "tiny5");
}

TEST_F(DetectYoloTest, DecodesV8Exactly) {
  AddModel("tiny8", "yolov8", "yolov8", BoxesJson(true));
  auto r = Run("detect:model=tiny8,confidence=0.25,nms=0.45");
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  ExpectTheKeptBoxes(r->detections);
}

TEST_F(DetectYoloTest, ThresholdsClassFilterAndMax) {
  AddModel("tiny5", "yolov5", "yolov5", BoxesJson(false));
  auto strict = Run("detect:model=tiny5,confidence=0.5");
  ASSERT_TRUE(strict.has_value());
  EXPECT_EQ(strict->detections.size(), 2u);  // 0.72 and 0.54
  auto dogs = Run("detect:model=tiny5,classes=dog");
  ASSERT_TRUE(dogs.has_value());
  ASSERT_EQ(dogs->detections.size(), 1u);
  EXPECT_EQ(dogs->detections[0].label, "dog");
  auto one = Run("detect:model=tiny5,max=1");
  ASSERT_TRUE(one.has_value());
  ASSERT_EQ(one->detections.size(), 1u);
  EXPECT_FLOAT_EQ(one->detections[0].confidence, 0.9f * 0.8f);
  // NMS off (threshold 1): the overlapping cat comes back.
  auto all = Run("detect:model=tiny5,nms=1");
  ASSERT_TRUE(all.has_value());
  EXPECT_EQ(all->detections.size(), 4u);
}

TEST_F(DetectYoloTest, DrawMarksTheBoxesOnly) {
  AddModel("tiny5", "yolov5", "yolov5", BoxesJson(false));
  auto plain = Run("detect:model=tiny5;format:type=png");
  auto drawn = Run("detect:model=tiny5,draw=true;format:type=png");
  ASSERT_TRUE(plain.has_value() && drawn.has_value());
  cv::Mat a = testing::DecodeWithOpenCv(plain->bytes);
  cv::Mat b = testing::DecodeWithOpenCv(drawn->bytes);
  EXPECT_GT(testing::MaxAbsDiff(a, b), 0);
  // The box outline of the first cat (48,24 .. 79,39) is drawn; the far corner is untouched.
  EXPECT_TRUE(a.at<cv::Vec3b>(24, 60) != b.at<cv::Vec3b>(24, 60));
  EXPECT_TRUE(a.at<cv::Vec3b>(2, 2) == b.at<cv::Vec3b>(2, 2));
  EXPECT_EQ(drawn->detections.size(), 3u);
}

TEST_F(DetectYoloTest, WrongLayoutIsATypedErrorNamingTheModel) {
  // A v8 network declared as v5: its [1, 6, 5] output does not have 5 + 2 values per box.
  AddModel("mixed", "yolov8", "yolov5", BoxesJson(true));
  auto r = Run("detect:model=mixed");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(r.error().field, "detect.model");
  EXPECT_NE(r.error().message.find("model 'mixed'"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("yolov5 layout"), std::string::npos) << r.error().message;
  // A 4-dimensional output is no YOLO layout at all.
  AddModel("flat", "flat", "yolov8", BoxesJson(true), /*with_names=*/false);
  auto flat = Run("detect:model=flat");
  ASSERT_FALSE(flat.has_value());
  EXPECT_EQ(flat.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(flat.error().message.find("model 'flat'"), std::string::npos);
}

TEST_F(DetectYoloTest, UnloadableFilesAreTypedErrors) {
  std::ofstream(dir_.path() / "junk.onnx") << "this is not a protobuf";
  std::ofstream(dir_.path() / "junk.json") << R"({"type":"yolov8","file":"junk.onnx"})";
  auto junk = Run("detect:model=junk");
  ASSERT_FALSE(junk.has_value());
  EXPECT_EQ(junk.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(junk.error().message.find("model 'junk'"), std::string::npos) << junk.error().message;

  std::ofstream(dir_.path() / "gone.json") << R"({"type":"yolov5","file":"gone.onnx"})";
  auto gone = Run("detect:model=gone");
  ASSERT_FALSE(gone.has_value());
  EXPECT_EQ(gone.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(gone.error().message.find("does not exist"), std::string::npos);

  std::ofstream(dir_.path() / "odd.json") << R"({"type":"ssd","file":"x.onnx"})";
  auto odd = Run("detect:model=odd");
  ASSERT_FALSE(odd.has_value());
  EXPECT_EQ(odd.error().code, ErrorCode::kUnavailable);

  // A cascade file that is not a cascade, shadowing opencv-data's.
  std::ofstream(dir_.path() / "haarcascade_frontalface_default.xml") << "<opencv_storage/>";
  auto face = Run("detect:model=face");
  ASSERT_FALSE(face.has_value());
  EXPECT_EQ(face.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(face.error().message.find("model 'face'"), std::string::npos);

  auto unknown = Run("detect:model=no_such_model");
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(unknown.error().code, ErrorCode::kBadRequest);
  EXPECT_NE(unknown.error().message.find("available: face"), std::string::npos);
}

TEST_F(DetectYoloTest, MissingModelsDirectoryIsATypedError) {
  detect::ModelsConfig config;
  config.models_dir = (dir_.path() / "absent").string();
  auto s = detect::ConfigureModels(config);
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(s.error().field, "models_dir");
  // Without opencv-data's directories a cascade is unavailable, with a message saying so.
  detect::ModelsConfig bare;
  bare.system_dirs = {(dir_.path() / "absent").string()};
  ASSERT_TRUE(detect::ConfigureModels(bare).has_value());
  auto face = detect::FindModel("face");
  ASSERT_FALSE(face.has_value());
  EXPECT_EQ(face.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(face.error().message.find("opencv-data"), std::string::npos);
  // HOG is built into OpenCV: still there.
  EXPECT_TRUE(detect::FindModel("people").has_value());
}

}  // namespace
}  // namespace tessera::engine
