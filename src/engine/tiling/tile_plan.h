// The tile plan: how an image is cut into tiles so that a local pipeline (see
// pipeline_split.h) can run on each tile alone and the tiles put back together are exactly the
// whole-image result.
//
// Tiles form a grid of `tile_size` squares from the top-left corner; the last column and row
// are clipped to the image. Each tile's input is its output rectangle grown by the pipeline's
// halo on every side and clipped to the image: the halo comes from real neighbouring pixels,
// and where it is clipped (at the image border) the ops extend the border themselves exactly
// as they do on the whole image (replicate / clamp-to-edge), because there the tile's input
// border *is* the image border.
//
// Why that is exact: an op of halo h computes each output pixel from the input pixels at most
// h away, so on a tile input, output pixels at least h from every cut edge see exactly what they
// see in the whole image. A chain of ops with halos h1..hn keeps exact pixels at least
// h1+...+hn from a cut edge, which the plan's halo (their sum) guarantees for the tile's own
// rectangle.
#pragma once

#include <cstdint>
#include <vector>

#include "core/result.h"

namespace tessera::engine {

struct Rect {
  int x = 0;
  int y = 0;
  int width = 0;
  int height = 0;

  int64_t area() const { return static_cast<int64_t>(width) * height; }
  bool operator==(const Rect&) const = default;
};

struct Tile {
  int index = 0;  // row * columns + column: the order tiles are assembled in
  int column = 0;
  int row = 0;
  Rect out;  // the pixels this tile produces
  Rect in;   // the pixels it reads: `out` grown by the halo, clipped to the image
};

// Default tile edge in pixels: big enough that a halo of 15 (blur sigma=5) costs ~6% extra
// reads, small enough that a row of tiles of a 20000-pixel-wide RGB image is ~60 MB.
inline constexpr int kDefaultTileSize = 1024;

// Images wider than this get half the default tile edge when the size is automatic: a row of
// 1024-pixel tiles of a 25600-pixel-wide image peaked at 522 MB, 512-pixel tiles at 367 MB
// (bench/RESULTS.md, "Tiled processing").
inline constexpr int kWideImageWidth = 16384;

// The tile edge to use for an image `width` pixels wide: `requested` when it is positive, else
// (automatic) kDefaultTileSize, or half of it above kWideImageWidth.
int TileSizeFor(int width, int requested);

class TilePlan {
 public:
  TilePlan() = default;

  int image_width() const { return width_; }
  int image_height() const { return height_; }
  int tile_size() const { return tile_size_; }
  int halo() const { return halo_; }
  int columns() const { return columns_; }
  int rows() const { return rows_; }
  int count() const { return columns_ * rows_; }

  // REQUIRES: 0 <= index < count().
  Tile At(int index) const;
  // The output rows [y, y + height) covered by tile row `row`. REQUIRES: 0 <= row < rows().
  Rect RowRect(int row) const;
  // The input rows tile row `row` reads (RowRect grown by the halo, clipped).
  Rect RowInputRect(int row) const;

  bool operator==(const TilePlan&) const = default;

 private:
  friend Result<TilePlan> PlanTiles(int width, int height, int tile_size, int halo);
  int width_ = 0;
  int height_ = 0;
  int tile_size_ = 0;
  int halo_ = 0;
  int columns_ = 0;
  int rows_ = 0;
};

// Plans tiles for a width x height image. Errors: kBadRequest if a dimension or tile_size is
// below 1 or halo is negative (a global op: not tileable).
Result<TilePlan> PlanTiles(int width, int height, int tile_size, int halo);

}  // namespace tessera::engine
