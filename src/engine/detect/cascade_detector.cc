// Haar and LBP cascades (cv::CascadeClassifier), scale step 1.1, at least 5 neighbouring windows
// per box (OpenCV's default of 3 finds faces in bricks and paintings). A cascade reports no
// probability: its confidence is n / (n + 5), where n is how many overlapping windows voted
// for the box, so every box it reports scores at least 0.5.
#include <algorithm>
#include <chrono>
#include <opencv2/imgproc.hpp>
#include <opencv2/objdetect.hpp>

#include "engine/detect/detectors.h"
#include "engine/detect/instance_pool.h"

namespace tessera::engine::detect {
namespace {

constexpr double kScaleFactor = 1.1;
constexpr int kMinNeighbours = 5;

Result<std::unique_ptr<cv::CascadeClassifier>> OpenCascade(const ModelInfo& info) {
  auto c = std::make_unique<cv::CascadeClassifier>();
  bool ok = false;
  std::string detail;
  try {
    ok = c->load(info.file);
  } catch (const cv::Exception& e) {
    detail = e.what();
  }
  if (!ok || c->empty()) {
    return MakeError(ErrorCode::kUnavailable,
                     "model '" + info.name + "': " + info.file + " is not a loadable cascade",
                     "detect.model", detail);
  }
  return c;
}

class CascadeDetector final : public Detector {
 public:
  CascadeDetector(ModelInfo info, std::unique_ptr<cv::CascadeClassifier> first)
      : Detector(info), pool_([info] { return OpenCascade(info); }, std::move(first)) {}

  Result<std::vector<Detection>> Detect(const cv::Mat& bgr, const DetectOptions& options,
                                        DetectTimes* timings) override {
    auto cascade = pool_.Acquire();
    if (!cascade) return cascade.error();
    cv::Mat grey;
    cv::cvtColor(bgr, grey, cv::COLOR_BGR2GRAY);
    std::vector<cv::Rect> rects;
    std::vector<int> votes;
    auto start = std::chrono::steady_clock::now();
    (*cascade)->detectMultiScale(grey, rects, votes, kScaleFactor, kMinNeighbours);
    auto found = std::chrono::steady_clock::now();
    std::vector<Detection> out;
    const std::string label = info().classes.empty() ? info().name : info().classes.front();
    for (size_t i = 0; i < rects.size(); ++i) {
      Detection d;
      d.model = info().name;
      d.label = label;
      d.confidence = static_cast<float>(votes[i]) / static_cast<float>(votes[i] + kMinNeighbours);
      d.x = static_cast<float>(rects[i].x);
      d.y = static_cast<float>(rects[i].y);
      d.width = static_cast<float>(rects[i].width);
      d.height = static_cast<float>(rects[i].height);
      if (d.confidence < options.confidence || !ClassAllowed(d.label, options.classes)) continue;
      out.push_back(std::move(d));
    }
    // The cascade already merged its overlapping windows; order best first and cap.
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
  InstancePool<cv::CascadeClassifier> pool_;
};

}  // namespace

Result<std::unique_ptr<Detector>> LoadCascade(ModelInfo info) {
  auto first = OpenCascade(info);
  if (!first) return first.error();
  return std::unique_ptr<Detector>(new CascadeDetector(std::move(info), std::move(*first)));
}

}  // namespace tessera::engine::detect
