// crop: a rectangle by position, or a w x h window placed by gravity or a saliency strategy.
#include <algorithm>

#include "engine/ops/face_crop.h"
#include "engine/ops/ops.h"
#include "engine/vips/vips_adapter.h"

namespace tessera::engine::ops {
namespace {

constexpr std::string_view kGravities[] = {"none", "centre",  "center",    "north", "south",
                                           "east", "west",    "ne",        "nw",    "se",
                                           "sw",   "entropy", "attention", "faces"};

constexpr ParamSpec kParams[] = {
    {.name = "x",
     .type = ParamType::kInt,
     .description = "left edge (with gravity=none)",
     .min = 0,
     .max = 1 << 30,
     .default_value = "0"},
    {.name = "y",
     .type = ParamType::kInt,
     .description = "top edge (with gravity=none)",
     .min = 0,
     .max = 1 << 30,
     .default_value = "0"},
    {.name = "w",
     .type = ParamType::kInt,
     .description = "width in pixels",
     .min = 1,
     .max = 1 << 30,
     .required = true},
    {.name = "h",
     .type = ParamType::kInt,
     .description = "height in pixels",
     .min = 1,
     .max = 1 << 30,
     .required = true},
    {.name = "gravity",
     .type = ParamType::kEnum,
     .description = "none: use x,y; a compass point or centre places the window; entropy and "
                    "attention pick the busiest region; faces centres it on the detected faces",
     .default_value = "none",
     .choices = kGravities},
};

Status Validate(const Args& a) {
  if (a.Enum("gravity") != "none" && (a.Given("x") || a.Given("y"))) {
    return MakeError(ErrorCode::kBadPipeline, "x and y cannot be combined with gravity",
                     "crop.gravity");
  }
  return OkStatus();
}

std::string_view Capability(const Args& a) {
  return a.Enum("gravity") == "faces" ? "detect" : "core";
}

Result<Image> Apply(const Image& in, const Args& a) {
  int W = in.width(), H = in.height();
  int w = static_cast<int>(std::min<int64_t>(a.Int("w"), W));
  int h = static_cast<int>(std::min<int64_t>(a.Int("h"), H));
  const std::string& g = a.Enum("gravity");
  if (g == "entropy") return vips::SmartCrop(in, w, h, vips::Interesting::kEntropy);
  if (g == "attention") return vips::SmartCrop(in, w, h, vips::Interesting::kAttention);
  if (g == "faces") return CropToFaces(in, w, h);
  int x = 0, y = 0;
  if (g == "none") {
    int64_t x0 = a.Int("x"), y0 = a.Int("y");
    if (x0 >= W || y0 >= H) {
      return MakeError(ErrorCode::kBadRequest,
                       "the crop origin " + std::to_string(x0) + "," + std::to_string(y0) +
                           " lies outside the " + std::to_string(W) + "x" + std::to_string(H) +
                           " image",
                       "crop.x");
    }
    x = static_cast<int>(x0);
    y = static_cast<int>(y0);
    // The rectangle is clipped to the image, as every peer service does.
    w = static_cast<int>(std::min<int64_t>(a.Int("w"), W - x));
    h = static_cast<int>(std::min<int64_t>(a.Int("h"), H - y));
  } else {
    bool north = g == "north" || g == "ne" || g == "nw";
    bool south = g == "south" || g == "se" || g == "sw";
    bool west = g == "west" || g == "nw" || g == "sw";
    bool east = g == "east" || g == "ne" || g == "se";
    x = west ? 0 : east ? W - w : (W - w) / 2;
    y = north ? 0 : south ? H - h : (H - h) / 2;
  }
  if (x == 0 && y == 0 && w == W && h == H) return in;
  return vips::ExtractArea(in, x, y, w, h);
}

// Never larger than the requested window or the image.
PixelSize OutputSize(const Args& a, PixelSize in) {
  return {std::min<int64_t>(a.Int("w"), in.width), std::min<int64_t>(a.Int("h"), in.height)};
}

}  // namespace

const OpSpec kCrop{
    .name = "crop",
    .description = "cut out a rectangle (clipped to the image)",
    .params = kParams,
    .capability_for = Capability,
    .changes_geometry = true,
    .halo = GlobalHalo,
    .validate = Validate,
    .output_size = OutputSize,
    .apply = Apply,
};

}  // namespace tessera::engine::ops
