// The models a process can detect with, found once and loaded once per process.
//
// Built-in names (files from Debian's opencv-data, found in the configured models directory
// first, then in the package's directories):
//   face          haarcascade_frontalface_default.xml   class "face"
//   face_alt      haarcascade_frontalface_alt2.xml      class "face"
//   face_lbp      lbpcascade_frontalface_improved.xml   class "face"
//   profile_face  haarcascade_profileface.xml           class "face"
//   eye           haarcascade_eye.xml                   class "eye"
//   full_body     haarcascade_fullbody.xml              class "person"
//   upper_body    haarcascade_upperbody.xml             class "upper_body"
//   people        OpenCV's built-in HOG people detector class "person" (no file)
// User models: `<models dir>/<name>.json`, a manifest naming an ONNX YOLO network:
//   {"type": "yolov5" | "yolov8", "file": "net.onnx", "classes": "coco.names",
//    "input_size": 640, "version": "..."}
// (`file` and `classes` relative to the manifest; `classes` is one name per line, optional;
// `input_size` defaults to 640; `version` to the file name).
//
// Thread-safety: every function may be called from any thread. FindModel loads a model on its
// first use and keeps it for the life of the process (ConfigureModels forgets them).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "engine/detect/detection.h"

namespace tessera::engine::detect {

class Detector;
struct ModelInfo;

struct ModelsConfig {
  // Searched first, and the home of user manifests; empty: none.
  std::string models_dir;
  // Where Debian's opencv-data installs the cascades.
  std::vector<std::string> system_dirs = {"/usr/share/opencv4/haarcascades",
                                          "/usr/share/opencv4/lbpcascades"};
};

// Sets where models are found and forgets every loaded model. kNotFound (field "models_dir")
// when models_dir is given but is not a readable directory.
Status ConfigureModels(const ModelsConfig& config);

// The model called `name`, loaded on first use. Errors: kBadRequest (field "detect.model") for
// a name that is neither built in nor a manifest in the models directory, listing the available
// ones; kUnavailable naming the model when its file is missing, cannot be loaded, or its
// network's output is not the declared layout.
Result<std::shared_ptr<Detector>> FindModel(std::string_view name);

// The names of the models whose files are present (not loaded, so a present file may still
// fail to load), built-ins first.
std::vector<std::string> AvailableModels();

// The name, kind and version of a model, loading it. Errors as FindModel.
struct ModelSummary {
  std::string name;
  std::string kind;
  std::string version;
};
Result<ModelSummary> DescribeModel(std::string_view name);

}  // namespace tessera::engine::detect
