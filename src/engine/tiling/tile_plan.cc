#include "engine/tiling/tile_plan.h"

#include <algorithm>
#include <string>

namespace tessera::engine {
namespace {

// [start - halo, start + length + halo) clipped to [0, limit).
void Grow(int start, int length, int halo, int limit, int* out_start, int* out_length) {
  int64_t lo = std::max<int64_t>(0, static_cast<int64_t>(start) - halo);
  int64_t hi = std::min<int64_t>(limit, static_cast<int64_t>(start) + length + halo);
  *out_start = static_cast<int>(lo);
  *out_length = static_cast<int>(hi - lo);
}

}  // namespace

Result<TilePlan> PlanTiles(int width, int height, int tile_size, int halo) {
  if (width < 1 || height < 1) {
    return MakeError(
        ErrorCode::kBadRequest,
        "cannot tile a " + std::to_string(width) + "x" + std::to_string(height) + " image",
        "image");
  }
  if (tile_size < 1) {
    return MakeError(ErrorCode::kBadRequest,
                     "tile size " + std::to_string(tile_size) + " must be at least 1", "tile_size");
  }
  if (halo < 0) {
    return MakeError(ErrorCode::kBadRequest, "a global operation cannot be tiled", "pipeline");
  }
  TilePlan plan;
  plan.width_ = width;
  plan.height_ = height;
  plan.tile_size_ = tile_size;
  plan.halo_ = halo;
  plan.columns_ = static_cast<int>((static_cast<int64_t>(width) + tile_size - 1) / tile_size);
  plan.rows_ = static_cast<int>((static_cast<int64_t>(height) + tile_size - 1) / tile_size);
  return plan;
}

Rect TilePlan::RowRect(int row) const {
  int y = row * tile_size_;
  return Rect{0, y, width_, std::min(tile_size_, height_ - y)};
}

Rect TilePlan::RowInputRect(int row) const {
  Rect out = RowRect(row);
  Rect in{0, 0, width_, 0};
  Grow(out.y, out.height, halo_, height_, &in.y, &in.height);
  return in;
}

Tile TilePlan::At(int index) const {
  Tile t;
  t.index = index;
  t.row = index / columns_;
  t.column = index % columns_;
  int x = t.column * tile_size_;
  int y = t.row * tile_size_;
  t.out = Rect{x, y, std::min(tile_size_, width_ - x), std::min(tile_size_, height_ - y)};
  Grow(t.out.x, t.out.width, halo_, width_, &t.in.x, &t.in.width);
  Grow(t.out.y, t.out.height, halo_, height_, &t.in.y, &t.in.height);
  return t;
}

int TileSizeFor(int width, int requested) {
  if (requested > 0) return requested;
  return width > kWideImageWidth ? kDefaultTileSize / 2 : kDefaultTileSize;
}

}  // namespace tessera::engine
