// ImageFlowService: the ImageFlowCanvas `imageflow.v1` services (ResizeService.ResizeImage,
// FilterService.ApplyFilter, AIDetectionService.DetectObjects and their Health rpcs) as plain
// C++ values, independent of the transport. The HTTP gateway (imageflow_gateway.cc) and the
// gRPC services both call this class, so a request means the same thing on either wire.
//
// The structs mirror the public protos field by field (proto/imageflow/v1/{common,resize,
// filter,ai_detection}.proto of ImageFlowCanvas), including the later `ImageBytes` input
// variant (`input_bytes`) and `ProcessingResult.output_data`.
//
// Each request becomes a tessera pipeline (see ResizePipeline/FilterPipeline) run through the
// shared SyncProcessor, so the synchronous limits and backpressure are the native ones. Images
// named by bucket/object_key are read from the BlobStore at key "<bucket>/<object_key>"; the
// output is written beside them as "<bucket>/<execution_id>_resized.jpg" (resize) or
// "<bucket>/<execution_id>_final.jpg" (filter). An `input_bytes` request reads nothing and
// writes nothing: the output comes back in `output_data`.
//
// As in ImageFlowCanvas, a processing failure (missing object, undecodable image, bad size) is
// not an error of the call: it is a result with status FAILED and a message. The only errors
// are the ones the transport must answer differently: kQueueFull (no synchronous slot came free;
// HTTP 429, gRPC RESOURCE_EXHAUSTED).
//
// Thread-safety: every method may be called concurrently (blocking-work threads only: Resize
// and Filter run the engine on the calling thread).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/sync_processor.h"
#include "core/clock.h"
#include "core/result.h"
#include "store/blob_store.h"

namespace tessera::api::compat::imageflow {

// imageflow.v1.ProcessingStatus
enum class ProcessingStatus {
  kUnspecified = 0,
  kPending = 1,
  kRunning = 2,
  kCompleted = 3,
  kFailed = 4
};
// imageflow.v1.ResizeQuality
enum class ResizeQuality { kUnspecified = 0, kFast = 1, kGood = 2, kBest = 3 };
// imageflow.v1.FilterType
enum class FilterType {
  kUnspecified = 0,
  kBlur = 1,
  kSharpen = 2,
  kBrightness = 3,
  kContrast = 4,
  kSaturation = 5,
  kGaussian = 6,
};

// The proto enum value names ("PROCESSING_STATUS_COMPLETED", ...), and back (nullopt when the
// name is not one of them).
std::string_view ProcessingStatusName(ProcessingStatus s);
std::string_view ResizeQualityName(ResizeQuality q);
std::string_view FilterTypeName(FilterType f);
std::optional<ResizeQuality> ParseResizeQuality(std::string_view name);
std::optional<FilterType> ParseFilterType(std::string_view name);

// imageflow.v1.ImageData: an image in object storage.
struct ImageData {
  std::string bucket;
  std::string object_key;
  std::string content_type;
  int64_t size_bytes = 0;
  int32_t width = 0;
  int32_t height = 0;
  SystemTime created_at{};  // epoch: unset
};

// imageflow.v1.ImageBytes: an image carried in the request itself.
struct ImageBytes {
  std::vector<uint8_t> data;
  std::string format;  // informational; the format is sniffed from the bytes
  int32_t width = 0;
  int32_t height = 0;
};

// imageflow.v1.ProcessingResult
struct ProcessingResult {
  ProcessingStatus status = ProcessingStatus::kUnspecified;
  std::string message;
  std::optional<ImageData> output_image;  // set when the output was written to the store
  std::vector<uint8_t> output_data;       // set for input_bytes requests
  std::map<std::string, std::string> metadata;
  SystemTime processed_at{};
  double processing_time_seconds = 0;
};

struct ResizeRequest {
  ImageData input_image;
  std::optional<ImageBytes> input_bytes;  // the oneof's other arm; wins when set
  int32_t target_width = 0;
  int32_t target_height = 0;
  bool maintain_aspect_ratio = false;
  ResizeQuality quality = ResizeQuality::kUnspecified;
  std::string execution_id;
};

struct ResizeMetadata {
  int32_t original_width = 0;
  int32_t original_height = 0;
  int32_t output_width = 0;
  int32_t output_height = 0;
  double scale_factor_x = 0;
  double scale_factor_y = 0;
  ResizeQuality quality_used = ResizeQuality::kUnspecified;
};

struct ResizeResponse {
  ProcessingResult result;
  ResizeMetadata metadata;
};

struct FilterRequest {
  ImageData input_image;
  std::optional<ImageBytes> input_bytes;
  FilterType filter_type = FilterType::kUnspecified;
  float intensity = 0;
  std::map<std::string, std::string> parameters;  // echoed as applied_parameters
  std::string execution_id;
};

struct FilterMetadata {
  FilterType filter_type = FilterType::kUnspecified;
  float intensity = 0;
  std::map<std::string, std::string> applied_parameters;
};

struct FilterResponse {
  ProcessingResult result;
  FilterMetadata metadata;
};

struct DetectionRequest {
  ImageData input_image;
  std::optional<ImageBytes> input_bytes;
  std::string model_name;
  float confidence_threshold = 0;
  float nms_threshold = 0;
  bool draw_boxes = false;
  std::string execution_id;
};

struct DetectionMetadata {
  std::string model_name;
  std::string model_version;
  float confidence_threshold = 0;
  float nms_threshold = 0;
  int32_t total_detections = 0;
  double inference_time_ms = 0;
  double nms_time_ms = 0;
};

// imageflow.v1.Detection: a box in pixels of the input image, corners x1,y1 (top left) and
// x2,y2 (bottom right).
struct DetectedObject {
  std::string class_name;
  float confidence = 0;
  float x1 = 0, y1 = 0, x2 = 0, y2 = 0;
  int32_t class_id = 0;
};

struct DetectionResponse {
  ProcessingResult result;
  std::vector<DetectedObject> detections;
  DetectionMetadata metadata;
};

// The tessera pipeline text a request runs. kBadRequest naming the field when the request
// cannot be expressed (a target size that is not positive). Exposed so tests and the gRPC
// services can see exactly what runs.
// With the input's header, a resize that keeps the aspect ratio gets the original's exact size
// (ResizeTarget: int() truncation, so 4000x2500 into 300x200 is 300x187) and stretches to it;
// without, it fits inside the box (libvips rounds: 300x188).
Result<std::string> ResizePipeline(const ResizeRequest& request,
                                   const engine::ImageInfo* input = nullptr);
std::string FilterPipeline(const FilterRequest& request);

// The tessera model an ImageFlowCanvas model_name runs (docs/COMPAT.md):
//   a tessera model name (face, people, ...) or a YOLO manifest's name: that model;
//   "", "yolo" and names starting "yolo" ("yolo11", "yolov8n", ...): the models directory's
//     "yolo" manifest when there is one, else the HOG people detector ("people": COCO's class 0,
//     person, which is what the ImageFlowCanvas workflows look for);
//   anything else: nullopt.
std::optional<std::string> DetectionModelFor(std::string_view model_name);

// The pipeline a detection request runs: detect with the mapped model, the thresholds (0 or
// less: the model's defaults), draw_boxes, then JPEG q=95 (what the seed's cv2.imwrite wrote).
// kBadRequest (field model_name) for a model name that maps to nothing.
Result<std::string> DetectPipeline(const DetectionRequest& request);

// OK when the model DetectionModelFor("yolo") names loads; kUnavailable saying why otherwise.
Status DetectionHealth();

class ImageFlowService {
 public:
  // The references must outlive the service. Requests run through `sync`, which records their
  // engine time per op in the server's metrics, as for POST /v1/process.
  ImageFlowService(SyncProcessor& sync, store::BlobStore& blobs, const Clock& clock);

  // COMPLETED with the written output (or output_data), or FAILED with a message saying why.
  // Errors: kQueueFull only (no slot within the SyncProcessor's slot_wait from `queued_at`;
  // the gRPC services move it back to end the wait at the call's deadline). `stop` (the client
  // went away, the call's deadline passed) stops the engine at its next step, region or band
  // of rows; the request then ends FAILED with its reason.
  Result<ResizeResponse> Resize(
      const ResizeRequest& request,
      std::chrono::steady_clock::time_point queued_at = std::chrono::steady_clock::now(),
      const engine::StopToken* stop = nullptr);
  Result<FilterResponse> Filter(
      const FilterRequest& request,
      std::chrono::steady_clock::time_point queued_at = std::chrono::steady_clock::now(),
      const engine::StopToken* stop = nullptr);

  // Runs DetectPipeline: COMPLETED with the boxes (in pixels of the input image), the output
  // image (boxes drawn when draw_boxes) stored as "<bucket>/<execution_id>_detected.jpg" (the
  // name the next step of the ImageFlowCanvas chain reads) beside a
  // "<bucket>/<execution_id>_detected_metadata.json" of the detections, and metadata (model
  // version, inference and NMS time); FAILED with a message when the model is unknown or
  // cannot be loaded, or the input cannot be read. Errors: kQueueFull only.
  Result<DetectionResponse> Detect(
      const DetectionRequest& request,
      std::chrono::steady_clock::time_point queued_at = std::chrono::steady_clock::now(),
      const engine::StopToken* stop = nullptr);

  // The Health rpc of "resize", "filter" or "detection": OK when that service can work (the
  // blob store answers; detection: also the default model loads, else kUnavailable saying why).
  // kNotFound for another service name.
  Status Health(std::string_view service);

 private:
  struct Input {
    std::vector<uint8_t> bytes;
    bool from_store = false;
  };
  Result<Input> ReadInput(const ImageData& image, const std::optional<ImageBytes>& bytes);
  // The pipeline a request runs, given its input's header.
  using PipelineFor = std::function<Result<std::string>(const engine::ImageInfo&)>;
  // Runs the pipeline on the input and stores the output as "<bucket>/<name>" (store inputs).
  // Fills `result` (COMPLETED or FAILED); returns kQueueFull only.
  Status Run(const ImageData& image, const std::optional<ImageBytes>& bytes,
             const PipelineFor& pipeline_for, const std::string& output_name,
             std::string_view failure_prefix, MonotonicTime started,
             std::chrono::steady_clock::time_point queued_at, const engine::StopToken* stop,
             ProcessingResult& result, engine::ImageInfo* input_info,
             engine::ProcessResult* processed = nullptr);

  SyncProcessor& sync_;
  store::BlobStore& blobs_;
  const Clock& clock_;
};

}  // namespace tessera::api::compat::imageflow
