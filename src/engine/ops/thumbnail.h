// thumbnail's mapping onto libvips' thumbnail options, shared with the shrink-on-load path.
#pragma once

#include "engine/op_spec.h"
#include "engine/vips/vips_adapter.h"

namespace tessera::engine::ops {

vips::ThumbnailOptions ThumbnailOptionsFrom(const Args& args);

}  // namespace tessera::engine::ops
