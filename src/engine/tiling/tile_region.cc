#include "engine/tiling/tile_region.h"

#include <cstdlib>
#include <cstring>

#include "engine/process_steps.h"

namespace tessera::engine {

Raster CropRaster(const Raster& src, const Rect& rect) {
  if (rect.x < 0 || rect.y < 0 || rect.x + rect.width > src.width ||
      rect.y + rect.height > src.height) {
    std::abort();  // a plan bug, never input-dependent
  }
  Raster out =
      Raster::AllocateUninitialized(rect.width, rect.height, src.bands, src.bits, src.has_alpha);
  size_t pixel = static_cast<size_t>(src.bands) * src.bytes_per_sample();
  size_t row = static_cast<size_t>(rect.width) * pixel;
  for (int j = 0; j < rect.height; ++j) {
    const uint8_t* from = src.data.get() + (rect.y + j) * src.stride() + rect.x * pixel;
    std::memcpy(out.data.get() + j * out.stride(), from, row);
  }
  return out;
}

void PasteRaster(const Raster& src, Raster& dst, int x, int y) {
  PasteRaster(src, Rect{0, 0, src.width, src.height}, dst, x, y);
}

void PasteRaster(const Raster& src, const Rect& from, Raster& dst, int x, int y) {
  if (src.bands != dst.bands || src.bits != dst.bits || x < 0 || y < 0 || from.x < 0 ||
      from.y < 0 || from.x + from.width > src.width || from.y + from.height > src.height ||
      x + from.width > dst.width || y + from.height > dst.height) {
    std::abort();
  }
  size_t pixel = static_cast<size_t>(dst.bands) * dst.bytes_per_sample();
  size_t row = static_cast<size_t>(from.width) * pixel;
  for (int j = 0; j < from.height; ++j) {
    std::memcpy(dst.data.get() + (y + j) * dst.stride() + x * pixel,
                src.data.get() + (from.y + j) * src.stride() + from.x * pixel, row);
  }
}

Rect OutRectWithin(const Tile& tile) {
  return Rect{tile.out.x - tile.in.x, tile.out.y - tile.in.y, tile.out.width, tile.out.height};
}

Result<Raster> ProcessTile(Raster input, const Tile& tile, const Pipeline& local,
                           const Limits& limits) {
  Raster processed;
  Status ok = ProcessTileInput(std::move(input), tile, local, limits, &processed);
  if (!ok) return ok.error();
  if (tile.in == tile.out) return processed;
  return CropRaster(processed, OutRectWithin(tile));
}

Status ProcessTileInput(Raster input, const Tile& tile, const Pipeline& local, const Limits& limits,
                        Raster* processed) {
  if (input.width != tile.in.width || input.height != tile.in.height) {
    return MakeError(ErrorCode::kBadRequest,
                     "tile " + std::to_string(tile.index) + " input is " +
                         std::to_string(input.width) + "x" + std::to_string(input.height) +
                         ", the plan says " + std::to_string(tile.in.width) + "x" +
                         std::to_string(tile.in.height),
                     "tile");
  }
  size_t next = 0;
  auto out = RunInMemory(std::move(input), local.steps, &next, limits);
  if (!out) return out.error();
  if (next != local.steps.size() || out->width != tile.in.width || out->height != tile.in.height) {
    return MakeError(ErrorCode::kInternal, "a local step changed the tile's geometry", "tile");
  }
  *processed = std::move(*out);
  return OkStatus();
}

}  // namespace tessera::engine
