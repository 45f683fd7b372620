#include "api/compat/imageflow/imageflow_service.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>

#include "api/compat/imageflow/resize_target.h"
#include "engine/image.h"
#include "engine/op_registry.h"
#include "engine/pipeline.h"

namespace tessera::api::compat::imageflow {
namespace {

constexpr std::array<std::string_view, 5> kStatusNames = {
    "PROCESSING_STATUS_UNSPECIFIED", "PROCESSING_STATUS_PENDING", "PROCESSING_STATUS_RUNNING",
    "PROCESSING_STATUS_COMPLETED", "PROCESSING_STATUS_FAILED"};
constexpr std::array<std::string_view, 4> kQualityNames = {
    "RESIZE_QUALITY_UNSPECIFIED", "RESIZE_QUALITY_FAST", "RESIZE_QUALITY_GOOD",
    "RESIZE_QUALITY_BEST"};
constexpr std::array<std::string_view, 7> kFilterNames = {
    "FILTER_TYPE_UNSPECIFIED", "FILTER_TYPE_BLUR",     "FILTER_TYPE_SHARPEN",
    "FILTER_TYPE_BRIGHTNESS",  "FILTER_TYPE_CONTRAST", "FILTER_TYPE_SATURATION",
    "FILTER_TYPE_GAUSSIAN"};

// Shortest text that reads back as the same float, as pipeline values.
std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.6g", v);
  return buf;
}

// The declaration of `op`'s parameter `name`: ImageFlowCanvas's intensities are mapped into the
// ranges the ops declare, so the clamps move with the declarations. A missing one is a bug.
const engine::ParamSpec& Declared(std::string_view op, std::string_view name) {
  const engine::OpSpec* spec = engine::FindOp(op);
  const engine::ParamSpec* param = spec != nullptr ? engine::FindParam(*spec, name) : nullptr;
  if (param == nullptr) {
    std::fprintf(stderr, "tessera: no op parameter %.*s.%.*s\n", static_cast<int>(op.size()),
                 op.data(), static_cast<int>(name.size()), name.data());
    std::abort();
  }
  return *param;
}

// `v` clamped to the declared range of `op`'s parameter `name`.
double ClampTo(double v, std::string_view op, std::string_view name) {
  const engine::ParamSpec& p = Declared(op, name);
  return std::clamp(v, p.min, p.max);
}

// The blob key of object `name` of `bucket`: a valid key outside tessera's own namespaces, so
// a bucket named "inputs" or "results" cannot reach other jobs' images.
Result<std::string> ObjectKey(std::string_view bucket, std::string_view name) {
  if (std::string_view reserved = store::ReservedSegmentOf(bucket); !reserved.empty()) {
    return Unexpected(MakeError(
        ErrorCode::kBadRequest,
        "bucket '" + std::string(bucket) + "' is reserved for tessera's own data", "bucket"));
  }
  std::string key = std::string(bucket) + "/" + std::string(name);
  if (auto ok = store::ValidateBlobKey(key); !ok) return Unexpected(ok.error());
  return key;
}

}  // namespace

std::string_view ProcessingStatusName(ProcessingStatus s) {
  return kStatusNames[static_cast<size_t>(s)];
}
std::string_view ResizeQualityName(ResizeQuality q) {
  return kQualityNames[static_cast<size_t>(q)];
}
std::string_view FilterTypeName(FilterType f) { return kFilterNames[static_cast<size_t>(f)]; }

std::optional<ResizeQuality> ParseResizeQuality(std::string_view name) {
  for (size_t i = 0; i < kQualityNames.size(); ++i) {
    if (kQualityNames[i] == name) return static_cast<ResizeQuality>(i);
  }
  return std::nullopt;
}

std::optional<FilterType> ParseFilterType(std::string_view name) {
  for (size_t i = 0; i < kFilterNames.size(); ++i) {
    if (kFilterNames[i] == name) return static_cast<FilterType>(i);
  }
  return std::nullopt;
}

Result<std::string> ResizePipeline(const ResizeRequest& request, const engine::ImageInfo* input) {
  if (request.target_width <= 0) {
    return Unexpected(
        MakeError(ErrorCode::kBadRequest,
                  "target_width must be positive, not " + std::to_string(request.target_width),
                  "target_width"));
  }
  if (request.target_height <= 0) {
    return Unexpected(
        MakeError(ErrorCode::kBadRequest,
                  "target_height must be positive, not " + std::to_string(request.target_height),
                  "target_height"));
  }
  // ImageFlowCanvas fits inside the box when keeping the aspect ratio and stretches otherwise,
  // enlarging as freely as it shrinks; its JPEG quality follows the quality enum.
  std::string p;
  if (input != nullptr && request.maintain_aspect_ratio) {
    // Displayed size: the original reads with cv2.imread, which applies EXIF orientation.
    const bool turned = input->orientation >= 5;
    TargetSize t =
        ResizeTarget(turned ? input->height : input->width, turned ? input->width : input->height,
                     request.target_width, request.target_height, true);
    if (t.width <= 0 || t.height <= 0) {
      return Unexpected(MakeError(ErrorCode::kBadRequest,
                                  "keeping the aspect ratio gives a " + std::to_string(t.width) +
                                      "x" + std::to_string(t.height) + " image",
                                  t.width <= 0 ? "target_width" : "target_height"));
    }
    p = "resize:w=" + std::to_string(t.width) + ",h=" + std::to_string(t.height) + ",fit=fill";
  } else {
    p = "resize:w=" + std::to_string(request.target_width) +
        ",h=" + std::to_string(request.target_height) +
        (request.maintain_aspect_ratio ? ",fit=inside" : ",fit=fill");
  }
  p += ",enlarge=true";
  if (request.quality == ResizeQuality::kFast) p += ",kernel=linear";
  int q = 75;
  if (request.quality == ResizeQuality::kBest) q = 95;
  if (request.quality == ResizeQuality::kGood) q = 85;
  return p + ";format:type=jpeg,q=" + std::to_string(q);
}

std::string FilterPipeline(const FilterRequest& request) {
  const double intensity = std::max(0.0, static_cast<double>(request.intensity));
  std::string step;
  switch (request.filter_type) {
    case FilterType::kBlur: {
      // The seed's box kernel size, int(intensity * 10) + 1 made odd; tessera's blur takes the
      // same kernel size (as a Gaussian, sigma = k / 3). Below blur's smallest k it is the
      // identity; above its largest, the largest odd size.
      const engine::ParamSpec& kp = Declared("blur", "k");
      int64_t k = static_cast<int64_t>(std::min(intensity * 10, kp.max)) + 1;
      if (k % 2 == 0) ++k;
      k = std::min(k, static_cast<int64_t>(kp.max));
      if (k % 2 == 0) --k;
      if (k >= kp.min) step = "blur:k=" + std::to_string(k);
      break;
    }
    case FilterType::kGaussian:
      if (intensity * 2 >= Declared("blur", "sigma").min) {
        step = "blur:sigma=" + Num(ClampTo(intensity * 2, "blur", "sigma"));
      }
      break;
    case FilterType::kSharpen:
      if (intensity > 0) step = "sharpen:amount=" + Num(ClampTo(intensity, "sharpen", "amount"));
      break;
    case FilterType::kBrightness:
      // 0.5 is the seed's neutral point; tessera scales samples, so factor = intensity / 0.5.
      step = "brightness:factor=" + Num(ClampTo(intensity * 2, "brightness", "factor"));
      break;
    case FilterType::kContrast:
      step = "contrast:factor=" + Num(ClampTo(intensity, "contrast", "factor"));
      break;
    case FilterType::kSaturation:
      step = "saturation:factor=" + Num(ClampTo(intensity, "saturation", "factor"));
      break;
    case FilterType::kUnspecified: break;  // the seed re-encodes the image unchanged
  }
  return (step.empty() ? "" : step + ";") + "format:type=jpeg,q=85";
}

ImageFlowService::ImageFlowService(SyncProcessor& sync, store::BlobStore& blobs, const Clock& clock)
    : sync_(sync), blobs_(blobs), clock_(clock) {}

Result<ImageFlowService::Input> ImageFlowService::ReadInput(
    const ImageData& image, const std::optional<ImageBytes>& bytes) {
  if (bytes) {
    if (bytes->data.empty()) {
      return Unexpected(
          MakeError(ErrorCode::kBadRequest, "input_bytes.data is empty", "input_bytes"));
    }
    return Input{bytes->data, false};
  }
  if (image.bucket.empty() || image.object_key.empty()) {
    return Unexpected(MakeError(ErrorCode::kBadRequest,
                                "input_image needs a bucket and an object_key", "input_image"));
  }
  auto key = ObjectKey(image.bucket, image.object_key);
  if (!key) return Unexpected(key.error());
  auto data = blobs_.Get(*key, sync_.options().engine.limits.max_input_bytes);
  if (!data) {
    if (data.error().code == ErrorCode::kNotFound) {
      return Unexpected(
          MakeError(ErrorCode::kNotFound,
                    "object " + image.object_key + " does not exist in bucket " + image.bucket));
    }
    return Unexpected(data.error());
  }
  return Input{std::move(*data), true};
}

Status ImageFlowService::Run(const ImageData& image, const std::optional<ImageBytes>& bytes,
                             const PipelineFor& pipeline_for, const std::string& output_name,
                             std::string_view failure_prefix, MonotonicTime started,
                             std::chrono::steady_clock::time_point queued_at,
                             const engine::StopToken* stop, ProcessingResult& result,
                             engine::ImageInfo* input_info, engine::ProcessResult* processed) {
  auto fail = [&](const Error& e) {
    result.status = ProcessingStatus::kFailed;
    result.message = std::string(failure_prefix) + e.message;
    result.metadata["error_code"] = std::string(CodeName(e.code));
  };
  auto finish = [&] {
    result.processed_at = clock_.Now();
    result.processing_time_seconds =
        std::chrono::duration<double>(clock_.Monotonic() - started).count();
  };
  auto input = ReadInput(image, bytes);
  if (!input) {
    fail(input.error());
    finish();
    return {};
  }
  auto header = engine::Probe(input->bytes);
  Result<std::string> pipeline = header ? pipeline_for(*header) : Unexpected(header.error());
  if (!pipeline) {
    fail(pipeline.error());
    finish();
    return {};
  }
  result.metadata["pipeline"] = *pipeline;
  std::string output_key;
  if (input->from_store) {
    auto key = ObjectKey(image.bucket, output_name);
    if (!key) {
      fail(MakeError(ErrorCode::kBadRequest,
                     "execution_id gives an invalid output name: " + key.error().message));
      finish();
      return {};
    }
    output_key = std::move(*key);
  }
  auto done = sync_.Process(input->bytes, *pipeline, queued_at, stop);
  if (!done) {
    if (done.error().code == ErrorCode::kQueueFull) return Unexpected(done.error());
    fail(done.error());
    finish();
    return {};
  }
  const engine::ProcessResult& r = done->result;
  if (input_info != nullptr) *input_info = r.input;
  if (processed != nullptr) {
    processed->detections = r.detections;
    processed->detect_times = r.detect_times;
    processed->width = r.width;
    processed->height = r.height;
  }
  if (input->from_store) {
    if (auto put = blobs_.Put(output_key, r.bytes); !put) {
      fail(put.error());
      finish();
      return {};
    }
    ImageData out;
    out.bucket = image.bucket;
    out.object_key = output_name;
    out.content_type = std::string(engine::FormatMimeType(r.format));
    out.size_bytes = static_cast<int64_t>(r.bytes.size());
    out.width = r.width;
    out.height = r.height;
    out.created_at = clock_.Now();
    result.output_image = std::move(out);
  } else {
    result.output_data = std::move(done->result.bytes);
  }
  result.status = ProcessingStatus::kCompleted;
  finish();
  return {};
}

Result<ResizeResponse> ImageFlowService::Resize(const ResizeRequest& request,
                                                std::chrono::steady_clock::time_point queued_at,
                                                const engine::StopToken* stop) {
  const MonotonicTime started = clock_.Monotonic();
  ResizeResponse response;
  engine::ImageInfo info;
  auto st = Run(
      request.input_image, request.input_bytes,
      [&](const engine::ImageInfo& in) { return ResizePipeline(request, &in); },
      request.execution_id + "_resized.jpg", "Resize failed: ", started, queued_at, stop,
      response.result, &info);
  if (!st) return Unexpected(st.error());
  if (response.result.status == ProcessingStatus::kCompleted) {
    response.result.message = "Image resize completed successfully";
    // Sizes as displayed (after EXIF orientation), which is what the output is made from.
    int ow = info.orientation >= 5 ? info.height : info.width;
    int oh = info.orientation >= 5 ? info.width : info.height;
    const ImageData* out = response.result.output_image ? &*response.result.output_image : nullptr;
    int nw = out ? out->width : 0;
    int nh = out ? out->height : 0;
    if (!out) {
      auto probed = engine::Probe(response.result.output_data);
      if (probed) {
        nw = probed->width;
        nh = probed->height;
      }
    }
    response.metadata.original_width = ow;
    response.metadata.original_height = oh;
    response.metadata.output_width = nw;
    response.metadata.output_height = nh;
    response.metadata.scale_factor_x = ow > 0 ? static_cast<double>(nw) / ow : 0;
    response.metadata.scale_factor_y = oh > 0 ? static_cast<double>(nh) / oh : 0;
  }
  response.metadata.quality_used = request.quality;
  return response;
}

Result<FilterResponse> ImageFlowService::Filter(const FilterRequest& request,
                                                std::chrono::steady_clock::time_point queued_at,
                                                const engine::StopToken* stop) {
  const MonotonicTime started = clock_.Monotonic();
  FilterResponse response;
  auto st = Run(
      request.input_image, request.input_bytes,
      [&](const engine::ImageInfo&) -> Result<std::string> { return FilterPipeline(request); },
      request.execution_id + "_final.jpg", "Filter application failed: ", started, queued_at, stop,
      response.result, nullptr);
  if (!st) return Unexpected(st.error());
  if (response.result.status == ProcessingStatus::kCompleted) {
    response.result.message =
        "Filter " + std::string(FilterTypeName(request.filter_type)) + " applied successfully";
  }
  response.metadata.filter_type = request.filter_type;
  response.metadata.intensity = request.intensity;
  response.metadata.applied_parameters = request.parameters;
  return response;
}

Status ImageFlowService::Health(std::string_view service) {
  if (service == "detection") {
    if (auto ok = DetectionHealth(); !ok) return ok;
    return blobs_.Ping();
  }
  if (service != "resize" && service != "filter") {
    return Unexpected(
        MakeError(ErrorCode::kNotFound, "no service '" + std::string(service) + "'", "service"));
  }
  return blobs_.Ping();
}

}  // namespace tessera::api::compat::imageflow
