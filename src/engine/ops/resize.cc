// resize: scale to a width and/or height with sharp's five fit modes.
#include "engine/ops/resize.h"

#include <algorithm>
#include <cmath>

#include "engine/ops/ops.h"

namespace tessera::engine::ops {
namespace {

constexpr std::string_view kFits[] = {"inside", "contain", "cover", "fill", "outside"};
constexpr std::string_view kKernels[] = {"nearest",  "linear",   "cubic",
                                         "mitchell", "lanczos2", "lanczos3"};

constexpr ParamSpec kParams[] = {
    {.name = "w",
     .type = ParamType::kInt,
     .description = "target width in pixels",
     .min = 1,
     .max = 65535},
    {.name = "h",
     .type = ParamType::kInt,
     .description = "target height in pixels",
     .min = 1,
     .max = 65535},
    {.name = "fit",
     .type = ParamType::kEnum,
     .description = "inside: fit within w x h keeping aspect; contain: fit within and letterbox "
                    "to exactly w x h; cover: fill w x h keeping aspect, centre-crop the excess; "
                    "fill: stretch to exactly w x h; outside: cover w x h keeping aspect, no crop",
     .default_value = "inside",
     .choices = kFits},
    {.name = "kernel",
     .type = ParamType::kEnum,
     .description = "resampling kernel",
     .default_value = "lanczos3",
     .choices = kKernels},
    {.name = "enlarge",
     .type = ParamType::kBool,
     .description = "allow the result to be larger than the input",
     .default_value = "false"},
    {.name = "bg",
     .type = ParamType::kColour,
     .description = "letterbox colour for fit=contain (rrggbb[aa] or black/white/transparent)",
     .default_value = "black"},
};

vips::Kernel KernelFromName(const std::string& k) {
  if (k == "nearest") return vips::Kernel::kNearest;
  if (k == "linear") return vips::Kernel::kLinear;
  if (k == "cubic") return vips::Kernel::kCubic;
  if (k == "mitchell") return vips::Kernel::kMitchell;
  if (k == "lanczos2") return vips::Kernel::kLanczos2;
  return vips::Kernel::kLanczos3;
}

Status Validate(const Args& a) {
  if (!a.Has("w") && !a.Has("h")) {
    return MakeError(ErrorCode::kBadPipeline, "resize needs w, h or both", "resize.w");
  }
  const std::string& fit = a.Enum("fit");
  if ((fit == "contain" || fit == "cover" || fit == "fill" || fit == "outside") &&
      !(a.Has("w") && a.Has("h"))) {
    return MakeError(ErrorCode::kBadPipeline, "fit=" + fit + " needs both w and h", "resize.fit");
  }
  return OkStatus();
}

int Round(double v) { return std::max(1, static_cast<int>(std::lround(v))); }

Result<Image> Apply(const Image& in, const Args& args) {
  ResizePlan plan = PlanResize(args, in.width(), in.height());
  if (plan.identity) return in;
  Image scaled = in;
  if (plan.scaled_width != in.width() || plan.scaled_height != in.height()) {
    auto r = vips::ResizeTo(in, plan.scaled_width, plan.scaled_height, plan.kernel);
    if (!r) return r;
    scaled = *r;
  }
  return FinishResize(scaled, plan);
}

}  // namespace

ResizePlan PlanResize(const Args& a, int sw, int sh) {
  ResizePlan p;
  p.kernel = KernelFromName(a.Enum("kernel"));
  p.background = a.ColourValue("bg");
  const std::string& fit = a.Enum("fit");
  bool enlarge = a.Bool("enlarge");
  int tw = a.Has("w") ? static_cast<int>(a.Int("w")) : 0;
  int th = a.Has("h") ? static_cast<int>(a.Int("h")) : 0;
  double rw = static_cast<double>(tw) / sw;
  double rh = static_cast<double>(th) / sh;

  if (fit == "fill") {
    p.scaled_width = enlarge ? tw : std::min(tw, sw);
    p.scaled_height = enlarge ? th : std::min(th, sh);
  } else {
    double s = !a.Has("h")                            ? rw
               : !a.Has("w")                          ? rh
               : (fit == "cover" || fit == "outside") ? std::max(rw, rh)
                                                      : std::min(rw, rh);
    bool capped = !enlarge && s > 1.0;
    if (capped) s = 1.0;
    p.scaled_width = Round(sw * s);
    p.scaled_height = Round(sh * s);
    // The axis that decided the scale lands exactly on its target, whatever the rounding.
    if (!capped && tw > 0 && s == rw) p.scaled_width = tw;
    if (!capped && th > 0 && s == rh) p.scaled_height = th;
  }
  if (fit == "cover") {
    p.crop_width = std::min(tw, p.scaled_width);
    p.crop_height = std::min(th, p.scaled_height);
  }
  if (fit == "contain") {
    p.canvas_width = tw;
    p.canvas_height = th;
  }
  p.identity = p.scaled_width == sw && p.scaled_height == sh &&
               (p.crop_width == 0 || (p.crop_width == sw && p.crop_height == sh)) &&
               (p.canvas_width == 0 || (p.canvas_width == sw && p.canvas_height == sh));
  return p;
}

Result<Image> FinishResize(const Image& scaled, const ResizePlan& plan) {
  Image out = scaled;
  if (plan.crop_width > 0 && (plan.crop_width < out.width() || plan.crop_height < out.height())) {
    auto c =
        vips::ExtractArea(out, (out.width() - plan.crop_width) / 2,
                          (out.height() - plan.crop_height) / 2, plan.crop_width, plan.crop_height);
    if (!c) return c;
    out = *c;
  }
  if (plan.canvas_width > 0 &&
      (plan.canvas_width != out.width() || plan.canvas_height != out.height())) {
    auto e = vips::Embed(out, (plan.canvas_width - out.width()) / 2,
                         (plan.canvas_height - out.height()) / 2, plan.canvas_width,
                         plan.canvas_height, plan.background);
    if (!e) return e;
    out = *e;
  }
  return out;
}

namespace {

PixelSize OutputSize(const Args& a, PixelSize in) {
  ResizePlan p = PlanResize(a, static_cast<int>(in.width), static_cast<int>(in.height));
  if (p.identity) return in;
  if (p.canvas_width > 0) return {p.canvas_width, p.canvas_height};
  if (p.crop_width > 0) return {p.crop_width, p.crop_height};
  return {p.scaled_width, p.scaled_height};
}

// Two separable passes of the kernel's taps per output pixel.
double WorkPerPixel(const Args& a) {
  const std::string& k = a.Enum("kernel");
  double taps = k == "nearest" ? 1 : k == "linear" ? 2 : k == "lanczos3" ? 6 : 4;
  return 2 * taps;
}

}  // namespace

const OpSpec kResize{
    .name = "resize",
    .description = "scale to a width and/or height; fit decides how the aspect ratio is kept",
    .params = kParams,
    .changes_geometry = true,
    .halo = GlobalHalo,
    .validate = Validate,
    .output_size = OutputSize,
    .work_per_pixel = WorkPerPixel,
    .apply = Apply,
};

}  // namespace tessera::engine::ops
