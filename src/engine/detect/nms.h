// Greedy non-maximum suppression, per class: the rule every detector's output goes through.
#pragma once

#include <vector>

#include "engine/detect/detection.h"

namespace tessera::engine::detect {

// Intersection over union of two boxes (0 when either is empty).
double IoU(const Detection& a, const Detection& b);

// Sorts `in` by confidence (best first; ties keep their order), then keeps a box unless a kept
// box of the same class_id overlaps it with IoU > `threshold`; stops after `max` boxes.
std::vector<Detection> SuppressOverlaps(std::vector<Detection> in, double threshold, int max);

}  // namespace tessera::engine::detect
