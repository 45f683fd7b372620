// redact: find faces (or people, plates, ...) with a model and blur or pixelate each box, for
// privacy. The boxes found are returned like detect's.
#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>

#include "engine/ops/cv_bridge.h"
#include "engine/ops/detect_common.h"
#include "engine/ops/ops.h"

namespace tessera::engine::ops {
namespace {

constexpr std::string_view kModes[] = {"pixelate", "blur"};

constexpr ParamSpec kParams[] = {
    kModelParam,
    kConfidenceParam,
    kNmsParam,
    kMaxParam,
    kClassesParam,
    {.name = "mode",
     .type = ParamType::kEnum,
     .description = "pixelate: coarse blocks; blur: a strong Gaussian blur",
     .default_value = "pixelate",
     .choices = kModes},
    {.name = "strength",
     .type = ParamType::kInt,
     .description = "blocks across the box (pixelate), or the box size divided by the blur's "
                    "sigma (blur); lower hides more",
     .min = 2,
     .max = 64,
     .default_value = "8"},
};

// The box, grown by 10% on each side (a face box from a cascade stops at the hairline and chin)
// and clipped to the image.
cv::Rect RegionOf(const detect::Detection& d, int width, int height) {
  double grow_x = d.width * 0.1, grow_y = d.height * 0.1;
  int x1 = std::max(0, static_cast<int>(std::floor(d.x - grow_x)));
  int y1 = std::max(0, static_cast<int>(std::floor(d.y - grow_y)));
  int x2 = std::min(width, static_cast<int>(std::ceil(d.x + d.width + grow_x)));
  int y2 = std::min(height, static_cast<int>(std::ceil(d.y + d.height + grow_y)));
  return cv::Rect(x1, y1, std::max(0, x2 - x1), std::max(0, y2 - y1));
}

void Pixelate(cv::Mat region, int blocks) {
  int bw = std::max(1, region.cols / blocks), bh = std::max(1, region.rows / blocks);
  cv::Mat small;
  cv::resize(region, small, cv::Size(std::max(1, region.cols / bw), std::max(1, region.rows / bh)),
             0, 0, cv::INTER_AREA);
  cv::resize(small, region, region.size(), 0, 0, cv::INTER_NEAREST);
}

void BlurRegion(cv::Mat region, int strength) {
  double sigma = static_cast<double>(std::max(region.cols, region.rows)) / strength;
  cv::GaussianBlur(region.clone(), region, cv::Size(), sigma, sigma, cv::BORDER_REPLICATE);
}

Result<Raster> Redact(Raster in, const Args& args, std::vector<detect::Detection>& found,
                      detect::DetectTimes& times) {
  auto detections = DetectWithArgs(in, args, &times);
  if (!detections) return detections.error();
  cv::Mat m = AsMat(in);
  const bool pixelate = args.Enum("mode") == "pixelate";
  const int strength = static_cast<int>(args.Int("strength"));
  for (const detect::Detection& d : *detections) {
    cv::Rect r = RegionOf(d, in.width, in.height);
    if (r.empty()) continue;
    if (pixelate) {
      Pixelate(m(r), strength);
    } else {
      BlurRegion(m(r), strength);
    }
  }
  found = std::move(*detections);
  return in;
}

}  // namespace

const OpSpec kRedact{
    .name = "redact",
    .description = "blur or pixelate every detected region (faces by default)",
    .params = kParams,
    .capability = "detect",
    .halo = GlobalHalo,
    .work_per_pixel = DetectWorkPerPixel,
    .detect = Redact,
};

}  // namespace tessera::engine::ops
