#include "engine/raster.h"

#include <cstdio>

namespace tessera::engine {

Raster Raster::Allocate(int width, int height, int bands, int bits, bool has_alpha) {
  Raster r;
  r.width = width;
  r.height = height;
  r.bands = bands;
  r.bits = bits;
  r.has_alpha = has_alpha;
  size_t n = r.size_bytes();
  auto* p = static_cast<uint8_t*>(std::calloc(n ? n : 1, 1));
  if (p == nullptr) {
    std::fprintf(stderr, "tessera: out of memory allocating a %zu-byte raster\n", n);
    std::abort();
  }
  r.data.reset(p);
  return r;
}

}  // namespace tessera::engine
