// thumbnail's mapping onto libvips' thumbnail options, shared with the shrink-on-load path.
#pragma once

#include "engine/op_spec.h"
#include "engine/vips/vips_adapter.h"

namespace tessera::engine::ops {

vips::ThumbnailOptions ThumbnailOptionsFrom(const Args& args);

// crop=faces: libvips has no face strategy, so the thumbnail is made in two steps. First the
// image is scaled to cover the box (aspect kept; not enlarged unless enlarge=true), then the
// box is cut around the faces found (face_crop.h).
bool CropsToFaces(const Args& args);
// The first step's options for an image of width x height (as displayed).
vips::ThumbnailOptions CoverOptions(const Args& args, int width, int height);
// The second step, on the covering image.
Result<Image> CutAroundFaces(const Image& covered, const Args& args);

}  // namespace tessera::engine::ops
