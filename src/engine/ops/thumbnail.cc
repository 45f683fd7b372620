// thumbnail: fit within a box (square when only w is given), optionally cropping to fill it by
// a saliency strategy; uses shrink-on-load when it is the first step.
#include "engine/ops/thumbnail.h"

#include <algorithm>
#include <cmath>

#include "engine/ops/face_crop.h"
#include "engine/ops/ops.h"

namespace tessera::engine::ops {
namespace {

constexpr std::string_view kCrops[] = {"none", "centre", "center", "entropy", "attention", "faces"};

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
     .description = "none: fit inside the box; otherwise fill it and crop by this strategy "
                    "(faces: around the detected faces)",
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
  if (CropsToFaces(args)) {
    auto covered = vips::ThumbnailImage(in, CoverOptions(args, in.width(), in.height()));
    if (!covered) return covered;
    return CutAroundFaces(*covered, args);
  }
  return vips::ThumbnailImage(in, ThumbnailOptionsFrom(args));
}

std::string_view Capability(const Args& args) { return CropsToFaces(args) ? "detect" : "core"; }

int BoxHeight(const Args& args) {
  return static_cast<int>(args.Has("h") ? args.Int("h") : args.Int("w"));
}

// Fits the box (or covers it and is cropped to it), not enlarged unless asked.
PixelSize OutputSize(const Args& args, PixelSize in) {
  const double box_w = static_cast<double>(args.Int("w"));
  const double box_h = BoxHeight(args);
  const double w = static_cast<double>(std::max<int64_t>(1, in.width));
  const double h = static_cast<double>(std::max<int64_t>(1, in.height));
  const bool crop = args.Enum("crop") != "none";
  double scale = crop ? std::max(box_w / w, box_h / h) : std::min(box_w / w, box_h / h);
  if (!args.Bool("enlarge")) scale = std::min(scale, 1.0);
  auto out_w = static_cast<int64_t>(std::ceil(w * scale));
  auto out_h = static_cast<int64_t>(std::ceil(h * scale));
  if (crop) {
    out_w = std::min(out_w, static_cast<int64_t>(box_w));
    out_h = std::min(out_h, static_cast<int64_t>(box_h));
  }
  return {std::max<int64_t>(1, out_w), std::max<int64_t>(1, out_h)};
}

// libvips' thumbnail: a box shrink (counted as the read of the input) then lanczos3.
double WorkPerPixel(const Args&) { return 12; }

}  // namespace

vips::ThumbnailOptions ThumbnailOptionsFrom(const Args& args) {
  vips::ThumbnailOptions o;
  o.width = static_cast<int>(args.Int("w"));
  o.height = args.Has("h") ? static_cast<int>(args.Int("h")) : o.width;
  o.crop = CropFromName(args.Enum("crop"));
  o.size = args.Bool("enlarge") ? vips::SizeMode::kBoth : vips::SizeMode::kDown;
  return o;
}

bool CropsToFaces(const Args& args) { return args.Enum("crop") == "faces"; }

vips::ThumbnailOptions CoverOptions(const Args& args, int width, int height) {
  const double box_w = static_cast<double>(args.Int("w"));
  const double box_h = BoxHeight(args);
  double scale = std::max(box_w / width, box_h / height);
  if (!args.Bool("enlarge")) scale = std::min(scale, 1.0);
  vips::ThumbnailOptions o;
  o.width = std::max(1, static_cast<int>(std::lround(width * scale)));
  o.height = std::max(1, static_cast<int>(std::lround(height * scale)));
  o.size = vips::SizeMode::kForce;
  return o;
}

Result<Image> CutAroundFaces(const Image& covered, const Args& args) {
  return CropToFaces(covered, static_cast<int>(args.Int("w")), BoxHeight(args));
}

const OpSpec kThumbnail{
    .name = "thumbnail",
    .description = "make a small preview fitting a box; fastest when first (shrink-on-load)",
    .params = kParams,
    .capability_for = Capability,
    .changes_geometry = true,
    .reads_randomly = true,
    .halo = GlobalHalo,
    .output_size = OutputSize,
    .work_per_pixel = WorkPerPixel,
    .apply = Apply,
};

}  // namespace tessera::engine::ops
