// libvips adapter. Every libvips call in tessera is in this file; see vips_adapter.h for why.
#include "engine/vips/vips_adapter.h"

#include <vips/vips.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <mutex>
#include <string>

namespace tessera::engine {

struct Image::Rep {
  explicit Rep(VipsImage* i) : im(i) {}
  ~Rep() {
    if (im != nullptr) g_object_unref(im);
  }
  Rep(const Rep&) = delete;
  Rep& operator=(const Rep&) = delete;
  VipsImage* im;
};

int Image::width() const { return vips_image_get_width(rep_->im); }
int Image::height() const { return vips_image_get_height(rep_->im); }
int Image::bands() const { return vips_image_get_bands(rep_->im); }
int Image::bits() const { return vips_image_get_format(rep_->im) == VIPS_FORMAT_USHORT ? 16 : 8; }
bool Image::has_alpha() const { return vips_image_hasalpha(rep_->im) != 0; }
bool Image::is_grey() const { return bands() - (has_alpha() ? 1 : 0) == 1; }

namespace vips {
namespace {

// Owns one VipsImage reference for the length of a function.
class Ref {
 public:
  Ref() = default;
  explicit Ref(VipsImage* im) : im_(im) {}
  ~Ref() {
    if (im_ != nullptr) g_object_unref(im_);
  }
  Ref(const Ref&) = delete;
  Ref& operator=(const Ref&) = delete;
  Ref(Ref&& o) noexcept : im_(o.release()) {}
  Ref& operator=(Ref&& o) noexcept {
    if (this != &o) {
      if (im_ != nullptr) g_object_unref(im_);
      im_ = o.release();
    }
    return *this;
  }
  VipsImage** out() { return &im_; }
  VipsImage* get() const { return im_; }
  VipsImage* release() { return std::exchange(im_, nullptr); }

 private:
  VipsImage* im_ = nullptr;
};

VipsImage* Raw(const Image& image) { return image.rep().im; }
Image Wrap(Ref& ref) { return Image(std::make_shared<Image::Rep>(ref.release())); }

// Takes (and clears) libvips' error text for Error::detail. Under threads the text may belong to
// another call, which is why it is never used to choose a code.
std::string TakeVipsText() {
  char* text = vips_error_buffer_copy();
  std::string out = text != nullptr ? text : "";
  g_free(text);
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  std::replace(out.begin(), out.end(), '\n', ';');
  return out;
}

Error Failure(ErrorCode code, std::string message) {
  return MakeError(code, std::move(message), {}, TakeVipsText());
}

VipsArrayDouble* BackgroundFor(VipsImage* im, Colour c) {
  int bands = vips_image_get_bands(im);
  bool alpha = vips_image_hasalpha(im) != 0;
  double scale = vips_image_get_format(im) == VIPS_FORMAT_USHORT ? 257.0 : 1.0;
  double v[4];
  int colour_bands = bands - (alpha ? 1 : 0);
  if (colour_bands == 1) {
    v[0] = std::round((0.299 * c.r + 0.587 * c.g + 0.114 * c.b)) * scale;
  } else {
    v[0] = c.r * scale;
    v[1] = c.g * scale;
    v[2] = c.b * scale;
  }
  if (alpha) v[colour_bands] = c.a * scale;
  return vips_array_double_new(v, std::min(bands, 4));
}

VipsInteresting ToVips(Interesting i) {
  switch (i) {
    case Interesting::kNone: return VIPS_INTERESTING_NONE;
    case Interesting::kCentre: return VIPS_INTERESTING_CENTRE;
    case Interesting::kEntropy: return VIPS_INTERESTING_ENTROPY;
    case Interesting::kAttention: return VIPS_INTERESTING_ATTENTION;
  }
  return VIPS_INTERESTING_NONE;
}

VipsKernel ToVips(Kernel k) {
  switch (k) {
    case Kernel::kNearest: return VIPS_KERNEL_NEAREST;
    case Kernel::kLinear: return VIPS_KERNEL_LINEAR;
    case Kernel::kCubic: return VIPS_KERNEL_CUBIC;
    case Kernel::kMitchell: return VIPS_KERNEL_MITCHELL;
    case Kernel::kLanczos2: return VIPS_KERNEL_LANCZOS2;
    case Kernel::kLanczos3: return VIPS_KERNEL_LANCZOS3;
  }
  return VIPS_KERNEL_LANCZOS3;
}

VipsSize ToVips(SizeMode s) {
  switch (s) {
    case SizeMode::kBoth: return VIPS_SIZE_BOTH;
    case SizeMode::kDown: return VIPS_SIZE_DOWN;
    case SizeMode::kUp: return VIPS_SIZE_UP;
    case SizeMode::kForce: return VIPS_SIZE_FORCE;
  }
  return VIPS_SIZE_BOTH;
}

// Loads `bytes` with the loader for `format` only: never libvips' generic sniffing, which would
// also accept SVG, PDF and ImageMagick formats.
VipsFailOn ToVips(FailOn level) {
  switch (level) {
    case FailOn::kNone: return VIPS_FAIL_ON_NONE;
    case FailOn::kTruncated: return VIPS_FAIL_ON_TRUNCATED;
    case FailOn::kError: return VIPS_FAIL_ON_ERROR;
    case FailOn::kWarning: return VIPS_FAIL_ON_WARNING;
  }
  return VIPS_FAIL_ON_ERROR;
}

int LoadWithFormat(std::span<const uint8_t> bytes, Format format, VipsImage** out,
                   VipsAccess access, FailOn fail_on = FailOn::kError) {
  void* buf = const_cast<uint8_t*>(bytes.data());
  size_t len = bytes.size();
  const VipsFailOn f = ToVips(fail_on);
  switch (format) {
    case Format::kJpeg:
      return vips_jpegload_buffer(buf, len, out, "access", access, "fail_on", f, nullptr);
    case Format::kPng:
      return vips_pngload_buffer(buf, len, out, "access", access, "fail_on", f, nullptr);
    case Format::kWebp:
      return vips_webpload_buffer(buf, len, out, "access", access, "fail_on", f, nullptr);
    case Format::kTiff:
      return vips_tiffload_buffer(buf, len, out, "access", access, "fail_on", f, nullptr);
    case Format::kGif:
      return vips_gifload_buffer(buf, len, out, "access", access, "fail_on", f, nullptr);
    case Format::kHeif:
    case Format::kAvif:
      return vips_heifload_buffer(buf, len, out, "access", access, "fail_on", f, nullptr);
  }
  return -1;
}

int OrientationOf(VipsImage* im) {
  int o = 1;
  if (vips_image_get_typeof(im, VIPS_META_ORIENTATION) != 0 &&
      vips_image_get_int(im, VIPS_META_ORIENTATION, &o) == 0 && o >= 1 && o <= 8) {
    return o;
  }
  return 1;
}

// Brings a freshly loaded image into the processing space: 8/16-bit sRGB or grey, alpha last.
Result<Image> ToProcessingSpace(Ref& loaded) {
  VipsImage* im = loaded.get();
  VipsInterpretation interp = vips_image_guess_interpretation(im);
  VipsBandFormat fmt = vips_image_get_format(im);
  bool sixteen = fmt == VIPS_FORMAT_USHORT;
  bool grey = interp == VIPS_INTERPRETATION_B_W || interp == VIPS_INTERPRETATION_GREY16;
  bool rgb = interp == VIPS_INTERPRETATION_sRGB || interp == VIPS_INTERPRETATION_RGB16 ||
             interp == VIPS_INTERPRETATION_RGB;
  bool ok_format = fmt == VIPS_FORMAT_UCHAR || sixteen;
  int bands = vips_image_get_bands(im);

  if ((grey && bands <= 2) || (rgb && bands >= 3 && bands <= 4)) {
    if (ok_format) return Wrap(loaded);
  }
  // Anything else (CMYK, Lab, float samples, extra bands): convert to sRGB, 8 or 16 bits.
  VipsInterpretation target =
      grey ? (sixteen ? VIPS_INTERPRETATION_GREY16 : VIPS_INTERPRETATION_B_W)
           : (sixteen ? VIPS_INTERPRETATION_RGB16 : VIPS_INTERPRETATION_sRGB);
  Ref converted;
  if (vips_colourspace(im, converted.out(), target, nullptr) != 0) {
    return Failure(ErrorCode::kUnsupportedMedia, "the image's colour space cannot be converted");
  }
  VipsImage* c = converted.get();
  int want_bands = (grey ? 1 : 3) + (vips_image_hasalpha(c) ? 1 : 0);
  Ref trimmed;
  if (vips_image_get_bands(c) > want_bands) {
    if (vips_extract_band(c, trimmed.out(), 0, "n", want_bands, nullptr) != 0) {
      return Failure(ErrorCode::kInternal, "extracting bands failed");
    }
  } else {
    trimmed = Ref(static_cast<VipsImage*>(g_object_ref(c)));
  }
  VipsBandFormat want_fmt = sixteen ? VIPS_FORMAT_USHORT : VIPS_FORMAT_UCHAR;
  if (vips_image_get_format(trimmed.get()) == want_fmt) return Wrap(trimmed);
  Ref cast;
  if (vips_cast(trimmed.get(), cast.out(), want_fmt, nullptr) != 0) {
    return Failure(ErrorCode::kInternal, "casting samples failed");
  }
  return Wrap(cast);
}

std::once_flag g_init_once;
bool g_init_ok = false;

}  // namespace

Status Initialize(int threads_per_image) {
  std::call_once(g_init_once, [] {
    g_init_ok = VIPS_INIT("tessera") == 0;
    if (g_init_ok) {
      // Results are never reused across requests; a cache would only hold memory (and input
      // buffers) alive.
      vips_cache_set_max(0);
      vips_cache_set_max_mem(0);
    }
  });
  if (!g_init_ok) return Failure(ErrorCode::kInternal, "libvips failed to start");
  vips_concurrency_set(std::max(1, threads_per_image));
  return OkStatus();
}

Result<ImageInfo> ReadHeader(std::span<const uint8_t> bytes, Format format) {
  Ref im;
  if (LoadWithFormat(bytes, format, im.out(), VIPS_ACCESS_SEQUENTIAL) != 0) {
    return Failure(ErrorCode::kCorruptImage, std::string("the ") + std::string(FormatName(format)) +
                                                 " header cannot be read");
  }
  VipsImage* v = im.get();
  ImageInfo info;
  info.format = format;
  info.width = vips_image_get_width(v);
  info.height = vips_image_get_height(v);
  info.bands = vips_image_get_bands(v);
  switch (vips_image_get_format(v)) {
    case VIPS_FORMAT_UCHAR:
    case VIPS_FORMAT_CHAR: info.bits = 8; break;
    case VIPS_FORMAT_USHORT:
    case VIPS_FORMAT_SHORT: info.bits = 16; break;
    case VIPS_FORMAT_UINT:
    case VIPS_FORMAT_INT:
    case VIPS_FORMAT_FLOAT: info.bits = 32; break;
    default: info.bits = 64; break;
  }
  int pages = 1;
  if (vips_image_get_typeof(v, VIPS_META_N_PAGES) != 0 &&
      vips_image_get_int(v, VIPS_META_N_PAGES, &pages) == 0 && pages >= 1) {
    info.frames = pages;
  }
  info.orientation = OrientationOf(v);
  info.has_alpha = vips_image_hasalpha(v) != 0;
  const char* nick = vips_enum_nick(VIPS_TYPE_INTERPRETATION, vips_image_guess_interpretation(v));
  info.colourspace = nick != nullptr ? nick : "unknown";
  info.bytes = bytes.size();
  return info;
}

Result<Image> DecodeBuffer(std::span<const uint8_t> bytes, Format format,
                           const DecodeOptions& options) {
  Ref loaded;
  VipsAccess access = options.sequential ? VIPS_ACCESS_SEQUENTIAL : VIPS_ACCESS_RANDOM;
  if (LoadWithFormat(bytes, format, loaded.out(), access, options.fail_on) != 0) {
    return Failure(ErrorCode::kCorruptImage, std::string("the ") + std::string(FormatName(format)) +
                                                 " image cannot be decoded");
  }
  int orientation = options.auto_orient ? OrientationOf(loaded.get()) : 1;
  if (access == VIPS_ACCESS_SEQUENTIAL && orientation > 2) {
    // Every orientation but a left-right mirror reads rows out of order, which a sequential
    // loader refuses ("out of order read") once the image is taller than its line cache. Only
    // the header has been read so far, so load again with random access.
    loaded = Ref();
    if (LoadWithFormat(bytes, format, loaded.out(), VIPS_ACCESS_RANDOM, options.fail_on) != 0) {
      return Failure(
          ErrorCode::kCorruptImage,
          std::string("the ") + std::string(FormatName(format)) + " image cannot be decoded");
    }
  }
  if (orientation != 1) {
    Ref rotated;
    if (vips_autorot(loaded.get(), rotated.out(), nullptr) != 0) {
      return Failure(ErrorCode::kCorruptImage, "applying the EXIF orientation failed");
    }
    return ToProcessingSpace(rotated);
  }
  return ToProcessingSpace(loaded);
}

Result<Image> ThumbnailBuffer(std::span<const uint8_t> bytes, const ThumbnailOptions& o) {
  Ref out;
  const std::string loader_options = "fail_on=" + std::string(FailOnName(o.fail_on));
  if (vips_thumbnail_buffer(const_cast<uint8_t*>(bytes.data()), bytes.size(), out.out(), o.width,
                            "height", o.height, "size", ToVips(o.size), "crop", ToVips(o.crop),
                            "no_rotate", !o.auto_orient, "fail_on", ToVips(o.fail_on),
                            // libvips 8.14 does not pass fail_on to the shrink-on-load; the
                            // loader's option string does reach it.
                            "option_string", loader_options.c_str(), nullptr) != 0) {
    return Failure(ErrorCode::kCorruptImage, "the image cannot be decoded");
  }
  return ToProcessingSpace(out);
}

Result<Image> ThumbnailImage(const Image& in, const ThumbnailOptions& o) {
  Ref out;
  if (vips_thumbnail_image(Raw(in), out.out(), o.width, "height", o.height, "size", ToVips(o.size),
                           "crop", ToVips(o.crop), nullptr) != 0) {
    return Failure(ErrorCode::kInternal, "thumbnail failed");
  }
  return Wrap(out);
}

Result<Image> Resize(const Image& in, double hscale, double vscale, Kernel kernel) {
  if (!in.has_alpha()) {
    Ref out;
    if (vips_resize(Raw(in), out.out(), hscale, "vscale", vscale, "kernel", ToVips(kernel),
                    nullptr) != 0) {
      return Failure(ErrorCode::kInternal, "resize failed");
    }
    return Wrap(out);
  }
  // Resample colour weighted by alpha (as libvips' thumbnail, the shrink-on-load path, does), so
  // the colour hidden under transparent pixels does not bleed into visible ones.
  double max_alpha = in.bits() == 16 ? 65535.0 : 255.0;
  Ref pre, scaled, unpre, rounded, out;
  if (vips_premultiply(Raw(in), pre.out(), "max_alpha", max_alpha, nullptr) != 0 ||
      vips_resize(pre.get(), scaled.out(), hscale, "vscale", vscale, "kernel", ToVips(kernel),
                  nullptr) != 0 ||
      vips_unpremultiply(scaled.get(), unpre.out(), "max_alpha", max_alpha, nullptr) != 0 ||
      vips_round(unpre.get(), rounded.out(), VIPS_OPERATION_ROUND_RINT, nullptr) != 0 ||
      vips_cast(rounded.get(), out.out(), vips_image_get_format(Raw(in)), nullptr) != 0) {
    return Failure(ErrorCode::kInternal, "resize failed");
  }
  return Wrap(out);
}

Result<Image> ResizeTo(const Image& in, int width, int height, Kernel kernel) {
  double h = static_cast<double>(width) / in.width();
  double v = static_cast<double>(height) / in.height();
  auto scaled = Resize(in, h, v, kernel);
  if (!scaled) return scaled;
  // vips_resize rounds the output size; pin it to the exact request.
  if (scaled->width() == width && scaled->height() == height) return scaled;
  Ref fixed;
  if (vips_embed(Raw(*scaled), fixed.out(), 0, 0, width, height, "extend", VIPS_EXTEND_COPY,
                 nullptr) != 0) {
    return Failure(ErrorCode::kInternal, "resize failed");
  }
  return Wrap(fixed);
}

Result<Image> ExtractArea(const Image& in, int x, int y, int w, int h) {
  Ref out;
  if (vips_extract_area(Raw(in), out.out(), x, y, w, h, nullptr) != 0) {
    return Failure(ErrorCode::kInternal, "crop failed");
  }
  return Wrap(out);
}

Result<Image> SmartCrop(const Image& in, int w, int h, Interesting strategy) {
  Ref out;
  if (vips_smartcrop(Raw(in), out.out(), w, h, "interesting", ToVips(strategy), nullptr) != 0) {
    return Failure(ErrorCode::kInternal, "smart crop failed");
  }
  return Wrap(out);
}

Result<Image> Embed(const Image& in, int x, int y, int w, int h, Colour background) {
  Ref out;
  VipsArrayDouble* bg = BackgroundFor(Raw(in), background);
  int rc = vips_embed(Raw(in), out.out(), x, y, w, h, "extend", VIPS_EXTEND_BACKGROUND,
                      "background", bg, nullptr);
  vips_area_unref(VIPS_AREA(bg));
  if (rc != 0) return Failure(ErrorCode::kInternal, "embed failed");
  return Wrap(out);
}

Result<Image> RotateQuarterTurns(const Image& in, int quarter_turns) {
  static constexpr VipsAngle kAngles[] = {VIPS_ANGLE_D0, VIPS_ANGLE_D90, VIPS_ANGLE_D180,
                                          VIPS_ANGLE_D270};
  Ref out;
  if (vips_rot(Raw(in), out.out(), kAngles[((quarter_turns % 4) + 4) % 4], nullptr) != 0) {
    return Failure(ErrorCode::kInternal, "rotate failed");
  }
  return Wrap(out);
}

Result<Image> RotateAnyAngle(const Image& in, double degrees, Colour background) {
  Ref out;
  VipsArrayDouble* bg = BackgroundFor(Raw(in), background);
  int rc = vips_rotate(Raw(in), out.out(), degrees, "background", bg, nullptr);
  vips_area_unref(VIPS_AREA(bg));
  if (rc != 0) return Failure(ErrorCode::kInternal, "rotate failed");
  Ref cast;
  // vips_rotate interpolates in float; bring samples back to the input's format.
  if (vips_cast(out.get(), cast.out(), vips_image_get_format(Raw(in)), nullptr) != 0) {
    return Failure(ErrorCode::kInternal, "rotate failed");
  }
  return Wrap(cast);
}

Result<Image> Flip(const Image& in, bool horizontal) {
  Ref out;
  if (vips_flip(Raw(in), out.out(),
                horizontal ? VIPS_DIRECTION_HORIZONTAL : VIPS_DIRECTION_VERTICAL, nullptr) != 0) {
    return Failure(ErrorCode::kInternal, "flip failed");
  }
  return Wrap(out);
}

Result<Image> Flatten(const Image& in, Colour background) {
  if (!in.has_alpha()) return in;
  VipsImage* im = Raw(in);
  double scale = in.bits() == 16 ? 257.0 : 1.0;
  double v[3] = {background.r * scale, background.g * scale, background.b * scale};
  if (in.is_grey())
    v[0] = std::round(0.299 * background.r + 0.587 * background.g + 0.114 * background.b) * scale;
  VipsArrayDouble* bg = vips_array_double_new(v, in.is_grey() ? 1 : 3);
  Ref flat;
  int rc = vips_flatten(im, flat.out(), "background", bg, "max_alpha", 255.0 * scale, nullptr);
  vips_area_unref(VIPS_AREA(bg));
  if (rc != 0) return Failure(ErrorCode::kInternal, "flatten failed");
  Ref cast;
  if (vips_cast(flat.get(), cast.out(), vips_image_get_format(im), nullptr) != 0) {
    return Failure(ErrorCode::kInternal, "flatten failed");
  }
  return Wrap(cast);
}

Result<Raster> ToRaster(const Image& in) {
  VipsImage* v = Raw(in);
  VipsBandFormat fmt = vips_image_get_format(v);
  if (fmt != VIPS_FORMAT_UCHAR && fmt != VIPS_FORMAT_USHORT) {
    return MakeError(ErrorCode::kInternal, "raster of an unexpected sample format");
  }
  // Written into raster memory (engine/raster.h) rather than by vips_image_write_to_memory's own
  // fresh allocation, so that a buffer released by the previous image is reused.
  Raster r =
      Raster::AllocateUninitialized(in.width(), in.height(), in.bands(), in.bits(), in.has_alpha());
  if (r.size_bytes() != VIPS_IMAGE_SIZEOF_IMAGE(v)) {
    return MakeError(ErrorCode::kInternal, "raster size mismatch");
  }
  Ref target(
      vips_image_new_from_memory(r.data.get(), r.size_bytes(), r.width, r.height, r.bands, fmt));
  if (target.get() == nullptr) return Failure(ErrorCode::kInternal, "vips_image_new_from_memory");
  if (vips_image_write(v, target.get()) != 0) {
    return Failure(ErrorCode::kCorruptImage, "the image data cannot be decoded");
  }
  return r;
}

namespace {
void FreeRasterMemory(VipsImage*, void* data) { ReleaseRasterMemory(static_cast<uint8_t*>(data)); }
}  // namespace

Image FromRaster(Raster raster) {
  bool sixteen = raster.bits == 16;
  uint8_t* data = raster.data.release();
  VipsImage* mem =
      vips_image_new_from_memory(data, raster.size_bytes(), raster.width, raster.height,
                                 raster.bands, sixteen ? VIPS_FORMAT_USHORT : VIPS_FORMAT_UCHAR);
  if (mem == nullptr) {
    std::fprintf(stderr, "tessera: vips_image_new_from_memory failed: %s\n",
                 TakeVipsText().c_str());
    std::abort();
  }
  g_signal_connect(mem, "postclose", G_CALLBACK(FreeRasterMemory), data);
  Ref owned(mem);
  bool grey = raster.bands - (raster.has_alpha ? 1 : 0) == 1;
  VipsInterpretation interp =
      grey ? (sixteen ? VIPS_INTERPRETATION_GREY16 : VIPS_INTERPRETATION_B_W)
           : (sixteen ? VIPS_INTERPRETATION_RGB16 : VIPS_INTERPRETATION_sRGB);
  Ref tagged;
  if (vips_copy(owned.get(), tagged.out(), "interpretation", interp, nullptr) != 0) {
    std::fprintf(stderr, "tessera: vips_copy failed: %s\n", TakeVipsText().c_str());
    std::abort();
  }
  return Wrap(tagged);
}

Result<Raster> ReadRegion(const Image& in, int x, int y, int w, int h) {
  Raster out = Raster::AllocateUninitialized(w, h, in.bands(), in.bits(), in.has_alpha());
  Status ok = ReadRegionInto(in, x, y, w, h, out.data.get(), out.stride());
  if (!ok) return ok.error();
  return out;
}

Status ReadRegionInto(const Image& in, int x, int y, int w, int h, uint8_t* dst, size_t stride) {
  VipsRegion* region = vips_region_new(Raw(in));
  if (region == nullptr) return Failure(ErrorCode::kInternal, "vips_region_new failed");
  size_t row_bytes = static_cast<size_t>(w) * VIPS_IMAGE_SIZEOF_PEL(Raw(in));
  // A band of rows at a time, so libvips' region buffer stays small however tall the request.
  constexpr int kBandRows = 64;
  for (int top = y; top < y + h; top += kBandRows) {
    VipsRect rect{x, top, w, std::min(kBandRows, y + h - top)};
    if (vips_region_prepare(region, &rect) != 0) {
      g_object_unref(region);
      return Failure(ErrorCode::kCorruptImage, "the image data cannot be decoded");
    }
    for (int j = 0; j < rect.height; ++j) {
      std::memcpy(dst + static_cast<size_t>(top - y + j) * stride,
                  VIPS_REGION_ADDR(region, x, top + j), row_bytes);
    }
  }
  g_object_unref(region);
  return OkStatus();
}

namespace {

struct FetchState {
  RegionFetch fetch;
};

void FreeFetchState(VipsImage*, void* state) { delete static_cast<FetchState*>(state); }

int GenerateFromFetch(VipsRegion* out, void*, void* a, void*, gboolean*) {
  auto* state = static_cast<FetchState*>(a);
  const VipsRect& r = out->valid;
  Status ok = state->fetch(r.left, r.top, r.width, r.height,
                           reinterpret_cast<uint8_t*>(VIPS_REGION_ADDR(out, r.left, r.top)),
                           static_cast<size_t>(VIPS_REGION_LSKIP(out)));
  return ok ? 0 : -1;
}

}  // namespace

Image FromRegionFetch(int width, int height, int bands, int bits, bool has_alpha,
                      RegionFetch fetch) {
  bool sixteen = bits == 16;
  bool grey = bands - (has_alpha ? 1 : 0) == 1;
  VipsInterpretation interp =
      grey ? (sixteen ? VIPS_INTERPRETATION_GREY16 : VIPS_INTERPRETATION_B_W)
           : (sixteen ? VIPS_INTERPRETATION_RGB16 : VIPS_INTERPRETATION_sRGB);
  Ref im(vips_image_new());
  vips_image_init_fields(im.get(), width, height, bands,
                         sixteen ? VIPS_FORMAT_USHORT : VIPS_FORMAT_UCHAR, VIPS_CODING_NONE, interp,
                         1.0, 1.0);
  if (vips_image_pipelinev(im.get(), VIPS_DEMAND_STYLE_THINSTRIP, nullptr) != 0) {
    std::fprintf(stderr, "tessera: vips_image_pipelinev failed: %s\n", TakeVipsText().c_str());
    std::abort();
  }
  auto* state = new FetchState{std::move(fetch)};
  g_signal_connect(im.get(), "postclose", G_CALLBACK(FreeFetchState), state);
  if (vips_image_generate(im.get(), nullptr, GenerateFromFetch, nullptr, state, nullptr) != 0) {
    std::fprintf(stderr, "tessera: vips_image_generate failed: %s\n", TakeVipsText().c_str());
    std::abort();
  }
  return Wrap(im);
}

int MaxDimension(Format format) {
  switch (format) {
    case Format::kWebp: return 16383;
    case Format::kHeif:
    case Format::kAvif: return 16384;
    case Format::kJpeg: return 65500;  // libjpeg's JPEG_MAX_DIMENSION, under the format's 65535
    case Format::kGif: return 65535;
    case Format::kPng:
    case Format::kTiff: return 1 << 30;
  }
  return 65535;
}

namespace {

bool FormatKeepsSixteenBits(Format f) { return f == Format::kPng || f == Format::kTiff; }
bool FormatKeepsAlpha(Format f) { return f != Format::kJpeg; }

// Removes every metadata item (but the ICC profile if `keep_icc`), for savers told not to strip
// that must still write no EXIF/XMP/IPTC: strip + keep_icc, and WebP (see Encode).
Result<Image> RemoveMetadata(const Image& in, bool keep_icc) {
  Ref copy;
  if (vips_copy(Raw(in), copy.out(), nullptr) != 0) {
    return Failure(ErrorCode::kInternal, "copying metadata failed");
  }
  gchar** fields = vips_image_get_fields(copy.get());
  for (gchar** f = fields; f != nullptr && *f != nullptr; ++f) {
    if (std::strcmp(*f, VIPS_META_ICC_NAME) == 0) {
      if (!keep_icc) vips_image_remove(copy.get(), *f);
      continue;
    }
    if (std::strncmp(*f, "exif-", 5) == 0 || std::strcmp(*f, VIPS_META_XMP_NAME) == 0 ||
        std::strcmp(*f, VIPS_META_IPTC_NAME) == 0 ||
        std::strcmp(*f, VIPS_META_PHOTOSHOP_NAME) == 0 ||
        std::strcmp(*f, VIPS_META_ORIENTATION) == 0) {
      vips_image_remove(copy.get(), *f);
    }
  }
  g_strfreev(fields);
  return Wrap(copy);
}

// With strip off, libvips 8.14 always writes an EXIF block (rebuilt from the resolution even
// when the image has none), and it can write an ICC profile only with strip off. When the
// metadata was removed by RemoveMetadata, that block is cut from the encoded JPEG or WebP here;
// HEIF/AVIF keep it (resolution tags only).
void RemoveExifJpeg(std::vector<uint8_t>& b) {
  size_t i = 2;  // after SOI
  while (i + 4 <= b.size() && b[i] == 0xFF && b[i + 1] != 0xDA) {
    if (b[i + 1] == 0xFF) {  // fill byte
      ++i;
      continue;
    }
    size_t len = (size_t{b[i + 2]} << 8) | b[i + 3];
    if (len < 2 || i + 2 + len > b.size()) return;
    if (b[i + 1] == 0xE1 && len >= 8 && std::memcmp(&b[i + 4], "Exif\0\0", 6) == 0) {
      b.erase(b.begin() + static_cast<std::ptrdiff_t>(i),
              b.begin() + static_cast<std::ptrdiff_t>(i + 2 + len));
      continue;
    }
    i += 2 + len;
  }
}

void RemoveExifWebp(std::vector<uint8_t>& b) {
  auto le32 = [&](size_t at) {
    return uint32_t{b[at]} | (uint32_t{b[at + 1]} << 8) | (uint32_t{b[at + 2]} << 16) |
           (uint32_t{b[at + 3]} << 24);
  };
  size_t vp8x_flags = 0;
  bool removed = false;
  size_t i = 12;  // after "RIFF", size, "WEBP"
  while (i + 8 <= b.size()) {
    size_t size = le32(i + 4);
    size_t total = 8 + size + (size & 1);
    if (i + total > b.size()) return;
    if (std::memcmp(&b[i], "VP8X", 4) == 0 && size >= 1) vp8x_flags = i + 8;
    if (std::memcmp(&b[i], "EXIF", 4) == 0) {
      b.erase(b.begin() + static_cast<std::ptrdiff_t>(i),
              b.begin() + static_cast<std::ptrdiff_t>(i + total));
      removed = true;
      continue;
    }
    i += total;
  }
  if (!removed) return;
  if (vp8x_flags != 0) b[vp8x_flags] &= static_cast<uint8_t>(~0x08u);  // the EXIF flag
  uint32_t riff = static_cast<uint32_t>(b.size() - 8);
  for (int k = 0; k < 4; ++k) b[4 + k] = static_cast<uint8_t>(riff >> (8 * k));
}

gint64 AppendToVector(VipsTargetCustom*, const void* data, gint64 length, void* out) {
  const auto* p = static_cast<const uint8_t*>(data);
  static_cast<std::vector<uint8_t>*>(out)->insert(static_cast<std::vector<uint8_t>*>(out)->end(), p,
                                                  p + length);
  return length;
}

// A first capacity for a JPEG of `im`: an eighth of its samples covers q=80 photographs
// (~6% of the samples); a larger file grows the vector as usual.
size_t EstimatedJpegBytes(VipsImage* im) {
  size_t samples = static_cast<size_t>(vips_image_get_width(im)) * vips_image_get_height(im) *
                   vips_image_get_bands(im);
  return std::min<size_t>(samples / 8 + 4096, size_t{64} << 20);
}

}  // namespace

Result<std::vector<uint8_t>> Encode(const Image& input, const EncodeOptions& o) {
  int max_dim = MaxDimension(o.format);
  if (input.width() > max_dim || input.height() > max_dim) {
    return MakeError(ErrorCode::kTooManyPixels,
                     std::string(FormatName(o.format)) + " cannot store an image of " +
                         std::to_string(input.width()) + "x" + std::to_string(input.height()) +
                         " (at most " + std::to_string(max_dim) + " px per side)",
                     "format.type");
  }
  Image im = input;
  if (!FormatKeepsAlpha(o.format) && im.has_alpha()) {
    auto flat = Flatten(im, o.background);
    if (!flat) return flat.error();
    im = *flat;
  }
  if (!FormatKeepsSixteenBits(o.format) && im.bits() == 16) {
    Ref eight;
    VipsInterpretation target = im.is_grey() ? VIPS_INTERPRETATION_B_W : VIPS_INTERPRETATION_sRGB;
    if (vips_colourspace(Raw(im), eight.out(), target, nullptr) != 0) {
      return Failure(ErrorCode::kInternal, "converting to 8 bits failed");
    }
    im = Wrap(eight);
  }
  bool strip = o.strip;
  // libvips 8.14's webpsave ignores `strip` (libvips#3340: EXIF, XMP and ICC were all copied
  // through), so for WebP the metadata is removed from the image itself.
  bool remove_ourselves = o.strip && (o.keep_icc || o.format == Format::kWebp);
  if (remove_ourselves) {
    auto kept = RemoveMetadata(im, o.keep_icc);
    if (!kept) return kept.error();
    im = *kept;
    strip = false;
  }

  void* buf = nullptr;
  size_t len = 0;
  int rc = -1;
  std::vector<uint8_t> direct;
  bool wrote_direct = false;
  VipsImage* v = Raw(im);
  switch (o.format) {
    case Format::kJpeg: {
      VipsForeignSubsample sub = o.subsample == 444   ? VIPS_FOREIGN_SUBSAMPLE_OFF
                                 : o.subsample == 420 ? VIPS_FOREIGN_SUBSAMPLE_ON
                                                      : VIPS_FOREIGN_SUBSAMPLE_AUTO;
      // Straight into the result vector through a custom target: jpegsave_buffer would grow a
      // GString of its own (fresh pages, reallocs) that is then copied.
      VipsTargetCustom* target = vips_target_custom_new();
      g_signal_connect(target, "write", G_CALLBACK(AppendToVector), &direct);
      direct.reserve(EstimatedJpegBytes(v));
      rc = vips_jpegsave_target(v, VIPS_TARGET(target), "Q", o.quality, "interlace", o.progressive,
                                "subsample_mode", sub, "optimize_coding", o.optimize_coding,
                                "strip", strip, nullptr);
      g_object_unref(target);
      wrote_direct = true;
      break;
    }
    case Format::kPng:
      rc = vips_pngsave_buffer(v, &buf, &len, "compression", o.compression, "interlace",
                               o.progressive, "palette", o.palette, "Q", o.quality, "strip", strip,
                               nullptr);
      break;
    case Format::kWebp:
      rc = vips_webpsave_buffer(v, &buf, &len, "Q", o.quality, "lossless", o.lossless, "effort",
                                std::min(o.effort, 6), "strip", strip, nullptr);
      break;
    case Format::kTiff:
      rc = vips_tiffsave_buffer(v, &buf, &len, "compression", VIPS_FOREIGN_TIFF_COMPRESSION_DEFLATE,
                                "strip", strip, nullptr);
      break;
    case Format::kGif: rc = vips_gifsave_buffer(v, &buf, &len, "strip", strip, nullptr); break;
    case Format::kHeif:
    case Format::kAvif:
      rc = vips_heifsave_buffer(v, &buf, &len, "Q", o.quality, "lossless", o.lossless, "effort",
                                o.effort, "compression",
                                o.format == Format::kAvif ? VIPS_FOREIGN_HEIF_COMPRESSION_AV1
                                                          : VIPS_FOREIGN_HEIF_COMPRESSION_HEVC,
                                "strip", strip, nullptr);
      break;
  }
  if (rc != 0) {
    // Our own checks (dimensions, sample format, bands) passed, so a failure here is almost
    // always the lazily-decoded input failing as it is read.
    return Failure(ErrorCode::kCorruptImage,
                   std::string("the image could not be decoded or encoded as ") +
                       std::string(FormatName(o.format)));
  }
  std::vector<uint8_t> out;
  if (wrote_direct) {
    out = std::move(direct);
  } else {
    out.assign(static_cast<uint8_t*>(buf), static_cast<uint8_t*>(buf) + len);
    g_free(buf);
  }
  if (remove_ourselves) {
    if (o.format == Format::kJpeg) RemoveExifJpeg(out);
    if (o.format == Format::kWebp) RemoveExifWebp(out);
  }
  return out;
}

namespace {

// libvips' "eval" signal, emitted after every tile a computation of the image finishes.
void KillIfStopped(VipsImage* image, VipsProgress*, void* token) {
  if (static_cast<const StopToken*>(token)->StopRequested()) vips_image_set_kill(image, TRUE);
}

}  // namespace

KillOnStop::KillOnStop(const Image& image, const StopToken* token) {
  if (token == nullptr) return;
  VipsImage* im = Raw(image);
  g_object_ref(im);
  image_ = im;
  // Images made from `im` signal their progress on it, so its callback sees their tiles too.
  vips_image_set_progress(im, TRUE);
  handler_ = g_signal_connect(im, "eval", G_CALLBACK(KillIfStopped),
                              const_cast<void*>(static_cast<const void*>(token)));
  if (token->StopRequested()) vips_image_set_kill(im, TRUE);
}

KillOnStop::~KillOnStop() {
  if (image_ == nullptr) return;
  auto* im = static_cast<VipsImage*>(image_);
  g_signal_handler_disconnect(im, handler_);
  vips_image_set_kill(im, FALSE);
  g_object_unref(im);
}

}  // namespace vips
}  // namespace tessera::engine
