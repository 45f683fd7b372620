#include "engine/raster.h"

#include <cstdio>

namespace tessera::engine {

namespace {

Raster Make(int width, int height, int bands, int bits, bool has_alpha, bool zeroed) {
  Raster r;
  r.width = width;
  r.height = height;
  r.bands = bands;
  r.bits = bits;
  r.has_alpha = has_alpha;
  size_t n = r.size_bytes();
  if (n == 0) n = 1;
  auto* p = static_cast<uint8_t*>(zeroed ? std::calloc(n, 1) : std::malloc(n));
  if (p == nullptr) {
    std::fprintf(stderr, "tessera: out of memory allocating a %zu-byte raster\n", n);
    std::abort();
  }
  r.data.reset(p);
  return r;
}

}  // namespace

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
