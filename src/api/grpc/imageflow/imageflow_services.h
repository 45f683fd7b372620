// The ImageFlowCanvas gRPC services (proto/imageflow/v1: ResizeService, FilterService,
// AIDetectionService, each with its stream rpc and its own Health rpc), served by GrpcServer
// when the `imageflow` compat profile is on. Each rpc is a thin translation: the proto message
// becomes the ImageFlowService struct of the same shape, the HTTP gateway's ImageFlowService
// does the work, and its answer is copied back field by field. No processing, storage or
// naming logic lives here.
//
// As in ImageFlowCanvas, a processing failure (missing object, undecodable image, bad size) is
// an OK call whose ProcessingResult is FAILED. gRPC errors are only: UNAUTHENTICATED (API keys
// configured and none or a wrong one given; Health rpcs stay open), INVALID_ARGUMENT (an enum
// value the proto does not define), RESOURCE_EXHAUSTED (no synchronous slot came free within
// serve's --sync-wait-ms) and DEADLINE_EXCEEDED (the call's deadline came first: the slot wait
// ends there, as for tessera.v1 Process), with the same status details and trailers as
// tessera.v1 (status_mapping.h).
//
// The stream rpcs answer one response per request, in order; an error ends the stream.
//
// Thread-safety: gRPC's sync server calls every method concurrently; the services hold only
// immutable state and a reference to the (thread-safe) ImageFlowService, which must outlive
// them.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "api/compat/imageflow/imageflow_service.h"
#include "imageflow/v1/ai_detection.grpc.pb.h"
#include "imageflow/v1/filter.grpc.pb.h"
#include "imageflow/v1/resize.grpc.pb.h"

namespace tessera::api::grpc {

// Message <-> struct conversions (exposed for the services and their tests). The FromProto
// functions fail with kBadRequest naming the field when an enum holds a value the proto does
// not define.
Result<compat::imageflow::ResizeRequest> FromProto(const ::imageflow::v1::ResizeRequest& in);
Result<compat::imageflow::FilterRequest> FromProto(const ::imageflow::v1::FilterRequest& in);
compat::imageflow::DetectionRequest FromProto(const ::imageflow::v1::DetectionRequest& in);
void ToProto(const compat::imageflow::ResizeResponse& in, ::imageflow::v1::ResizeResponse* out);
void ToProto(const compat::imageflow::FilterResponse& in, ::imageflow::v1::FilterResponse* out);
void ToProto(const compat::imageflow::DetectionResponse& in,
             ::imageflow::v1::DetectionResponse* out);

class ImageFlowResizeService final : public ::imageflow::v1::ResizeService::Service {
 public:
  // `api_keys` empty: no authentication. `slot_wait`: the SyncProcessor's (a call whose
  // deadline comes first stops waiting for a slot at its deadline: DEADLINE_EXCEEDED).
  ImageFlowResizeService(compat::imageflow::ImageFlowService& service,
                         std::vector<std::string> api_keys, std::chrono::milliseconds slot_wait);

  ::grpc::Status ResizeImage(::grpc::ServerContext* context,
                             const ::imageflow::v1::ResizeRequest* request,
                             ::imageflow::v1::ResizeResponse* response) override;
  ::grpc::Status ResizeImageStream(
      ::grpc::ServerContext* context,
      ::grpc::ServerReaderWriter<::imageflow::v1::ResizeResponse, ::imageflow::v1::ResizeRequest>*
          stream) override;
  ::grpc::Status Health(::grpc::ServerContext* context,
                        const ::imageflow::v1::HealthCheckRequest* request,
                        ::imageflow::v1::HealthCheckResponse* response) override;

 private:
  compat::imageflow::ImageFlowService& service_;
  const std::vector<std::string> api_keys_;
  const std::chrono::milliseconds slot_wait_;
};

class ImageFlowFilterService final : public ::imageflow::v1::FilterService::Service {
 public:
  ImageFlowFilterService(compat::imageflow::ImageFlowService& service,
                         std::vector<std::string> api_keys, std::chrono::milliseconds slot_wait);

  ::grpc::Status ApplyFilter(::grpc::ServerContext* context,
                             const ::imageflow::v1::FilterRequest* request,
                             ::imageflow::v1::FilterResponse* response) override;
  ::grpc::Status ApplyFilterStream(
      ::grpc::ServerContext* context,
      ::grpc::ServerReaderWriter<::imageflow::v1::FilterResponse, ::imageflow::v1::FilterRequest>*
          stream) override;
  ::grpc::Status Health(::grpc::ServerContext* context,
                        const ::imageflow::v1::HealthCheckRequest* request,
                        ::imageflow::v1::HealthCheckResponse* response) override;

 private:
  compat::imageflow::ImageFlowService& service_;
  const std::vector<std::string> api_keys_;
  const std::chrono::milliseconds slot_wait_;
};

// DetectObjects runs ImageFlowService::Detect (tessera's detect op) in a synchronous slot, like
// ResizeImage; Health is SERVING when the default detection model loads.
class ImageFlowDetectionService final : public ::imageflow::v1::AIDetectionService::Service {
 public:
  ImageFlowDetectionService(compat::imageflow::ImageFlowService& service,
                            std::vector<std::string> api_keys, std::chrono::milliseconds slot_wait);

  ::grpc::Status DetectObjects(::grpc::ServerContext* context,
                               const ::imageflow::v1::DetectionRequest* request,
                               ::imageflow::v1::DetectionResponse* response) override;
  ::grpc::Status DetectObjectsStream(
      ::grpc::ServerContext* context,
      ::grpc::ServerReaderWriter<::imageflow::v1::DetectionResponse,
                                 ::imageflow::v1::DetectionRequest>* stream) override;
  ::grpc::Status Health(::grpc::ServerContext* context,
                        const ::imageflow::v1::HealthCheckRequest* request,
                        ::imageflow::v1::HealthCheckResponse* response) override;

 private:
  compat::imageflow::ImageFlowService& service_;
  const std::vector<std::string> api_keys_;
  const std::chrono::milliseconds slot_wait_;
};

}  // namespace tessera::api::grpc
