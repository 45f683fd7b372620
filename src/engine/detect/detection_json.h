// The JSON shape of detections, the same on every front end (HTTP, job results, CLI):
// [{"model","label","class_id","confidence","box":{"x","y","width","height"},"step",
//   "image":{"width","height"}}, ...]; box values are pixels of the step's input image.
#pragma once

#include <string>
#include <vector>

#include "core/result.h"
#include "engine/detect/detection.h"

namespace tessera::engine::detect {

std::string DetectionsToJson(const std::vector<Detection>& detections, int indent = -1);

// The inverse; kBadRequest when `json` is not that shape.
Result<std::vector<Detection>> DetectionsFromJson(std::string_view json);

}  // namespace tessera::engine::detect
