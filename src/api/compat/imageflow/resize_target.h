// The ImageFlowCanvas resize service's output size, reproduced exactly: Python float arithmetic
// and int() truncation of its aspect-ratio expression.
#pragma once

namespace tessera::api::compat::imageflow {

struct TargetSize {
  int width = 0;
  int height = 0;
};

// The output size for an ow x oh image and a target box: with keep_aspect, the box's limiting
// side and int() of the other (so 4000x2500 into 300x200 is 300x187, where rounding gives
// 300x188); otherwise the box itself. A side may come out 0 for a very thin image (the
// original then fails in cv2.resize).
TargetSize ResizeTarget(int ow, int oh, int target_width, int target_height, bool keep_aspect);

}  // namespace tessera::api::compat::imageflow
