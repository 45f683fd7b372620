// OpenCV's built-in HOG people detector (Dalal-Triggs, 64x128 window, linear SVM). Its score is
// the SVM margin w of the grouped window; confidence is 1 / (1 + e^-w), so a window on the
// decision boundary (w = 0, the hit threshold) scores 0.5.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <opencv2/objdetect.hpp>

#include "engine/detect/detectors.h"
#include "engine/detect/instance_pool.h"

namespace tessera::engine::detect {
namespace {

constexpr double kHitThreshold = 0;
const cv::Size kWinStride(8, 8);
const cv::Size kPadding(0, 0);
constexpr double kScale = 1.05;
constexpr double kGroupThreshold = 2;

Result<std::unique_ptr<cv::HOGDescriptor>> MakeHog() {
  auto hog = std::make_unique<cv::HOGDescriptor>();
  hog->setSVMDetector(cv::HOGDescriptor::getDefaultPeopleDetector());
  return hog;
}

class HogDetector final : public Detector {
 public:
  HogDetector(ModelInfo info, std::unique_ptr<cv::HOGDescriptor> first)
      : Detector(std::move(info)), pool_(MakeHog, std::move(first)) {}

  Result<std::vector<Detection>> Detect(const cv::Mat& bgr, const DetectOptions& options,
                                        DetectTimes* timings) override {
    auto hog = pool_.Acquire();
    if (!hog) return hog.error();
    std::vector<cv::Rect> rects;
    std::vector<double> weights;
    auto start = std::chrono::steady_clock::now();
    (*hog)->detectMultiScale(bgr, rects, weights, kHitThreshold, kWinStride, kPadding, kScale,
                             kGroupThreshold);
    auto found = std::chrono::steady_clock::now();
    const cv::Rect frame(0, 0, bgr.cols, bgr.rows);
    std::vector<Detection> out;
    for (size_t i = 0; i < rects.size(); ++i) {
      cv::Rect r = rects[i] & frame;  // windows may reach past the edges
      if (r.empty()) continue;
      Detection d;
      d.model = info().name;
      d.label = "person";
      d.confidence = static_cast<float>(1.0 / (1.0 + std::exp(-weights[i])));
      d.x = static_cast<float>(r.x);
      d.y = static_cast<float>(r.y);
      d.width = static_cast<float>(r.width);
      d.height = static_cast<float>(r.height);
      if (d.confidence < options.confidence || !ClassAllowed(d.label, options.classes)) continue;
      out.push_back(std::move(d));
    }
    std::stable_sort(out.begin(), out.end(), [](const Detection& a, const Detection& b) {
      return a.confidence > b.confidence;
    });
    if (static_cast<int>(out.size()) > options.max) out.resize(options.max);
    if (timings != nullptr) {
      timings->inference_ms = std::chrono::duration<double, std::milli>(found - start).count();
      timings->nms_ms = 0;
    }
    return out;
  }

 private:
  InstancePool<cv::HOGDescriptor> pool_;
};

}  // namespace

Result<std::unique_ptr<Detector>> LoadHogPeople(ModelInfo info) {
  auto first = MakeHog();
  if (!first) return first.error();
  return std::unique_ptr<Detector>(new HogDetector(std::move(info), std::move(*first)));
}

}  // namespace tessera::engine::detect
