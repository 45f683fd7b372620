// Reads full-width bands of rows from a lazy image strictly downwards, keeping the rows two
// consecutive requests share (the halo) in memory, so an image decoded with sequential access
// is read once, top to bottom, however much the bands overlap.
//
// Thread-compatible: one thread at a time.
#pragma once

#include "core/result.h"
#include "engine/image.h"
#include "engine/raster.h"

namespace tessera::engine {

class RowReader {
 public:
  explicit RowReader(Image image) : image_(std::move(image)) {}

  // Rows [y, y + height) at full width. The reference stays valid until the next Read.
  // Errors: kInternal if y is above an earlier request's y (the rows may be gone); decode
  // errors as vips::ReadRegion.
  Result<const Raster*> Read(int y, int height);

 private:
  Image image_;
  Raster rows_;  // rows [y_, y_ + rows_.height)
  int y_ = 0;
};

}  // namespace tessera::engine
