#include "engine/detect/yolo_decode.h"

#include <algorithm>
#include <cmath>

#include "engine/detect/nms.h"

namespace tessera::engine::detect {
namespace {

std::string ShapeText(const cv::Mat& m) {
  std::string s = "[";
  for (int i = 0; i < m.dims; ++i) {
    if (i) s += ",";
    s += std::to_string(m.size[i]);
  }
  return s + "]";
}

std::string LayoutText(ModelKind kind) {
  return kind == ModelKind::kYoloV5 ? "[1, boxes, 5 + classes]" : "[1, 4 + classes, boxes]";
}

}  // namespace

Letterbox FitLetterbox(int width, int height, int size) {
  Letterbox l;
  l.image_width = width;
  l.image_height = height;
  l.scale = std::min(static_cast<double>(size) / width, static_cast<double>(size) / height);
  int w = static_cast<int>(std::lround(width * l.scale));
  int h = static_cast<int>(std::lround(height * l.scale));
  l.pad_x = (size - w) / 2;
  l.pad_y = (size - h) / 2;
  return l;
}

Status CheckYoloLayout(const cv::Mat& output, const ModelInfo& info) {
  const bool v5 = info.kind == ModelKind::kYoloV5;
  bool ok = output.dims == 3 && output.size[0] == 1 && output.type() == CV_32F;
  int per_box = ok ? output.size[v5 ? 2 : 1] : 0;
  int classes = per_box - (v5 ? 5 : 4);
  ok = ok && classes >= 1;
  if (ok && !info.classes.empty()) ok = classes == static_cast<int>(info.classes.size());
  if (ok) return OkStatus();
  std::string expected = LayoutText(info.kind);
  if (!info.classes.empty()) {
    expected += " with " + std::to_string(info.classes.size()) + " classes";
  }
  return MakeError(ErrorCode::kUnavailable,
                   "model '" + info.name + "': the network's output " + ShapeText(output) +
                       " is not the " + std::string(ModelKindName(info.kind)) + " layout " +
                       expected,
                   "detect.model");
}

Result<std::vector<Detection>> DecodeYolo(const cv::Mat& output, const ModelInfo& info,
                                          const Letterbox& lb, const DetectOptions& options) {
  Status layout = CheckYoloLayout(output, info);
  if (!layout) return layout.error();
  const bool v5 = info.kind == ModelKind::kYoloV5;
  const int boxes = output.size[v5 ? 1 : 2];
  const int per_box = output.size[v5 ? 2 : 1];
  const int classes = per_box - (v5 ? 5 : 4);
  const float* data = output.ptr<float>();
  // Element k of box i, in either layout.
  auto at = [&](int i, int k) {
    return v5 ? data[static_cast<size_t>(i) * per_box + k]
              : data[static_cast<size_t>(k) * boxes + i];
  };
  const int first_class = v5 ? 5 : 4;
  std::vector<Detection> found;
  for (int i = 0; i < boxes; ++i) {
    float objectness = v5 ? at(i, 4) : 1.0f;
    if (v5 && objectness < options.confidence) continue;
    int best = 0;
    float best_score = at(i, first_class);
    for (int c = 1; c < classes; ++c) {
      float s = at(i, first_class + c);
      if (s > best_score) {
        best_score = s;
        best = c;
      }
    }
    float score = objectness * best_score;
    if (!(score >= options.confidence)) continue;  // also drops NaN
    std::string label = best < static_cast<int>(info.classes.size())
                            ? info.classes[best]
                            : "class" + std::to_string(best);
    if (!ClassAllowed(label, options.classes)) continue;
    double cx = at(i, 0), cy = at(i, 1), w = at(i, 2), h = at(i, 3);
    double x1 = (cx - w / 2 - lb.pad_x) / lb.scale;
    double y1 = (cy - h / 2 - lb.pad_y) / lb.scale;
    double x2 = (cx + w / 2 - lb.pad_x) / lb.scale;
    double y2 = (cy + h / 2 - lb.pad_y) / lb.scale;
    x1 = std::clamp(x1, 0.0, static_cast<double>(lb.image_width));
    x2 = std::clamp(x2, 0.0, static_cast<double>(lb.image_width));
    y1 = std::clamp(y1, 0.0, static_cast<double>(lb.image_height));
    y2 = std::clamp(y2, 0.0, static_cast<double>(lb.image_height));
    if (x2 <= x1 || y2 <= y1) continue;
    Detection d;
    d.model = info.name;
    d.label = std::move(label);
    d.class_id = best;
    d.confidence = score;
    d.x = static_cast<float>(x1);
    d.y = static_cast<float>(y1);
    d.width = static_cast<float>(x2 - x1);
    d.height = static_cast<float>(y2 - y1);
    found.push_back(std::move(d));
  }
  return SuppressOverlaps(std::move(found), options.nms, options.max);
}

}  // namespace tessera::engine::detect
