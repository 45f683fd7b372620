// engine::Raster: an image's pixels fully in memory, row-major and interleaved, owned.
//
// The bridge between libvips (lazy, streaming) and the kernels that need whole rows and
// random access (OpenCV filters, hand-written loops). Sample type is uint8_t (bits == 8) or
// uint16_t (bits == 16). Rows are packed: stride == width * bands * bits / 8.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>

namespace tessera::engine {

struct Raster {
  struct FreeDeleter {
    void operator()(uint8_t* p) const { std::free(p); }
  };

  int width = 0;
  int height = 0;
  int bands = 0;
  int bits = 8;
  bool has_alpha = false;  // the last band is alpha
  std::unique_ptr<uint8_t, FreeDeleter> data;

  size_t bytes_per_sample() const { return bits == 16 ? 2 : 1; }
  size_t stride() const { return static_cast<size_t>(width) * bands * bytes_per_sample(); }
  size_t size_bytes() const { return stride() * static_cast<size_t>(height); }

  // A zero-filled raster of the given shape. Aborts if memory cannot be allocated.
  static Raster Allocate(int width, int height, int bands, int bits, bool has_alpha);
  // The same with unspecified pixels, for outputs a kernel writes in full: zero-filling a large
  // buffer costs a pass over it (and faults in every page) only for the kernel to overwrite it.
  static Raster AllocateUninitialized(int width, int height, int bands, int bits, bool has_alpha);
  // Uninitialized, same shape as `like`.
  static Raster AllocateLike(const Raster& like);
};

}  // namespace tessera::engine
