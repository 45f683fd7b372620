#include "api/grpc/imageflow/imageflow_services.h"

#include <chrono>

#include "api/grpc/image_service.h"  // CheckApiKey, FinishCall

namespace tessera::api::grpc {

namespace pb = ::imageflow::v1;
namespace ifc = compat::imageflow;
using SteadyClock = std::chrono::steady_clock;

namespace {

std::vector<uint8_t> Bytes(const std::string& s) { return {s.begin(), s.end()}; }

SystemTime TimeFrom(const google::protobuf::Timestamp& t) {
  return SystemTime(std::chrono::duration_cast<SystemTime::duration>(
      std::chrono::seconds(t.seconds()) + std::chrono::nanoseconds(t.nanos())));
}

// The epoch means "unset" in the structs; left out here, as proto3 leaves out defaults.
void FillTime(SystemTime t, google::protobuf::Timestamp* out) {
  const auto ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  int64_t seconds = ns / 1'000'000'000;
  int64_t nanos = ns % 1'000'000'000;
  if (nanos < 0) {
    --seconds;
    nanos += 1'000'000'000;
  }
  out->set_seconds(seconds);
  out->set_nanos(static_cast<int32_t>(nanos));
}

ifc::ImageData ImageDataFrom(const pb::ImageData& in) {
  ifc::ImageData out;
  out.bucket = in.bucket();
  out.object_key = in.object_key();
  out.content_type = in.content_type();
  out.size_bytes = in.size_bytes();
  out.width = in.width();
  out.height = in.height();
  if (in.has_created_at()) out.created_at = TimeFrom(in.created_at());
  return out;
}

ifc::ImageBytes ImageBytesFrom(const pb::ImageBytes& in) {
  return {
      .data = Bytes(in.data()), .format = in.format(), .width = in.width(), .height = in.height()};
}

void FillImageData(const ifc::ImageData& in, pb::ImageData* out) {
  out->set_bucket(in.bucket);
  out->set_object_key(in.object_key);
  out->set_content_type(in.content_type);
  out->set_size_bytes(in.size_bytes);
  out->set_width(in.width);
  out->set_height(in.height);
  if (in.created_at != SystemTime{}) FillTime(in.created_at, out->mutable_created_at());
}

void FillResult(const ifc::ProcessingResult& in, pb::ProcessingResult* out) {
  out->set_status(static_cast<pb::ProcessingStatus>(in.status));
  out->set_message(in.message);
  if (in.output_image) FillImageData(*in.output_image, out->mutable_output_image());
  if (!in.output_data.empty()) out->set_output_data(in.output_data.data(), in.output_data.size());
  out->mutable_metadata()->insert(in.metadata.begin(), in.metadata.end());
  if (in.processed_at != SystemTime{}) FillTime(in.processed_at, out->mutable_processed_at());
  out->set_processing_time_seconds(in.processing_time_seconds);
}

// The oneof `input` of every request: ImageBytes when that arm is set, else the ImageData
// (possibly empty, which the service answers with a FAILED result).
template <class Request>
void TakeInput(const Request& in, ifc::ImageData& image, std::optional<ifc::ImageBytes>& bytes) {
  if (in.input_case() == Request::kInputBytes) {
    bytes = ImageBytesFrom(in.input_bytes());
  } else {
    image = ImageDataFrom(in.input_image());
  }
}

pb::HealthCheckResponse::ServingStatus ServingStatusOf(const Status& health) {
  if (health) return pb::HealthCheckResponse::SERVING;
  if (health.error().code == ErrorCode::kNotFound) return pb::HealthCheckResponse::SERVICE_UNKNOWN;
  return pb::HealthCheckResponse::NOT_SERVING;
}

// A Health rpc: open (no API key), answering for its own service whatever `service` says.
::grpc::Status AnswerHealth(::grpc::ServerContext* context, ifc::ImageFlowService& service,
                            std::string_view name, std::string_view method,
                            pb::HealthCheckResponse* response) {
  const auto started = SteadyClock::now();
  response->set_status(ServingStatusOf(service.Health(name)));
  return FinishCall(context, method, started, OkStatus());
}

// One response per request, in order, each answered by `one` (the unary rpc's body); the
// first error ends the stream with that error.
template <class Request, class Response, class One>
::grpc::Status AnswerStream(::grpc::ServerContext* context,
                            ::grpc::ServerReaderWriter<Response, Request>* stream,
                            const std::vector<std::string>& api_keys, std::string_view method,
                            One one) {
  const auto started = SteadyClock::now();
  auto run = [&]() -> Status {
    if (auto ok = CheckApiKey(*context, api_keys); !ok) return ok;
    Request request;
    while (stream->Read(&request)) {
      Response response;
      if (auto ok = one(request, &response); !ok) return ok;
      if (!stream->Write(response)) {
        return MakeError(ErrorCode::kCancelled, "the stream closed before the answer was sent");
      }
    }
    return OkStatus();
  };
  return FinishCall(context, method, started, run());
}

// kQueueFull, or kDeadlineExceeded when the call's deadline ended the slot wait (as for
// tessera.v1.ImageService.Process).
Error SlotError(const Error& error, const SlotWait& wait) {
  if (error.code == ErrorCode::kQueueFull && wait.deadline_first) {
    return MakeError(ErrorCode::kDeadlineExceeded,
                     "the call's deadline passed while waiting for a processing slot");
  }
  return error;
}

Status Resize(ifc::ImageFlowService& service, std::chrono::milliseconds slot_wait,
              ::grpc::ServerContext* context, const pb::ResizeRequest& request,
              pb::ResizeResponse* response) {
  auto in = FromProto(request);
  if (!in) return Unexpected(in.error());
  const SlotWait wait = SlotWaitFor(*context, slot_wait);
  CallStopToken call_stop(context);
  auto out = service.Resize(*in, wait.queued_at, &call_stop);
  if (!out) return Unexpected(SlotError(out.error(), wait));
  ToProto(*out, response);
  return OkStatus();
}

Status Filter(ifc::ImageFlowService& service, std::chrono::milliseconds slot_wait,
              ::grpc::ServerContext* context, const pb::FilterRequest& request,
              pb::FilterResponse* response) {
  auto in = FromProto(request);
  if (!in) return Unexpected(in.error());
  const SlotWait wait = SlotWaitFor(*context, slot_wait);
  CallStopToken call_stop(context);
  auto out = service.Filter(*in, wait.queued_at, &call_stop);
  if (!out) return Unexpected(SlotError(out.error(), wait));
  ToProto(*out, response);
  return OkStatus();
}

Status Detect(ifc::ImageFlowService& service, std::chrono::milliseconds slot_wait,
              ::grpc::ServerContext* context, const pb::DetectionRequest& request,
              pb::DetectionResponse* response) {
  const SlotWait wait = SlotWaitFor(*context, slot_wait);
  CallStopToken call_stop(context);
  auto out = service.Detect(FromProto(request), wait.queued_at, &call_stop);
  if (!out) return Unexpected(SlotError(out.error(), wait));
  ToProto(*out, response);
  return OkStatus();
}

}  // namespace

Result<ifc::ResizeRequest> FromProto(const pb::ResizeRequest& in) {
  ifc::ResizeRequest out;
  TakeInput(in, out.input_image, out.input_bytes);
  out.target_width = in.target_width();
  out.target_height = in.target_height();
  out.maintain_aspect_ratio = in.maintain_aspect_ratio();
  if (!pb::ResizeQuality_IsValid(in.quality())) {
    return Unexpected(MakeError(
        ErrorCode::kBadRequest,
        "quality " + std::to_string(in.quality()) + " is not a ResizeQuality value (0..3)",
        "quality"));
  }
  out.quality = static_cast<ifc::ResizeQuality>(in.quality());
  out.execution_id = in.execution_id();
  return out;
}

Result<ifc::FilterRequest> FromProto(const pb::FilterRequest& in) {
  ifc::FilterRequest out;
  TakeInput(in, out.input_image, out.input_bytes);
  if (!pb::FilterType_IsValid(in.filter_type())) {
    return Unexpected(MakeError(
        ErrorCode::kBadRequest,
        "filter_type " + std::to_string(in.filter_type()) + " is not a FilterType value (0..6)",
        "filter_type"));
  }
  out.filter_type = static_cast<ifc::FilterType>(in.filter_type());
  out.intensity = in.intensity();
  out.parameters.insert(in.parameters().begin(), in.parameters().end());
  out.execution_id = in.execution_id();
  return out;
}

ifc::DetectionRequest FromProto(const pb::DetectionRequest& in) {
  ifc::DetectionRequest out;
  TakeInput(in, out.input_image, out.input_bytes);
  out.model_name = in.model_name();
  out.confidence_threshold = in.confidence_threshold();
  out.nms_threshold = in.nms_threshold();
  out.draw_boxes = in.draw_boxes();
  out.execution_id = in.execution_id();
  return out;
}

void ToProto(const ifc::ResizeResponse& in, pb::ResizeResponse* out) {
  FillResult(in.result, out->mutable_result());
  auto* m = out->mutable_metadata();
  m->set_original_width(in.metadata.original_width);
  m->set_original_height(in.metadata.original_height);
  m->set_output_width(in.metadata.output_width);
  m->set_output_height(in.metadata.output_height);
  m->set_scale_factor_x(in.metadata.scale_factor_x);
  m->set_scale_factor_y(in.metadata.scale_factor_y);
  m->set_quality_used(static_cast<pb::ResizeQuality>(in.metadata.quality_used));
}

void ToProto(const ifc::FilterResponse& in, pb::FilterResponse* out) {
  FillResult(in.result, out->mutable_result());
  auto* m = out->mutable_metadata();
  m->set_filter_type(static_cast<pb::FilterType>(in.metadata.filter_type));
  m->set_intensity(in.metadata.intensity);
  m->mutable_applied_parameters()->insert(in.metadata.applied_parameters.begin(),
                                          in.metadata.applied_parameters.end());
}

void ToProto(const ifc::DetectionResponse& in, pb::DetectionResponse* out) {
  FillResult(in.result, out->mutable_result());
  for (const ifc::DetectedObject& d : in.detections) {
    pb::Detection* o = out->add_detections();
    o->set_class_name(d.class_name);
    o->set_confidence(d.confidence);
    o->set_class_id(d.class_id);
    o->mutable_bbox()->set_x1(d.x1);
    o->mutable_bbox()->set_y1(d.y1);
    o->mutable_bbox()->set_x2(d.x2);
    o->mutable_bbox()->set_y2(d.y2);
  }
  auto* m = out->mutable_metadata();
  m->set_model_name(in.metadata.model_name);
  m->set_model_version(in.metadata.model_version);
  m->set_confidence_threshold(in.metadata.confidence_threshold);
  m->set_nms_threshold(in.metadata.nms_threshold);
  m->set_total_detections(in.metadata.total_detections);
  m->set_inference_time_ms(in.metadata.inference_time_ms);
  m->set_nms_time_ms(in.metadata.nms_time_ms);
}

// ---- ResizeService ----

ImageFlowResizeService::ImageFlowResizeService(ifc::ImageFlowService& service,
                                               std::vector<std::string> api_keys,
                                               std::chrono::milliseconds slot_wait)
    : service_(service), api_keys_(std::move(api_keys)), slot_wait_(slot_wait) {}

::grpc::Status ImageFlowResizeService::ResizeImage(::grpc::ServerContext* context,
                                                   const pb::ResizeRequest* request,
                                                   pb::ResizeResponse* response) {
  const auto started = SteadyClock::now();
  auto run = [&]() -> Status {
    if (auto ok = CheckApiKey(*context, api_keys_); !ok) return ok;
    return Resize(service_, slot_wait_, context, *request, response);
  };
  return FinishCall(context, "imageflow.v1.ResizeService/ResizeImage", started, run());
}

::grpc::Status ImageFlowResizeService::ResizeImageStream(
    ::grpc::ServerContext* context,
    ::grpc::ServerReaderWriter<pb::ResizeResponse, pb::ResizeRequest>* stream) {
  return AnswerStream(
      context, stream, api_keys_, "imageflow.v1.ResizeService/ResizeImageStream",
      [this, context](const pb::ResizeRequest& request, pb::ResizeResponse* response) {
        return Resize(service_, slot_wait_, context, request, response);
      });
}

::grpc::Status ImageFlowResizeService::Health(::grpc::ServerContext* context,
                                              const pb::HealthCheckRequest* /*request*/,
                                              pb::HealthCheckResponse* response) {
  return AnswerHealth(context, service_, "resize", "imageflow.v1.ResizeService/Health", response);
}

// ---- FilterService ----

ImageFlowFilterService::ImageFlowFilterService(ifc::ImageFlowService& service,
                                               std::vector<std::string> api_keys,
                                               std::chrono::milliseconds slot_wait)
    : service_(service), api_keys_(std::move(api_keys)), slot_wait_(slot_wait) {}

::grpc::Status ImageFlowFilterService::ApplyFilter(::grpc::ServerContext* context,
                                                   const pb::FilterRequest* request,
                                                   pb::FilterResponse* response) {
  const auto started = SteadyClock::now();
  auto run = [&]() -> Status {
    if (auto ok = CheckApiKey(*context, api_keys_); !ok) return ok;
    return Filter(service_, slot_wait_, context, *request, response);
  };
  return FinishCall(context, "imageflow.v1.FilterService/ApplyFilter", started, run());
}

::grpc::Status ImageFlowFilterService::ApplyFilterStream(
    ::grpc::ServerContext* context,
    ::grpc::ServerReaderWriter<pb::FilterResponse, pb::FilterRequest>* stream) {
  return AnswerStream(
      context, stream, api_keys_, "imageflow.v1.FilterService/ApplyFilterStream",
      [this, context](const pb::FilterRequest& request, pb::FilterResponse* response) {
        return Filter(service_, slot_wait_, context, request, response);
      });
}

::grpc::Status ImageFlowFilterService::Health(::grpc::ServerContext* context,
                                              const pb::HealthCheckRequest* /*request*/,
                                              pb::HealthCheckResponse* response) {
  return AnswerHealth(context, service_, "filter", "imageflow.v1.FilterService/Health", response);
}

// ---- AIDetectionService ----

ImageFlowDetectionService::ImageFlowDetectionService(ifc::ImageFlowService& service,
                                                     std::vector<std::string> api_keys,
                                                     std::chrono::milliseconds slot_wait)
    : service_(service), api_keys_(std::move(api_keys)), slot_wait_(slot_wait) {}

::grpc::Status ImageFlowDetectionService::DetectObjects(::grpc::ServerContext* context,
                                                        const pb::DetectionRequest* request,
                                                        pb::DetectionResponse* response) {
  const auto started = SteadyClock::now();
  auto run = [&]() -> Status {
    if (auto ok = CheckApiKey(*context, api_keys_); !ok) return ok;
    return Detect(service_, slot_wait_, context, *request, response);
  };
  return FinishCall(context, "imageflow.v1.AIDetectionService/DetectObjects", started, run());
}

::grpc::Status ImageFlowDetectionService::DetectObjectsStream(
    ::grpc::ServerContext* context,
    ::grpc::ServerReaderWriter<pb::DetectionResponse, pb::DetectionRequest>* stream) {
  return AnswerStream(
      context, stream, api_keys_, "imageflow.v1.AIDetectionService/DetectObjectsStream",
      [this, context](const pb::DetectionRequest& request, pb::DetectionResponse* response) {
        return Detect(service_, slot_wait_, context, request, response);
      });
}

::grpc::Status ImageFlowDetectionService::Health(::grpc::ServerContext* context,
                                                 const pb::HealthCheckRequest* /*request*/,
                                                 pb::HealthCheckResponse* response) {
  return AnswerHealth(context, service_, "detection", "imageflow.v1.AIDetectionService/Health",
                      response);
}

}  // namespace tessera::api::grpc
