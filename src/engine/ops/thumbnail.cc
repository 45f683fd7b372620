// thumbnail: fit within a box (square when only w is given), optionally cropping to fill it by
// a saliency strategy; uses shrink-on-load when it is the first step.
#include "engine/ops/thumbnail.h"

#include "engine/ops/ops.h"

namespace tessera::engine::ops {
namespace {

constexpr std::string_view kCrops[] = {"none", "centre", "center", "entropy", "attention"};

constexpr ParamSpec kParams[] = {
    {.name = "w",
     .type = ParamType::kInt,
     .description = "box width in pixels",
     .min = 1,
     .max = 65535,
     .required = true},
    {.name = "h",
     .type = ParamType::kInt,
     .description = "box height in pixels (default: same as w)",
     .min = 1,
     .max = 65535},
    {.name = "crop",
     .type = ParamType::kEnum,
     .description = "none: fit inside the box; otherwise fill it and crop by this strategy",
     .default_value = "none",
     .choices = kCrops},
    {.name = "enlarge",
     .type = ParamType::kBool,
     .description = "allow the result to be larger than the input",
     .default_value = "false"},
};

vips::Interesting CropFromName(const std::string& c) {
  if (c == "centre" || c == "center") return vips::Interesting::kCentre;
  if (c == "entropy") return vips::Interesting::kEntropy;
  if (c == "attention") return vips::Interesting::kAttention;
  return vips::Interesting::kNone;
}

Result<Image> Apply(const Image& in, const Args& args) {
  return vips::ThumbnailImage(in, ThumbnailOptionsFrom(args));
}

}  // namespace

vips::ThumbnailOptions ThumbnailOptionsFrom(const Args& args) {
  vips::ThumbnailOptions o;
  o.width = static_cast<int>(args.Int("w"));
  o.height = args.Has("h") ? static_cast<int>(args.Int("h")) : o.width;
  o.crop = CropFromName(args.Enum("crop"));
  o.size = args.Bool("enlarge") ? vips::SizeMode::kBoth : vips::SizeMode::kDown;
  return o;
}

const OpSpec kThumbnail{
    .name = "thumbnail",
    .description = "make a small preview fitting a box; fastest when first (shrink-on-load)",
    .params = kParams,
    .changes_geometry = true,
    .reads_randomly = true,
    .halo = GlobalHalo,
    .apply = Apply,
};

}  // namespace tessera::engine::ops
