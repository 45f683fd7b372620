// Loaders of each model kind. Each returns a ready Detector or kUnavailable naming the model
// (file missing or unreadable, not a model of that kind, network output not of its layout).
#pragma once

#include <memory>

#include "core/result.h"
#include "engine/detect/detector.h"

namespace tessera::engine::detect {

// An OpenCV Haar or LBP cascade (XML) from info.file; one class, info.classes[0].
Result<std::unique_ptr<Detector>> LoadCascade(ModelInfo info);

// OpenCV's built-in HOG + linear SVM people detector (64x128 window); class "person".
Result<std::unique_ptr<Detector>> LoadHogPeople(ModelInfo info);

// A YOLO network (ONNX) from info.file, decoded by info.kind (kYoloV5 or kYoloV8). The model is
// run once on a blank input at load, so a network whose output does not have the declared
// layout is refused here rather than on the first image.
Result<std::unique_ptr<Detector>> LoadYolo(ModelInfo info);

}  // namespace tessera::engine::detect
