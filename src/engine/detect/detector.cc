#include "engine/detect/detector.h"

#include <cctype>

namespace tessera::engine::detect {

std::string_view ModelKindName(ModelKind kind) {
  switch (kind) {
    case ModelKind::kCascade: return "cascade";
    case ModelKind::kHog: return "hog";
    case ModelKind::kYoloV5: return "yolov5";
    case ModelKind::kYoloV8: return "yolov8";
  }
  return "cascade";
}

bool ClassAllowed(const std::string& label, const std::vector<std::string>& filter) {
  if (filter.empty()) return true;
  for (const std::string& want : filter) {
    if (want.size() != label.size()) continue;
    bool same = true;
    for (size_t i = 0; i < want.size() && same; ++i) {
      char w = want[i] == '_' ? ' ' : want[i];
      char l = label[i] == '_' ? ' ' : label[i];
      same = std::tolower(static_cast<unsigned char>(w)) ==
             std::tolower(static_cast<unsigned char>(l));
    }
    if (same) return true;
  }
  return false;
}

}  // namespace tessera::engine::detect
