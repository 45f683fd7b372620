// The geometry of resize:w,h,fit: computed once from the source size, shared by the
// shrink-on-load path (runner) and the in-pipeline path (resize.cc).
#pragma once

#include "engine/colour.h"
#include "engine/op_spec.h"
#include "engine/vips/vips_adapter.h"

namespace tessera::engine::ops {

struct ResizePlan {
  int scaled_width = 0;  // size after scaling (aspect kept unless fit=fill)
  int scaled_height = 0;
  int crop_width = 0;  // fit=cover: centre crop to this (0 = no crop)
  int crop_height = 0;
  int canvas_width = 0;  // fit=contain: letterbox onto this canvas (0 = none)
  int canvas_height = 0;
  Colour background;
  vips::Kernel kernel = vips::Kernel::kLanczos3;
  bool identity = false;  // nothing to do (already the size, or would enlarge with enlarge=false)
};

ResizePlan PlanResize(const Args& args, int src_width, int src_height);

// Applies the crop/letterbox part of a plan to an image already scaled to scaled_*.
Result<Image> FinishResize(const Image& scaled, const ResizePlan& plan);

}  // namespace tessera::engine::ops
