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
  StripCache(const TilePlan& plan, Raster first, StripLoader loader, int max_strips,
             std::shared_ptr<StripErrors> errors)
      : plan_(plan), loader_(std::move(loader)), max_strips_(max_strips), errors_(errors) {
    strips_[0] = std::make_shared<const Raster>(std::move(first));
    next_row_ = 1;
  }

  Status Fetch(int x, int y, int w, int h, uint8_t* dst, size_t stride) {
    int ts = plan_.tile_size();
    for (int row = y / ts; row * ts < y + h; ++row) {
      auto strip = Get(row);
      if (!strip) {
        errors_->Record(strip.error());
        return strip.error();
      }
      const Raster& s = **strip;
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
  Result<std::shared_ptr<const Raster>> Get(int row) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = strips_.find(row);
    if (it != strips_.end()) return it->second;
    if (row < next_row_) {
      return MakeError(ErrorCode::kInternal,
                       "tile row " + std::to_string(row) + " read again after it was dropped");
    }
    std::shared_ptr<const Raster> last;
    for (; next_row_ <= row; ++next_row_) {
      auto strip = loader_(next_row_);
      if (!strip) return strip.error();
      last = std::make_shared<const Raster>(std::move(*strip));
      strips_[next_row_] = last;
      while (static_cast<int>(strips_.size()) > max_strips_) strips_.erase(strips_.begin());
    }
    return last;
  }

  const TilePlan plan_;
  StripLoader loader_;
  const int max_strips_;
  std::shared_ptr<StripErrors> errors_;
  std::mutex mu_;
  std::map<int, std::shared_ptr<const Raster>> strips_;  // GUARDED_BY(mu_)
  int next_row_ = 0;                                     // GUARDED_BY(mu_)
};

}  // namespace

StripImage MakeStripImage(const TilePlan& plan, Raster first, StripLoader loader, int max_strips) {
  auto errors = std::make_shared<StripErrors>();
  int bands = first.bands;
  int bits = first.bits;
  bool alpha = first.has_alpha;
  auto cache = std::make_shared<StripCache>(plan, std::move(first), std::move(loader),
                                            std::max(1, max_strips), errors);
  Image image =
      vips::FromRegionFetch(plan.image_width(), plan.image_height(), bands, bits, alpha,
                            [cache](int x, int y, int w, int h, uint8_t* dst, size_t stride) {
                              return cache->Fetch(x, y, w, h, dst, stride);
                            });
  return StripImage{std::move(image), std::move(errors)};
}

}  // namespace tessera::engine
