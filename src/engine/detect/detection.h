// What a detection step finds: one labelled box per object, in the pixel coordinates of the image
// as it entered the step that found it. Plain data, free of OpenCV, so that engine::ProcessResult
// and everything above the engine can carry detections without seeing the detectors.
#pragma once

#include <string>
#include <vector>

namespace tessera::engine::detect {

struct Detection {
  std::string model;     // the model name the step asked for ("face", "people", "yolo", ...)
  std::string label;     // class name ("face", "person", "car", ...)
  int class_id = 0;      // index in the model's class list (0 for single-class models)
  float confidence = 0;  // 0..1; see docs/ARCHITECTURE.md for what it means per model kind
  float x = 0;           // left edge, pixels
  float y = 0;           // top edge, pixels
  float width = 0;       // pixels
  float height = 0;      // pixels
  int step = 0;          // index of the pipeline step that found it (0 = first)
  int image_width = 0;   // size of the image the box refers to (the step's input)
  int image_height = 0;
};

// Where a detection step's time went (summed over steps in engine::ProcessResult).
struct DetectTimes {
  double inference_ms = 0;  // running the model
  double nms_ms = 0;        // decoding its output, thresholds and non-maximum suppression
};

// What the detection steps of one run found, and where their time went.
struct Findings {
  std::vector<Detection> detections;
  DetectTimes times;
};

}  // namespace tessera::engine::detect
