// The tile blob format: a Raster's pixels, uncompressed, behind a 24-byte header.
//
//   offset 0   "TSR1"                      magic and format version
//   offset 4   uint32 width, height        little-endian
//   offset 12  uint32 bands                1..4
//   offset 16  uint32 bits                 8 or 16
//   offset 20  uint32 flags                bit 0: the last band is alpha
//   offset 24  pixels                      row-major, interleaved, packed rows; 16-bit samples
//                                          in the machine's byte order (little-endian on every
//                                          supported platform)
//
// Why not PNG/TIFF/.v: tiles are written once and read once, on the same kind of machine, and
// live only for the length of a job. Raw bytes cost a memcpy to write and to read (PNG at
// compression 0 still filters, CRCs and Adler-sums every row; TIFF and .v need libvips on both
// sides and a temporary file), and the size (w*h*bands bytes) is what any lossless format
// reaches on photographic noise anyway.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/result.h"
#include "engine/raster.h"

namespace tessera::engine {

std::vector<uint8_t> EncodeRawTile(const Raster& raster);

// Errors: kCorruptImage if the bytes are not a complete tile of this format.
Result<Raster> DecodeRawTile(std::span<const uint8_t> bytes);

}  // namespace tessera::engine
