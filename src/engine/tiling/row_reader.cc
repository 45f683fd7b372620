#include "engine/tiling/row_reader.h"

#include <algorithm>
#include <cstring>

#include "engine/vips/vips_adapter.h"

namespace tessera::engine {

Result<const Raster*> RowReader::Read(int y, int height) {
  if (y < y_) {
    return MakeError(ErrorCode::kInternal, "rows read out of order: " + std::to_string(y) +
                                               " after " + std::to_string(y_));
  }
  int have_end = rows_.data ? y_ + rows_.height : 0;
  int end = y + height;
  int keep_from = std::max(y, y_);
  int keep_to = std::min(end, have_end);
  Raster next = Raster::AllocateUninitialized(image_.width(), height, image_.bands(), image_.bits(),
                                              image_.has_alpha());
  if (keep_to > keep_from) {
    std::memcpy(next.data.get() + (keep_from - y) * next.stride(),
                rows_.data.get() + (keep_from - y_) * rows_.stride(),
                (keep_to - keep_from) * next.stride());
  }
  int read_from = std::max(y, keep_to > keep_from ? keep_to : y);
  rows_ = Raster();  // the overlap is copied: free the old rows before decoding new ones
  if (read_from < end) {
    Status ok =
        vips::ReadRegionInto(image_, 0, read_from, image_.width(), end - read_from,
                             next.data.get() + (read_from - y) * next.stride(), next.stride());
    if (!ok) return ok.error();
  }
  rows_ = std::move(next);
  y_ = y;
  return &rows_;
}

}  // namespace tessera::engine
