#include "engine/image.h"

namespace tessera::engine {

std::string_view FailOnName(FailOn level) {
  switch (level) {
    case FailOn::kNone: return "none";
    case FailOn::kTruncated: return "truncated";
    case FailOn::kError: return "error";
    case FailOn::kWarning: return "warning";
  }
  return "error";
}

std::optional<FailOn> ParseFailOn(std::string_view name) {
  for (FailOn level : {FailOn::kNone, FailOn::kTruncated, FailOn::kError, FailOn::kWarning}) {
    if (FailOnName(level) == name) return level;
  }
  return std::nullopt;
}

std::string_view FormatName(Format format) {
  switch (format) {
    case Format::kJpeg: return "jpeg";
    case Format::kPng: return "png";
    case Format::kWebp: return "webp";
    case Format::kTiff: return "tiff";
    case Format::kGif: return "gif";
    case Format::kHeif: return "heif";
    case Format::kAvif: return "avif";
  }
  return "jpeg";
}

std::string_view FormatMimeType(Format format) {
  switch (format) {
    case Format::kJpeg: return "image/jpeg";
    case Format::kPng: return "image/png";
    case Format::kWebp: return "image/webp";
    case Format::kTiff: return "image/tiff";
    case Format::kGif: return "image/gif";
    case Format::kHeif: return "image/heif";
    case Format::kAvif: return "image/avif";
  }
  return "application/octet-stream";
}

std::string_view FormatExtension(Format format) {
  switch (format) {
    case Format::kJpeg: return "jpg";
    case Format::kPng: return "png";
    case Format::kWebp: return "webp";
    case Format::kTiff: return "tif";
    case Format::kGif: return "gif";
    case Format::kHeif: return "heic";
    case Format::kAvif: return "avif";
  }
  return "bin";
}

}  // namespace tessera::engine
