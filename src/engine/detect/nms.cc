#include "engine/detect/nms.h"

#include <algorithm>

namespace tessera::engine::detect {

double IoU(const Detection& a, const Detection& b) {
  double ix = std::max(0.0, std::min<double>(a.x + a.width, b.x + b.width) - std::max(a.x, b.x));
  double iy = std::max(0.0, std::min<double>(a.y + a.height, b.y + b.height) - std::max(a.y, b.y));
  double inter = ix * iy;
  double uni =
      static_cast<double>(a.width) * a.height + static_cast<double>(b.width) * b.height - inter;
  return uni > 0 ? inter / uni : 0;
}

std::vector<Detection> SuppressOverlaps(std::vector<Detection> in, double threshold, int max) {
  std::stable_sort(in.begin(), in.end(), [](const Detection& a, const Detection& b) {
    return a.confidence > b.confidence;
  });
  std::vector<Detection> kept;
  for (Detection& d : in) {
    if (static_cast<int>(kept.size()) >= max) break;
    bool suppressed = std::any_of(kept.begin(), kept.end(), [&](const Detection& k) {
      return k.class_id == d.class_id && IoU(k, d) > threshold;
    });
    if (!suppressed) kept.push_back(std::move(d));
  }
  return kept;
}

}  // namespace tessera::engine::detect
