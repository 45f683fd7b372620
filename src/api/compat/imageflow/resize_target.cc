#include "api/compat/imageflow/resize_target.h"

namespace tessera::api::compat::imageflow {

TargetSize ResizeTarget(int ow, int oh, int target_width, int target_height, bool keep_aspect) {
  if (!keep_aspect || ow <= 0 || oh <= 0 || target_height <= 0) {
    return {target_width, target_height};
  }
  const double aspect_ratio = static_cast<double>(ow) / oh;
  if (static_cast<double>(target_width) / target_height > aspect_ratio) {
    return {static_cast<int>(target_height * aspect_ratio), target_height};
  }
  return {target_width, static_cast<int>(target_width / aspect_ratio)};
}

}  // namespace tessera::api::compat::imageflow
