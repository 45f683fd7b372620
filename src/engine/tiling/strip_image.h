// A lazy image made of a tile plan's rows of tiles ("strips"), produced on demand by a loader
// (computed from the input, or read back from stored tiles) and handed to whoever reads the
// image (normally a streaming encoder) without the whole image ever being in memory.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "core/result.h"
#include "engine/image.h"
#include "engine/raster.h"
#include "engine/tiling/tile_plan.h"

namespace tessera::engine {

// Full-width pixels of plan.RowRect(row).
using StripLoader = std::function<Result<Raster>(int row)>;

// The first error a loader returned (libvips only sees "the read failed").
class StripErrors {
 public:
  void Record(const Error& e);
  std::optional<Error> First() const;

 private:
  mutable std::mutex mu_;
  std::optional<Error> first_;
};

struct StripImage {
  Image image;
  std::shared_ptr<StripErrors> errors;
};

// The image of plan's size. Rows are loaded in increasing order only (a request for row r first
// loads every unloaded row above it), each once; so the loader may read its own input strictly
// downwards. Strips lying more than max(tile size, 256) pixel rows above the furthest row read
// so far are dropped, so a top-to-bottom reader (an encoder, ToRaster) holds about two rows of
// tiles. `first` (row 0, already loaded) gives the bands and depth. Reading rows above the kept
// strips fails (kInternal in errors).
StripImage MakeStripImage(const TilePlan& plan, Raster first, StripLoader loader);

}  // namespace tessera::engine
