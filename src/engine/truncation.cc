#include "engine/truncation.h"

#include <cstring>

namespace tessera::engine {
namespace {

uint32_t Be16(const uint8_t* p) { return (uint32_t{p[0]} << 8) | p[1]; }
uint32_t Be32(const uint8_t* p) { return (Be16(p) << 16) | Be16(p + 2); }
uint32_t Le32(const uint8_t* p) {
  return uint32_t{p[0]} | (uint32_t{p[1]} << 8) | (uint32_t{p[2]} << 16) | (uint32_t{p[3]} << 24);
}

bool JpegTruncated(std::span<const uint8_t> b) {
  size_t pos = 2;  // after SOI
  while (pos + 1 < b.size()) {
    if (b[pos] != 0xFF) return false;  // not a marker where one belongs: the decoder decides
    while (pos + 1 < b.size() && b[pos + 1] == 0xFF) ++pos;  // fill bytes
    if (pos + 1 >= b.size()) return true;
    const uint8_t marker = b[pos + 1];
    if (marker == 0xD9) return false;  // EOI
    if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
      pos += 2;
      continue;
    }
    if (pos + 4 > b.size()) return true;
    const size_t end = pos + 2 + Be16(&b[pos + 2]);
    if (end > b.size()) return true;
    if (marker == 0xDA) {
      // Entropy-coded data escapes every FF (FF 00, or FF D0..D7 restarts), so the first FF D9
      // after the scan header is the end of the image, in progressive files after every scan.
      static constexpr uint8_t kEoi[] = {0xFF, 0xD9};
      for (size_t i = end; i + 1 < b.size(); ++i) {
        if (std::memcmp(&b[i], kEoi, 2) == 0) return false;
      }
      return true;
    }
    pos = end;
  }
  return true;
}

bool PngTruncated(std::span<const uint8_t> b) {
  size_t pos = 8;  // after the signature
  while (pos + 8 <= b.size()) {
    const uint64_t length = Be32(&b[pos]);
    const uint64_t end = pos + 12 + length;  // length, type, data, CRC
    if (end > b.size()) return true;
    if (std::memcmp(&b[pos + 4], "IEND", 4) == 0) return false;
    pos = static_cast<size_t>(end);
  }
  return true;
}

bool WebpTruncated(std::span<const uint8_t> b) {
  return b.size() < 12 || uint64_t{Le32(&b[4])} + 8 > b.size();
}

}  // namespace

bool IsTruncated(std::span<const uint8_t> bytes, Format format) {
  switch (format) {
    case Format::kJpeg: return JpegTruncated(bytes);
    case Format::kPng: return PngTruncated(bytes);
    case Format::kWebp: return WebpTruncated(bytes);
    default: return false;
  }
}

}  // namespace tessera::engine
