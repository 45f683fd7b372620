#include "engine/raster.h"

#include <cstdio>
#include <cstring>
#include <deque>
#include <mutex>
#include <unordered_map>

namespace tessera::engine {

namespace {

// Idle buffers, oldest first, and the capacity of every cached-size buffer handed out.
class RasterCache {
 public:
  uint8_t* Acquire(size_t bytes) {
    if (bytes >= kRasterCacheMinBytes) {
      std::lock_guard<std::mutex> lock(mu_);
      // The smallest idle buffer that fits and is at most twice the request, so a small raster
      // does not pin a huge buffer.
      auto best = idle_.end();
      for (auto it = idle_.begin(); it != idle_.end(); ++it) {
        if (it->capacity >= bytes && it->capacity / 2 <= bytes &&
            (best == idle_.end() || it->capacity < best->capacity)) {
          best = it;
        }
      }
      if (best != idle_.end()) {
        Block b = *best;
        idle_.erase(best);
        idle_bytes_ -= b.capacity;
        live_.emplace(b.p, b.capacity);
        return b.p;
      }
    }
    auto* p = static_cast<uint8_t*>(std::malloc(bytes == 0 ? 1 : bytes));
    if (p == nullptr) {
      std::fprintf(stderr, "tessera: out of memory allocating a %zu-byte raster\n", bytes);
      std::abort();
    }
    if (bytes >= kRasterCacheMinBytes) {
      std::lock_guard<std::mutex> lock(mu_);
      live_.emplace(p, bytes);
    }
    return p;
  }

  void Release(uint8_t* p) {
    if (p == nullptr) return;
    std::deque<Block> evicted;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = live_.find(p);
      if (it != live_.end()) {
        Block b{p, it->second};
        live_.erase(it);
        if (b.capacity <= limit_) {
          idle_.push_back(b);
          idle_bytes_ += b.capacity;
          p = nullptr;
          while (idle_bytes_ > limit_) {
            evicted.push_back(idle_.front());
            idle_bytes_ -= idle_.front().capacity;
            idle_.pop_front();
          }
        }
      }
    }
    std::free(p);
    for (const Block& b : evicted) std::free(b.p);
  }

  void SetLimit(size_t bytes) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      limit_ = bytes;
    }
    if (bytes == 0) Trim();
  }

  size_t Trim() {
    std::deque<Block> all;
    size_t freed = 0;
    {
      std::lock_guard<std::mutex> lock(mu_);
      all.swap(idle_);
      freed = idle_bytes_;
      idle_bytes_ = 0;
    }
    for (const Block& b : all) std::free(b.p);
    return freed;
  }

 private:
  struct Block {
    uint8_t* p;
    size_t capacity;
  };
  std::mutex mu_;
  std::deque<Block> idle_;
  size_t idle_bytes_ = 0;
  size_t limit_ = size_t{256} << 20;
  std::unordered_map<uint8_t*, size_t> live_;
};

RasterCache& Cache() {
  static auto* cache = new RasterCache;  // never destroyed: rasters may outlive static teardown
  return *cache;
}

Raster Make(int width, int height, int bands, int bits, bool has_alpha, bool zeroed) {
  Raster r;
  r.width = width;
  r.height = height;
  r.bands = bands;
  r.bits = bits;
  r.has_alpha = has_alpha;
  size_t n = r.size_bytes();
  r.data.reset(AcquireRasterMemory(n));
  if (zeroed) std::memset(r.data.get(), 0, n);
  return r;
}

}  // namespace

uint8_t* AcquireRasterMemory(size_t bytes) { return Cache().Acquire(bytes); }
void ReleaseRasterMemory(uint8_t* p) { Cache().Release(p); }
void SetRasterCacheLimit(size_t bytes) { Cache().SetLimit(bytes); }
size_t TrimRasterCache() { return Cache().Trim(); }

Raster Raster::Allocate(int width, int height, int bands, int bits, bool has_alpha) {
  return Make(width, height, bands, bits, has_alpha, /*zeroed=*/true);
}

Raster Raster::AllocateUninitialized(int width, int height, int bands, int bits, bool has_alpha) {
  return Make(width, height, bands, bits, has_alpha, /*zeroed=*/false);
}

Raster Raster::AllocateLike(const Raster& like) {
  return AllocateUninitialized(like.width, like.height, like.bands, like.bits, like.has_alpha);
}

}  // namespace tessera::engine
