// Pixels of one tile: cutting rectangles out of rasters, pasting them back, and running the
// local part of a pipeline on a tile's input.
#pragma once

#include "core/result.h"
#include "engine/engine.h"
#include "engine/raster.h"
#include "engine/tiling/tile_plan.h"

namespace tessera::engine {

// A copy of `rect` of `src`. REQUIRES: rect lies inside src.
Raster CropRaster(const Raster& src, const Rect& rect);

// Copies all of `src` into `dst` with its top-left corner at (x, y).
// REQUIRES: it fits, and both have the same bands and bits.
void PasteRaster(const Raster& src, Raster& dst, int x, int y);
// The same for the part `from` of `src`.
void PasteRaster(const Raster& src, const Rect& from, Raster& dst, int x, int y);

// Runs `local` on `input` (the pixels of tile.in) and leaves the whole processed tile.in in
// *processed; its part at OutRectWithin(tile) is exactly the whole-image result.
Status ProcessTileInput(Raster input, const Tile& tile, const Pipeline& local, const Limits& limits,
                        Raster* processed);
// tile.out relative to tile.in.
Rect OutRectWithin(const Tile& tile);

// Runs `local` (tileable steps only; see pipeline_split.h) on `input`, the pixels of tile.in,
// and returns the pixels of tile.out: exactly what the whole-image run gives there.
// Errors: those of the ops; kBadRequest if `input` is not tile.in's size.
Result<Raster> ProcessTile(Raster input, const Tile& tile, const Pipeline& local,
                           const Limits& limits);

}  // namespace tessera::engine
