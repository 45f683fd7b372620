// Whether an encoded image ends before its format's end marker, read from its structure alone.
//
// libvips notices a truncated file only when its decoder reaches the missing part, so a step
// that reads only the top of an image (a crop) would succeed on a cut file while a blur fails
// on it; and libvips 8.14's shrink-on-load ignores fail_on altogether. Checking the structure
// up front makes "truncated" one answer for every pipeline. libvips has no such check to call,
// hence this small walker over segment and chunk headers (never pixel data).
#pragma once

#include <cstdint>
#include <span>

#include "engine/image.h"

namespace tessera::engine {

// JPEG: no end-of-image marker (FF D9) after the first start-of-scan, or a segment that runs
// past the end. PNG: a chunk that runs past the end, or no IEND chunk. WebP: fewer bytes than
// the RIFF header declares. Other formats: false (left to the decoder's own checks).
bool IsTruncated(std::span<const uint8_t> bytes, Format format);

}  // namespace tessera::engine
