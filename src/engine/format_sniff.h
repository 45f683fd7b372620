// Identifies an encoded image's format from its first bytes (magic numbers), never from a
// file name or a client's Content-Type. Only formats tessera decodes are recognised: SVG, PDF
// and anything ImageMagick would take are deliberately refused (large attack surface).
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "engine/image.h"

namespace tessera::engine {

// The format whose signature starts `bytes`, or nullopt if none matches.
std::optional<Format> SniffFormat(std::span<const uint8_t> bytes);

}  // namespace tessera::engine
