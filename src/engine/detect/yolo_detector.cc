// YOLO networks through OpenCV DNN (ONNX), on the CPU. The image is letterboxed into the
// square input (aspect kept, grey 114 padding, as the YOLO training pipelines do), scaled to
// 0..1 and given in RGB order.
#include <chrono>
#include <cmath>
#include <opencv2/dnn.hpp>
#include <opencv2/imgproc.hpp>

#include "engine/detect/detectors.h"
#include "engine/detect/instance_pool.h"
#include "engine/detect/yolo_decode.h"

namespace tessera::engine::detect {
namespace {

Error LoadError(const ModelInfo& info, const std::string& why, const std::string& detail = {}) {
  return MakeError(ErrorCode::kUnavailable, "model '" + info.name + "': " + why, "detect.model",
                   detail);
}

cv::Mat LetterboxBlob(const cv::Mat& bgr, int size, const Letterbox& lb) {
  cv::Mat canvas(size, size, CV_8UC3, cv::Scalar(114, 114, 114));
  int w = static_cast<int>(std::lround(bgr.cols * lb.scale));
  int h = static_cast<int>(std::lround(bgr.rows * lb.scale));
  cv::Mat scaled;
  cv::resize(bgr, scaled, cv::Size(w, h), 0, 0, cv::INTER_LINEAR);
  scaled.copyTo(canvas(cv::Rect(lb.pad_x, lb.pad_y, w, h)));
  return cv::dnn::blobFromImage(canvas, 1.0 / 255.0, cv::Size(), cv::Scalar(), /*swapRB=*/true,
                                /*crop=*/false);
}

// Runs the network; kUnavailable (naming the model) if OpenCV refuses.
Result<cv::Mat> Forward(cv::dnn::Net& net, const cv::Mat& blob, const ModelInfo& info) {
  try {
    net.setInput(blob);
    return net.forward().clone();
  } catch (const cv::Exception& e) {
    return LoadError(info, "the network failed to run", e.what());
  }
}

Result<std::unique_ptr<cv::dnn::Net>> OpenNet(const ModelInfo& info) {
  auto net = std::make_unique<cv::dnn::Net>();
  try {
    *net = cv::dnn::readNetFromONNX(info.file);
  } catch (const cv::Exception& e) {
    return LoadError(info, info.file + " is not a loadable ONNX network", e.what());
  }
  if (net->empty()) return LoadError(info, info.file + " is not a loadable ONNX network");
  net->setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
  net->setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
  return net;
}

class YoloDetector final : public Detector {
 public:
  YoloDetector(ModelInfo info, std::unique_ptr<cv::dnn::Net> first)
      : Detector(info), pool_([info] { return OpenNet(info); }, std::move(first)) {}

  Result<std::vector<Detection>> Detect(const cv::Mat& bgr, const DetectOptions& options,
                                        DetectTimes* timings) override {
    auto net = pool_.Acquire();
    if (!net) return net.error();
    const int size = info().input_size;
    Letterbox lb = FitLetterbox(bgr.cols, bgr.rows, size);
    auto start = std::chrono::steady_clock::now();
    auto output = Forward(**net, LetterboxBlob(bgr, size, lb), info());
    if (!output) return output.error();
    auto inferred = std::chrono::steady_clock::now();
    auto out = DecodeYolo(*output, info(), lb, options);
    auto decoded = std::chrono::steady_clock::now();
    if (timings != nullptr) {
      timings->inference_ms = std::chrono::duration<double, std::milli>(inferred - start).count();
      timings->nms_ms = std::chrono::duration<double, std::milli>(decoded - inferred).count();
    }
    return out;
  }

 private:
  InstancePool<cv::dnn::Net> pool_;
};

}  // namespace

Result<std::unique_ptr<Detector>> LoadYolo(ModelInfo info) {
  auto net = OpenNet(info);
  if (!net) return net.error();
  // One run on a blank input: a network that cannot run, or whose output is not the declared
  // layout, is refused at load.
  const int size = info.input_size;
  cv::Mat blank(size, size, CV_8UC3, cv::Scalar(114, 114, 114));
  auto output = Forward(
      **net, cv::dnn::blobFromImage(blank, 1.0 / 255.0, cv::Size(), cv::Scalar(), true), info);
  if (!output) return output.error();
  Status layout = CheckYoloLayout(*output, info);
  if (!layout) return layout.error();
  return std::unique_ptr<Detector>(new YoloDetector(std::move(info), std::move(*net)));
}

}  // namespace tessera::engine::detect
