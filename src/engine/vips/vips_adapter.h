// The engine's only door to libvips. Nothing else in tessera includes <vips/vips.h>.
//
// libvips has process-wide state: an error buffer shared by all threads (its text can be empty
// or another thread's under concurrency), an operation cache, and its own thread pool. So:
//  - every error code returned here is chosen from our own checks; libvips' text is attached
//    only as Error::detail and the buffer is cleared after each failure;
//  - Initialize() turns the operation cache off and sets libvips' thread count once.
//
// Images returned by DecodeBuffer/ThumbnailBuffer may read lazily from the encoded bytes.
// REQUIRES for both: the bytes outlive every Image derived from them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "core/result.h"
#include "engine/colour.h"
#include "engine/image.h"
#include "engine/raster.h"
#include "engine/stop_token.h"

namespace tessera::engine::vips {

// Starts libvips once per process. `threads_per_image` is libvips' worker-thread count for one
// pipeline (1 when tessera itself runs one image per core). Safe to call more than once; later
// calls only change the thread count. Returns kInternal if libvips cannot start.
Status Initialize(int threads_per_image);

// Reads the header of `bytes`, known to be `format`, without decoding pixels.
// Returns kCorruptImage if the header cannot be parsed.
Result<ImageInfo> ReadHeader(std::span<const uint8_t> bytes, Format format);

struct DecodeOptions {
  bool sequential = true;   // top-to-bottom streaming; false when a later step reads randomly
  bool auto_orient = true;  // apply the EXIF orientation and drop the tag
  FailOn fail_on = FailOn::kError;
};

// Decodes the first frame of `bytes` into the processing space: 8- or 16-bit sRGB or grey,
// with an optional alpha band (CMYK and other spaces are converted).
// Returns kCorruptImage when the header cannot be parsed.
Result<Image> DecodeBuffer(std::span<const uint8_t> bytes, Format format,
                           const DecodeOptions& options);

enum class Interesting { kNone, kCentre, kEntropy, kAttention };
enum class SizeMode { kBoth, kDown, kUp, kForce };
enum class Kernel { kNearest, kLinear, kCubic, kMitchell, kLanczos2, kLanczos3 };

struct ThumbnailOptions {
  int width = 1;
  int height = 1;
  SizeMode size = SizeMode::kBoth;
  Interesting crop = Interesting::kNone;
  bool auto_orient = true;
  FailOn fail_on = FailOn::kError;  // damaged input refused from this level on
};

// Decodes with shrink-on-load and resizes in one pass (libvips' thumbnail): the fast path when
// a pipeline starts by making the image smaller. Output is in the processing space.
Result<Image> ThumbnailBuffer(std::span<const uint8_t> bytes, const ThumbnailOptions& options);

// The same resize applied to an already-decoded image (no shrink-on-load).
Result<Image> ThumbnailImage(const Image& in, const ThumbnailOptions& options);

// Scales by hscale x vscale with `kernel`. Returns kInternal on libvips failure.
Result<Image> Resize(const Image& in, double hscale, double vscale, Kernel kernel);
// Resizes to exactly width x height (aspect not kept).
Result<Image> ResizeTo(const Image& in, int width, int height, Kernel kernel);
// The rectangle x,y,w,h, which must lie inside the image.
Result<Image> ExtractArea(const Image& in, int x, int y, int w, int h);
// A w x h window placed by libvips' smartcrop strategy.
Result<Image> SmartCrop(const Image& in, int w, int h, Interesting strategy);
// Places `in` at x,y on a w x h canvas filled with `background`.
Result<Image> Embed(const Image& in, int x, int y, int w, int h, Colour background);
// Rotates clockwise by quarter_turns * 90 degrees (exact, no resampling).
Result<Image> RotateQuarterTurns(const Image& in, int quarter_turns);
// Rotates clockwise by any angle in degrees, filling uncovered corners with `background`.
Result<Image> RotateAnyAngle(const Image& in, double degrees, Colour background);
// Mirrors left-right (horizontal) or top-bottom.
Result<Image> Flip(const Image& in, bool horizontal);
// Composites `in` over `background`, dropping alpha. A no-op for images without alpha.
Result<Image> Flatten(const Image& in, Colour background);

// Computes every pixel into memory. Decode failures of lazily-read input surface here as
// kCorruptImage.
Result<Raster> ToRaster(const Image& in);
// Wraps a raster as an Image, taking ownership of its pixels (no copy).
Image FromRaster(Raster raster);

// Computes the rectangle x,y,w,h of `in` (which must lie inside it) into memory. On an image
// decoded with sequential access, successive reads must move down the image (rows above the
// last read may be gone). Errors as ToRaster.
Result<Raster> ReadRegion(const Image& in, int x, int y, int w, int h);
// The same into `dst` (rows `stride` bytes apart), without an intermediate raster.
Status ReadRegionInto(const Image& in, int x, int y, int w, int h, uint8_t* dst, size_t stride);

// Fills the rectangle x,y,w,h of a generated image into `dst` (rows `stride` bytes apart).
// Called from libvips' worker threads, possibly several at once; must be thread-safe.
using RegionFetch = std::function<Status(int x, int y, int w, int h, uint8_t* dst, size_t stride)>;

// A lazy image whose pixels come from `fetch` when something (an encoder, ToRaster) reads them.
// libvips asks for full-width strips, top to bottom (THINSTRIP demand), so a fetch that
// computes or loads rows in order serves a streaming encoder without the whole image in
// memory. A failed fetch makes the reader fail (Encode: kCorruptImage); the fetch keeps its
// own Error if the caller needs the real one. `fetch` is destroyed with the last reference.
Image FromRegionFetch(int width, int height, int bands, int bits, bool has_alpha,
                      RegionFetch fetch);

struct EncodeOptions {
  Format format = Format::kJpeg;
  int quality = 80;                       // 1..100 (jpeg, webp, heif, avif)
  bool progressive = false;               // jpeg interlace / png adam7
  int subsample = 0;                      // jpeg chroma: 0 auto, 420, 444
  bool optimize_coding = false;           // jpeg: optimised Huffman tables (smaller, slower)
  int compression = 6;                    // png zlib level 0..9
  bool palette = false;                   // png: quantise to a palette
  bool lossless = false;                  // webp / heif / avif
  int effort = 4;                         // webp 0..6, avif/heif 0..9: cpu spent for smaller files
  bool strip = true;                      // drop EXIF/XMP/IPTC
  bool keep_icc = false;                  // keep the ICC profile even when stripping
  Colour background{255, 255, 255, 255};  // flatten colour for formats without alpha
};

// Encodes to bytes. Formats that cannot hold 16 bits or alpha get 8 bits / a flattened image.
// Returns kTooManyPixels when the format cannot store the dimensions, kInternal when a
// conversion before encoding fails, and kCorruptImage when the encoder fails: tessera's own
// checks passed by then, so that is almost always the lazily decoded input failing as it is read.
Result<std::vector<uint8_t>> Encode(const Image& in, const EncodeOptions& options);

// Largest width or height the format can store.
int MaxDimension(Format format);

// While alive, a libvips computation of `image` (ToRaster, ReadRegion(Into), Encode, on `image`
// or on what was made from it) stops at its next region once `token` is stopped: libvips calls
// back after every tile it computes, and the callback sets the image's kill flag, which fails
// the computation (with kCorruptImage, as any failed read: the caller reports the token's
// Reason() instead). Without a token it does nothing. Not copyable; lives on one thread.
class KillOnStop {
 public:
  KillOnStop(const Image& image, const StopToken* token);
  ~KillOnStop();
  KillOnStop(const KillOnStop&) = delete;
  KillOnStop& operator=(const KillOnStop&) = delete;

 private:
  void* image_ = nullptr;  // VipsImage*, referenced while alive
  unsigned long handler_ = 0;
};

}  // namespace tessera::engine::vips
