#include "engine/tiling/strip_image.h"

#include <algorithm>
#include <cstring>
#include <map>

#include "engine/vips/vips_adapter.h"

namespace tessera::engine {

void StripErrors::Record(const Error& e) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!first_) first_ = e;
}

std::optional<Error> StripErrors::First() const {
  std::lock_guard<std::mutex> lock(mu_);
  return first_;
}

namespace {

class StripCache {
 public:
  StripCache(const TilePlan& plan, Raster first, StripLoader loader, int keep_rows,
             std::shared_ptr<StripErrors> errors)
      : plan_(plan), loader_(std::move(loader)), keep_rows_(keep_rows), errors_(errors) {
    strips_[0] = std::make_shared<const Raster>(std::move(first));
    next_row_ = 1;
  }

  Status Fetch(int x, int y, int w, int h, uint8_t* dst, size_t stride) {
    int ts = plan_.tile_size();
    auto strips = Acquire(y / ts, (y + h - 1) / ts, y + h);
    if (!strips) {
      errors_->Record(strips.error());
      return strips.error();
    }
    for (size_t k = 0; k < strips->size(); ++k) {
      int row = y / ts + static_cast<int>(k);
      const Raster& s = *(*strips)[k];
      int from = std::max(y, row * ts);
      int to = std::min(y + h, row * ts + s.height);
      size_t pixel = static_cast<size_t>(s.bands) * s.bytes_per_sample();
      for (int j = from; j < to; ++j) {
        std::memcpy(dst + (j - y) * stride, s.data.get() + (j - row * ts) * s.stride() + x * pixel,
                    static_cast<size_t>(w) * pixel);
      }
    }
    return OkStatus();
  }

 private:
  // Strips first_row..last_row, loading (in order) any not loaded yet. Strips entirely more
  // than keep_rows_ pixel rows above the lowest row requested so far are dropped: readers move
  // down the image, and libvips' threads are never that far apart.
  Result<std::vector<std::shared_ptr<const Raster>>> Acquire(int first_row, int last_row,
                                                             int end_y) {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<std::shared_ptr<const Raster>> out;
    for (int row = first_row; row <= last_row; ++row) {
      auto it = strips_.find(row);
      if (it == strips_.end()) {
        if (row < next_row_) {
          return MakeError(ErrorCode::kInternal,
                           "tile row " + std::to_string(row) + " read again after it was dropped");
        }
        for (; next_row_ <= row; ++next_row_) {
          auto strip = loader_(next_row_);
          if (!strip) return strip.error();
          strips_[next_row_] = std::make_shared<const Raster>(std::move(*strip));
        }
        it = strips_.find(row);
      }
      out.push_back(it->second);
    }
    lowest_end_ = std::max(lowest_end_, end_y);
    int ts = plan_.tile_size();
    while (!strips_.empty() && (strips_.begin()->first + 1) * ts <= lowest_end_ - keep_rows_) {
      strips_.erase(strips_.begin());
    }
    return out;
  }

  const TilePlan plan_;
  StripLoader loader_;
  const int keep_rows_;
  std::shared_ptr<StripErrors> errors_;
  std::mutex mu_;
  std::map<int, std::shared_ptr<const Raster>> strips_;  // GUARDED_BY(mu_)
  int next_row_ = 0;                                     // GUARDED_BY(mu_)
  int lowest_end_ = 0;  // GUARDED_BY(mu_): the largest end row any request has reached
};

}  // namespace

StripImage MakeStripImage(const TilePlan& plan, Raster first, StripLoader loader) {
  auto errors = std::make_shared<StripErrors>();
  int bands = first.bands;
  int bits = first.bits;
  bool alpha = first.has_alpha;
  // One tile row above the one being read, and at least 256 pixel rows: libvips' encoder
  // threads work on neighbouring bands of a few dozen rows.
  int keep_rows = std::max(plan.tile_size(), 256);
  auto cache =
      std::make_shared<StripCache>(plan, std::move(first), std::move(loader), keep_rows, errors);
  Image image =
      vips::FromRegionFetch(plan.image_width(), plan.image_height(), bands, bits, alpha,
                            [cache](int x, int y, int w, int h, uint8_t* dst, size_t stride) {
                              return cache->Fetch(x, y, w, h, dst, stride);
                            });
  return StripImage{std::move(image), std::move(errors)};
}

}  // namespace tessera::engine
