// Decoding of YOLO network outputs into boxes in image pixels. Two layouts:
//   yolov5: [1, N, 5 + C]  each row cx, cy, w, h, objectness, C class scores;
//           score = objectness x best class score;
//   yolov8: [1, 4 + C, N]  each column cx, cy, w, h, C class scores; score = best class score.
// Coordinates are in network input pixels of the letterboxed image and are mapped back through
// the letterbox (scale, then padding) and clipped to the image.
#pragma once

#include <opencv2/core.hpp>
#include <vector>

#include "core/result.h"
#include "engine/detect/detector.h"

namespace tessera::engine::detect {

// How an image was fitted into the square network input: scaled by `scale` (aspect kept) and
// placed at pad_x, pad_y on a grey canvas.
struct Letterbox {
  double scale = 1;
  int pad_x = 0;
  int pad_y = 0;
  int image_width = 0;
  int image_height = 0;
};

// The letterbox of a width x height image in a size x size input.
Letterbox FitLetterbox(int width, int height, int size);

// kUnavailable naming the model when `output`'s shape is not `info.kind`'s layout (or its class
// count differs from info.classes when names were given).
Status CheckYoloLayout(const cv::Mat& output, const ModelInfo& info);

// Boxes above options.confidence, of allowed classes, after per-class NMS, best first, at most
// options.max. Labels come from info.classes ("class<id>" past its end).
Result<std::vector<Detection>> DecodeYolo(const cv::Mat& output, const ModelInfo& info,
                                          const Letterbox& letterbox, const DetectOptions& options);

}  // namespace tessera::engine::detect
