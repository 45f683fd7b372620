// The detector seam: one interface over the model kinds tessera runs (OpenCV cascades, OpenCV's
// HOG people detector, YOLO networks through OpenCV DNN). Internal to the engine: ops reach
// detectors through model_registry.h, callers outside the engine see only detection.h.
#pragma once

#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "core/result.h"
#include "engine/detect/detection.h"

namespace tessera::engine::detect {

enum class ModelKind { kCascade, kHog, kYoloV5, kYoloV8 };

std::string_view ModelKindName(ModelKind kind);  // "cascade", "hog", "yolov5", "yolov8"

// What a model is and where it came from.
struct ModelInfo {
  std::string name;  // the name pipelines use
  ModelKind kind = ModelKind::kCascade;
  std::string file;                  // absolute path; empty for the built-in HOG detector
  std::string version;               // from the manifest, or the file name for built-ins
  std::vector<std::string> classes;  // class names by id
  int input_size = 640;              // YOLO only: the square network input, pixels
};

struct DetectOptions {
  float confidence = 0.25f;          // keep detections scoring at least this
  float nms = 0.45f;                 // suppress boxes overlapping a better one by more IoU
  int max = 100;                     // keep at most this many, best first
  std::vector<std::string> classes;  // keep only these class names (empty: all)
};

// A loaded model. Thread-safety: Detect may be called concurrently; implementations keep one
// OpenCV instance per concurrent caller (cv::CascadeClassifier and cv::dnn::Net are not safe to
// share between threads), loaded from the same file on demand and reused.
class Detector {
 public:
  virtual ~Detector() = default;
  const ModelInfo& info() const { return info_; }

  // Finds objects in `bgr` (8-bit, 3 channels, BGR order as OpenCV's models expect). Boxes are
  // clipped to the image, sorted by confidence (best first), at most options.max. With
  // `timings`, sets where the time went (cascades and HOG group inside the model: nms_ms 0).
  // Errors: kUnavailable naming the model when a network's output does not have its layout.
  virtual Result<std::vector<Detection>> Detect(const cv::Mat& bgr, const DetectOptions& options,
                                                DetectTimes* timings = nullptr) = 0;

 protected:
  explicit Detector(ModelInfo info) : info_(std::move(info)) {}

 private:
  ModelInfo info_;
};

// True when `label` passes the class filter (empty filter: everything). Names compare without
// case, and '_' in the filter matches a space in the label ("traffic_light").
bool ClassAllowed(const std::string& label, const std::vector<std::string>& filter);

}  // namespace tessera::engine::detect
