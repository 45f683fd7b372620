// Draws detection boxes and their labels onto pixels in memory (detect:draw=true).
#pragma once

#include <vector>

#include "engine/detect/detection.h"
#include "engine/raster.h"

namespace tessera::engine::ops {

// Draws each box's outline (2 px, more on large images) and "label 0.87" above it (inside
// when the box touches the top edge), coloured by class id. Works on every depth and band
// count; drawn pixels are opaque.
void DrawBoxes(Raster& raster, const std::vector<detect::Detection>& detections);

}  // namespace tessera::engine::ops
