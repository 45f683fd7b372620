#include "engine/format_sniff.h"

#include <cstring>
#include <string_view>

namespace tessera::engine {
namespace {

bool StartsWith(std::span<const uint8_t> b, size_t offset, std::string_view magic) {
  return b.size() >= offset + magic.size() &&
         std::memcmp(b.data() + offset, magic.data(), magic.size()) == 0;
}

// ISO-BMFF (HEIF/AVIF): "ftyp" at offset 4, then a major brand and compatible brands.
std::optional<Format> SniffIsoBmff(std::span<const uint8_t> b) {
  if (!StartsWith(b, 4, "ftyp") || b.size() < 16) return std::nullopt;
  uint32_t box = (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | b[3];
  size_t end = std::min<size_t>(b.size(), box < 16 ? 16 : box);
  bool heif = false;
  for (size_t off = 8; off + 4 <= end; off += 4) {
    if (off == 12) continue;  // minor version, not a brand
    std::string_view brand(reinterpret_cast<const char*>(b.data() + off), 4);
    if (brand == "avif" || brand == "avis") return Format::kAvif;
    if (brand == "heic" || brand == "heix" || brand == "mif1" || brand == "msf1" ||
        brand == "heim" || brand == "heis" || brand == "hevc") {
      heif = true;
    }
  }
  if (heif) return Format::kHeif;
  return std::nullopt;
}

}  // namespace

std::optional<Format> SniffFormat(std::span<const uint8_t> b) {
  if (StartsWith(b, 0, "\xFF\xD8\xFF")) return Format::kJpeg;
  if (StartsWith(b, 0, "\x89PNG\r\n\x1A\n")) return Format::kPng;
  if (StartsWith(b, 0, "RIFF") && StartsWith(b, 8, "WEBP")) return Format::kWebp;
  if (StartsWith(b, 0, "GIF87a") || StartsWith(b, 0, "GIF89a")) return Format::kGif;
  if (StartsWith(b, 0, std::string_view("II*\0", 4)) ||
      StartsWith(b, 0, std::string_view("MM\0*", 4)) ||
      StartsWith(b, 0, std::string_view("II+\0", 4)) ||  // BigTIFF
      StartsWith(b, 0, std::string_view("MM\0+", 4))) {
    return Format::kTiff;
  }
  return SniffIsoBmff(b);
}

}  // namespace tessera::engine
