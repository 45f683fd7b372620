// engine::Image: a decoded (possibly still lazy) image, and the facts about an encoded one.
//
// An Image is a cheap, shareable handle: copies refer to the same pixels, which are never
// mutated in place (every operation returns a new Image). Its pixels may not be computed yet:
// libvips evaluates lazily, so decode errors can surface when the pixels are finally read
// (by Encode or ToRaster), and are reported there as kCorruptImage.
//
// Thread-safety: an Image may be read from several threads; a pipeline run is single-threaded.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace tessera::engine {

enum class Format { kJpeg, kPng, kWebp, kTiff, kGif, kHeif, kAvif };

// "jpeg", "png", "webp", "tiff", "gif", "heif", "avif".
std::string_view FormatName(Format format);

// How strictly damaged input is refused, libvips' fail_on levels from lenient to strict: never;
// when truncated; also on decoder errors; also on decoder warnings.
enum class FailOn { kNone, kTruncated, kError, kWarning };

// "none", "truncated", "error", "warning".
std::string_view FailOnName(FailOn level);
std::optional<FailOn> ParseFailOn(std::string_view name);
// The MIME type served for an encoded image of this format.
std::string_view FormatMimeType(Format format);
// The file extension (without dot) used when naming outputs.
std::string_view FormatExtension(Format format);

// What the header of an encoded image says, read without decoding any pixels.
struct ImageInfo {
  Format format = Format::kJpeg;
  int width = 0;  // as stored, before EXIF orientation is applied
  int height = 0;
  int bands = 0;        // samples per pixel, alpha included
  int bits = 8;         // bits per sample: 8 or 16 (others are reported as stored)
  int frames = 1;       // pages / animation frames
  int orientation = 1;  // EXIF orientation 1..8 (1 when absent)
  bool has_alpha = false;
  std::string colourspace;  // "srgb", "b-w", "cmyk", "rgb16", "grey16", ...
  uint64_t bytes = 0;       // size of the encoded input
  bool truncated = false;   // ends before its format's end marker (engine/truncation.h)

  // Width and height once EXIF orientation is honoured (swapped for orientations 5..8).
  int oriented_width() const { return orientation >= 5 ? height : width; }
  int oriented_height() const { return orientation >= 5 ? width : height; }
};

class Image {
 public:
  struct Rep;  // defined by the libvips adapter; holds the VipsImage reference

  Image() = default;
  explicit Image(std::shared_ptr<Rep> rep) : rep_(std::move(rep)) {}

  bool empty() const { return rep_ == nullptr; }
  int width() const;
  int height() const;
  int bands() const;
  int bits() const;  // 8 or 16
  bool has_alpha() const;
  bool is_grey() const;  // 1 band, or 2 with alpha

  const Rep& rep() const { return *rep_; }

 private:
  std::shared_ptr<Rep> rep_;
};

}  // namespace tessera::engine
