// format: how the result is encoded. Declared here like every op; the runner applies it.
#include "engine/ops/ops.h"

namespace tessera::engine::ops {
namespace {

constexpr std::string_view kTypes[] = {"jpeg", "jpg", "png", "webp", "avif", "heif", "tiff", "gif"};
constexpr std::string_view kSubsample[] = {"auto", "420", "444"};

constexpr ParamSpec kParams[] = {
    {.name = "type",
     .type = ParamType::kEnum,
     .description = "output format (default: the input's format)",
     .choices = kTypes},
    {.name = "q",
     .type = ParamType::kInt,
     .description = "quality for jpeg, webp, avif, heif",
     .min = 1,
     .max = 100,
     .default_value = "80"},
    {.name = "progressive",
     .type = ParamType::kBool,
     .description = "progressive jpeg / interlaced png",
     .default_value = "false"},
    {.name = "subsample",
     .type = ParamType::kEnum,
     .description = "jpeg chroma subsampling (auto: 4:2:0 below q=90)",
     .default_value = "auto",
     .choices = kSubsample},
    {.name = "optimize",
     .type = ParamType::kBool,
     .description =
         "jpeg: optimised Huffman tables, 3-8 % smaller files for ~20 ms more CPU per 4 MP "
         "image (roughly doubling the encode)",
     .default_value = "false"},
    {.name = "compression",
     .type = ParamType::kInt,
     .description = "png zlib level",
     .min = 0,
     .max = 9,
     .default_value = "6"},
    {.name = "palette",
     .type = ParamType::kBool,
     .description = "png: quantise to 256 colours",
     .default_value = "false"},
    {.name = "lossless",
     .type = ParamType::kBool,
     .description = "webp, avif, heif lossless",
     .default_value = "false"},
    {.name = "effort",
     .type = ParamType::kInt,
     .description = "encoder effort for webp (0..6) and avif/heif (0..9)",
     .min = 0,
     .max = 9,
     .default_value = "4"},
    {.name = "strip",
     .type = ParamType::kBool,
     .description = "drop EXIF, XMP and IPTC metadata",
     .default_value = "true"},
    {.name = "keep_icc",
     .type = ParamType::kBool,
     .description = "keep the ICC colour profile even when stripping",
     .default_value = "false"},
    {.name = "bg",
     .type = ParamType::kColour,
     .description = "background that transparency is flattened onto for jpeg",
     .default_value = "white"},
};

// The encoder's reads per output pixel: colour conversion and DCT for JPEG, filtering and zlib
// for PNG, the search effort for WebP, AVIF and HEIF (AV1/HEVC encoders cost by far the most:
// AVIF at effort 4 took 8.9 s of CPU for 4 MP).
// Without a type the work estimate names the input's format (work_estimate.cc).
double WorkPerPixel(const Args& a) {
  const std::string type = a.Has("type") ? a.Enum("type") : "jpeg";
  const double effort = static_cast<double>(a.Int("effort"));
  const double lossless = a.Bool("lossless") ? 3 : 1;
  if (type == "png")
    return (8 + 2 * static_cast<double>(a.Int("compression"))) + (a.Bool("palette") ? 40 : 0);
  if (type == "webp") return (10 + 8 * effort) * lossless;
  if (type == "avif" || type == "heif") return (200 + 170 * effort) * lossless;
  if (type == "gif") return 40;
  if (type == "tiff") return 2;
  return a.Bool("optimize") ? 10 : 6;
}

}  // namespace

const OpSpec kFormat{
    .name = "format",
    .description = "encoding of the result; must be the last step",
    .params = kParams,
    .halo = NoHalo,
    .work_per_pixel = WorkPerPixel,
};

}  // namespace tessera::engine::ops
