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

// Raster memory. Buffers of at least kRasterCacheMinBytes are kept when released (up to the
// cache limit) and handed out again, so that the next image of a similar size writes into pages
// that are already mapped: a freshly mapped 60 MB buffer (a 20 MP RGB raster) costs ~15,000
// page faults, which on a virtual machine take longer than the blur that fills it
// (bench/RESULTS.md, 2026-12-02). Smaller buffers go straight to malloc/free.
// Thread-safety: all four functions may be called from any thread.
inline constexpr size_t kRasterCacheMinBytes = size_t{1} << 20;

// At least `bytes` of uninitialised memory; aborts if it cannot be allocated.
uint8_t* AcquireRasterMemory(size_t bytes);
// Gives back memory from AcquireRasterMemory (nullptr is ignored): kept for reuse while the cache
// is under its limit (the oldest buffers are freed first), otherwise freed.
void ReleaseRasterMemory(uint8_t* p);
// The most idle memory kept for reuse, in bytes (default 256 MiB; 0 disables the cache and frees
// what it held).
void SetRasterCacheLimit(size_t bytes);
// Frees every idle buffer; returns how many bytes were freed. For callers that go idle.
size_t TrimRasterCache();

struct Raster {
  struct FreeDeleter {
    void operator()(uint8_t* p) const { ReleaseRasterMemory(p); }
  };

  int width = 0;
  int height = 0;
  int bands = 0;
  int bits = 8;
  bool has_alpha = false;  // the last band is alpha
  // From AcquireRasterMemory (or malloc: ReleaseRasterMemory frees memory it did not hand out).
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
