#include "engine/tiling/raw_tile.h"

#include <cstring>

namespace tessera::engine {
namespace {

constexpr char kMagic[4] = {'T', 'S', 'R', '1'};
constexpr size_t kHeaderBytes = 24;

void PutU32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

uint32_t GetU32(const uint8_t* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(p[i]) << (8 * i);
  return v;
}

}  // namespace

std::vector<uint8_t> EncodeRawTile(const Raster& raster) {
  std::vector<uint8_t> out(kHeaderBytes + raster.size_bytes());
  std::memcpy(out.data(), kMagic, 4);
  PutU32(out.data() + 4, static_cast<uint32_t>(raster.width));
  PutU32(out.data() + 8, static_cast<uint32_t>(raster.height));
  PutU32(out.data() + 12, static_cast<uint32_t>(raster.bands));
  PutU32(out.data() + 16, static_cast<uint32_t>(raster.bits));
  PutU32(out.data() + 20, raster.has_alpha ? 1u : 0u);
  if (raster.size_bytes() > 0) {
    std::memcpy(out.data() + kHeaderBytes, raster.data.get(), raster.size_bytes());
  }
  return out;
}

Result<Raster> DecodeRawTile(std::span<const uint8_t> bytes) {
  if (bytes.size() < kHeaderBytes || std::memcmp(bytes.data(), kMagic, 4) != 0) {
    return MakeError(ErrorCode::kCorruptImage, "not a tessera tile (bad header)", "tile");
  }
  uint32_t width = GetU32(bytes.data() + 4);
  uint32_t height = GetU32(bytes.data() + 8);
  uint32_t bands = GetU32(bytes.data() + 12);
  uint32_t bits = GetU32(bytes.data() + 16);
  uint32_t flags = GetU32(bytes.data() + 20);
  bool shape_ok = width >= 1 && height >= 1 && width < (1u << 30) && height < (1u << 30) &&
                  bands >= 1 && bands <= 4 && (bits == 8 || bits == 16) && flags <= 1;
  uint64_t pixel_bytes = static_cast<uint64_t>(width) * height * bands * (bits / 8);
  if (!shape_ok || bytes.size() != kHeaderBytes + pixel_bytes) {
    return MakeError(ErrorCode::kCorruptImage, "not a tessera tile (bad shape or size)", "tile");
  }
  Raster r =
      Raster::AllocateUninitialized(static_cast<int>(width), static_cast<int>(height),
                                    static_cast<int>(bands), static_cast<int>(bits), flags == 1);
  std::memcpy(r.data.get(), bytes.data() + kHeaderBytes, pixel_bytes);
  return r;
}

}  // namespace tessera::engine
