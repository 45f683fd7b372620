// AIDetectionService.DetectObjects on tessera's detect op: model names, the pipeline, the
// output and metadata objects the ImageFlowCanvas chain reads, and the service's health.
#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "api/compat/imageflow/imageflow_service.h"
#include "engine/detect/model_registry.h"

namespace tessera::api::compat::imageflow {
namespace {

// What the YOLO names map to when the models directory has no "yolo" manifest.
constexpr std::string_view kYoloFallback = "people";
// JPEG quality of the output: cv2.imwrite's default, which the seed's service used.
constexpr int kOutputQuality = 95;

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.6g", v);
  return buf;
}

bool Available(std::string_view name) {
  const std::vector<std::string> models = engine::detect::AvailableModels();
  return std::find(models.begin(), models.end(), name) != models.end();
}

// The seed's metadata object: {"detections":[{class_name, confidence, bbox:{x1,y1,x2,y2},
// class_id}], "model_name", "confidence_threshold", "total_detections"}.
std::string MetadataJson(const DetectionRequest& request,
                         const std::vector<DetectedObject>& detections) {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const DetectedObject& d : detections) {
    list.push_back({{"class_name", d.class_name},
                    {"confidence", d.confidence},
                    {"bbox", {{"x1", d.x1}, {"y1", d.y1}, {"x2", d.x2}, {"y2", d.y2}}},
                    {"class_id", d.class_id}});
  }
  nlohmann::ordered_json j = {{"detections", list},
                              {"model_name", request.model_name},
                              {"confidence_threshold", request.confidence_threshold},
                              {"total_detections", detections.size()}};
  return j.dump();
}

}  // namespace

std::optional<std::string> DetectionModelFor(std::string_view model_name) {
  std::string name(model_name);
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (name.empty() || name.rfind("yolo", 0) == 0) {
    if (!name.empty() && Available(name)) return name;
    if (Available("yolo")) return std::string("yolo");
    return std::string(kYoloFallback);
  }
  if (Available(name)) return name;
  return std::nullopt;
}

Result<std::string> DetectPipeline(const DetectionRequest& request) {
  auto model = DetectionModelFor(request.model_name);
  if (!model) {
    std::string known;
    for (const std::string& n : engine::detect::AvailableModels()) {
      known += (known.empty() ? "" : ", ") + n;
    }
    return MakeError(ErrorCode::kBadRequest,
                     "unknown model_name '" + request.model_name + "'; available: yolo, " + known,
                     "model_name");
  }
  std::string step = "detect:model=" + *model;
  if (request.confidence_threshold > 0) {
    step += ",confidence=" + Num(std::min(1.0f, request.confidence_threshold));
  }
  if (request.nms_threshold > 0) step += ",nms=" + Num(std::min(1.0f, request.nms_threshold));
  if (request.draw_boxes) step += ",draw=true";
  return step + ";format:type=jpeg,q=" + std::to_string(kOutputQuality);
}

Status DetectionHealth() {
  auto model = DetectionModelFor("yolo");
  auto loaded = engine::detect::DescribeModel(*model);
  if (!loaded) return loaded.error();
  return OkStatus();
}

Result<DetectionResponse> ImageFlowService::Detect(const DetectionRequest& request,
                                                   std::chrono::steady_clock::time_point queued_at,
                                                   const engine::StopToken* stop) {
  const MonotonicTime started = clock_.Monotonic();
  DetectionResponse response;
  engine::ProcessResult processed;
  const Result<std::string> pipeline = DetectPipeline(request);
  const std::string output_name = request.execution_id + "_detected.jpg";
  auto st = Run(
      request.input_image, request.input_bytes, [&](const engine::ImageInfo&) { return pipeline; },
      output_name, "Detection failed: ", started, queued_at, stop, response.result, nullptr,
      &processed);
  if (!st) return Unexpected(st.error());
  response.metadata.model_name = request.model_name;
  response.metadata.confidence_threshold = request.confidence_threshold;
  response.metadata.nms_threshold = request.nms_threshold;
  if (response.result.status != ProcessingStatus::kCompleted) return response;

  for (const engine::detect::Detection& d : processed.detections) {
    response.detections.push_back(
        {d.label, d.confidence, d.x, d.y, d.x + d.width, d.y + d.height, d.class_id});
  }
  const std::string model = *DetectionModelFor(request.model_name);
  if (auto described = engine::detect::DescribeModel(model)) {
    response.metadata.model_version = described->version;
  }
  response.result.metadata["model"] = model;
  response.metadata.total_detections = static_cast<int32_t>(response.detections.size());
  response.metadata.inference_time_ms = processed.detect_times.inference_ms;
  response.metadata.nms_time_ms = processed.detect_times.nms_ms;
  if (response.result.output_image) {
    const std::string key =
        request.input_image.bucket + "/" + request.execution_id + "_detected_metadata.json";
    const std::string json = MetadataJson(request, response.detections);
    Status put = store::ValidateBlobKey(key);
    if (put) {
      put = blobs_.Put(key, std::span(reinterpret_cast<const uint8_t*>(json.data()), json.size()));
    }
    if (!put) {
      response.result.status = ProcessingStatus::kFailed;
      response.result.message = "Detection failed: " + put.error().message;
      response.result.metadata["error_code"] = std::string(CodeName(put.error().code));
      return response;
    }
  }
  response.result.message = "Object detection completed. Found " +
                            std::to_string(response.detections.size()) + " objects.";
  return response;
}

}  // namespace tessera::api::compat::imageflow
