// Smart cropping around faces, shared by crop:gravity=faces and thumbnail:crop=faces.
#pragma once

#include "core/result.h"
#include "engine/image.h"

namespace tessera::engine::ops {

// The model smart cropping looks for.
inline constexpr const char* kFaceCropModel = "face";

// A w x h window of `in` (both at most its size) centred on the faces the "face" model finds:
// on the centre of the box enclosing them all, moved inside the image. Without faces, the
// centre of the image. Errors: the model's (kUnavailable when it cannot be loaded).
Result<Image> CropToFaces(const Image& in, int w, int h);

}  // namespace tessera::engine::ops
