#include "engine/ops/detect_common.h"

#include <opencv2/imgproc.hpp>

#include "engine/detect/detector.h"
#include "engine/detect/model_registry.h"
#include "engine/ops/cv_bridge.h"

namespace tessera::engine::ops {
namespace {

// The raster as 8-bit BGR, the input every OpenCV model expects.
cv::Mat ToBgr8(const Raster& raster) {
  cv::Mat in = AsMat(raster);
  cv::Mat eight;
  if (raster.bits == 16) {
    in.convertTo(eight, CV_8U, 1.0 / 257.0);
  } else {
    eight = in;
  }
  int colour = raster.bands - (raster.has_alpha ? 1 : 0);
  cv::Mat bgr;
  if (colour == 1) {
    cv::Mat grey = eight;
    if (raster.has_alpha) cv::extractChannel(eight, grey, 0);
    cv::cvtColor(grey, bgr, cv::COLOR_GRAY2BGR);
  } else {
    cv::cvtColor(eight, bgr, raster.has_alpha ? cv::COLOR_RGBA2BGR : cv::COLOR_RGB2BGR);
  }
  return bgr;
}

std::vector<std::string> SplitNames(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t bar = text.find('|', start);
    if (bar == std::string::npos) bar = text.size();
    if (bar > start) out.push_back(text.substr(start, bar - start));
    start = bar + 1;
  }
  return out;
}

Result<std::vector<detect::Detection>> Run(const Raster& raster, const std::string& model,
                                           const detect::DetectOptions& options,
                                           detect::DetectTimes* times) {
  auto detector = detect::FindModel(model);
  if (!detector) return detector.error();
  auto found = (*detector)->Detect(ToBgr8(raster), options, times);
  if (!found) return found.error();
  for (detect::Detection& d : *found) {
    d.image_width = raster.width;
    d.image_height = raster.height;
  }
  return found;
}

}  // namespace

double DetectWorkPerPixel(const Args&) { return 300; }

Result<std::vector<detect::Detection>> DetectWithArgs(const Raster& raster, const Args& args,
                                                      detect::DetectTimes* times) {
  detect::DetectOptions options;
  options.confidence = static_cast<float>(args.Float("confidence"));
  options.nms = static_cast<float>(args.Float("nms"));
  options.max = static_cast<int>(args.Int("max"));
  if (args.Has("classes")) options.classes = SplitNames(args.Name("classes"));
  return Run(raster, args.Name("model"), options, times);
}

Result<std::vector<detect::Detection>> DetectWithModel(const Raster& raster,
                                                       const std::string& model) {
  return Run(raster, model, detect::DetectOptions{}, nullptr);
}

}  // namespace tessera::engine::ops
