#include "api/grpc/grpc_server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>

#include <climits>
#include <mutex>

#include "api/grpc/image_service.h"
#include "api/grpc/imageflow/imageflow_services.h"
#include "api/grpc/reflection_v1.h"
#include "core/log.h"

namespace tessera::api::grpc {

namespace {

constexpr size_t kMessageHeadroom = 1 << 20;  // pipeline text and other fields beside the image

size_t EffectiveMessageLimit(const GrpcServerOptions& options, const SyncProcessor& sync) {
  size_t limit = options.max_message_bytes;
  if (limit == 0) limit = sync.options().engine.limits.max_input_bytes + kMessageHeadroom;
  return std::min<size_t>(limit, INT_MAX);  // gRPC takes an int
}

}  // namespace

struct GrpcServer::Rep {
  GrpcServerOptions options;
  size_t max_message_bytes;
  ImageServiceImpl service;
  // The imageflow.v1 services, when options.imageflow is set.
  std::unique_ptr<ImageFlowResizeService> imageflow_resize;
  std::unique_ptr<ImageFlowFilterService> imageflow_filter;
  std::unique_ptr<ImageFlowDetectionService> imageflow_detection;
  std::mutex mu;         // guards server and started across Start/Shutdown
  bool started = false;  // a GrpcServer starts once
  std::unique_ptr<::grpc::Server> server;

  Rep(GrpcServerOptions o, SyncProcessor& sync, jobs::JobService& jobs)
      : options(std::move(o)),
        max_message_bytes(EffectiveMessageLimit(options, sync)),
        service(
            ImageServiceOptions{
                .api_keys = options.api_keys,
                .max_message_bytes = max_message_bytes,
                .stream_chunk_bytes = options.stream_chunk_bytes,
                .watch_poll = options.watch_poll,
            },
            sync, jobs) {
    if (options.imageflow != nullptr) {
      const auto slot_wait = sync.options().slot_wait;
      imageflow_resize =
          std::make_unique<ImageFlowResizeService>(*options.imageflow, options.api_keys, slot_wait);
      imageflow_filter =
          std::make_unique<ImageFlowFilterService>(*options.imageflow, options.api_keys, slot_wait);
      imageflow_detection = std::make_unique<ImageFlowDetectionService>(
          *options.imageflow, options.api_keys, slot_wait);
    }
  }
};

GrpcServer::GrpcServer(GrpcServerOptions options, SyncProcessor& sync, jobs::JobService& jobs)
    : rep_(std::make_unique<Rep>(std::move(options), sync, jobs)) {}

GrpcServer::~GrpcServer() { Shutdown(std::chrono::milliseconds(0)); }

size_t GrpcServer::max_message_bytes() const { return rep_->max_message_bytes; }

Result<int> GrpcServer::Start() {
  std::lock_guard lock(rep_->mu);
  if (rep_->started) {
    return MakeError(ErrorCode::kBadRequest, "a GrpcServer starts once (already started)");
  }
  rep_->started = true;
  // Both are process-wide switches read when a ServerBuilder is built.
  ::grpc::EnableDefaultHealthCheckService(true);
  // Reflection: grpc.reflection.v1alpha from libgrpc++_reflection, v1 from reflection_v1.h.
  ::grpc::reflection::InitProtoReflectionServerBuilderPlugin();

  ::grpc::ServerBuilder builder;
  builder.SetOption(ReflectionV1Option());
  int port = 0;
  builder.AddListeningPort(rep_->options.address, ::grpc::InsecureServerCredentials(), &port);
  builder.SetMaxReceiveMessageSize(static_cast<int>(rep_->max_message_bytes));
  builder.SetMaxSendMessageSize(static_cast<int>(rep_->max_message_bytes));
  builder.RegisterService(&rep_->service);
  if (rep_->imageflow_resize) {
    builder.RegisterService(rep_->imageflow_resize.get());
    builder.RegisterService(rep_->imageflow_filter.get());
    builder.RegisterService(rep_->imageflow_detection.get());
  }
  rep_->server = builder.BuildAndStart();
  if (!rep_->server || port == 0) {
    rep_->server.reset();
    return MakeError(ErrorCode::kUnavailable, "cannot listen for gRPC on " + rep_->options.address,
                     "grpc_address");
  }
  auto* health = rep_->server->GetHealthCheckService();
  health->SetServingStatus(tessera::v1::ImageService::service_full_name(), true);
  health->SetServingStatus(true);  // and the server as a whole (""); sets every name given so far
  if (rep_->imageflow_resize) {
    health->SetServingStatus(::imageflow::v1::ResizeService::service_full_name(), true);
    health->SetServingStatus(::imageflow::v1::FilterService::service_full_name(), true);
    // As the service's own Health rpc and GET /v1/health/detection: serving when the default
    // detection model loads.
    health->SetServingStatus(::imageflow::v1::AIDetectionService::service_full_name(),
                             rep_->options.imageflow->Health("detection").has_value());
  }
  Log(LogLevel::kInfo, "grpc_listening",
      {{"address", rep_->options.address},
       {"port", std::to_string(port)},
       {"max_message_bytes", std::to_string(rep_->max_message_bytes)},
       {"auth", rep_->options.api_keys.empty() ? "none" : "api_key"},
       {"imageflow", rep_->imageflow_resize ? "on" : "off"}});
  return port;
}

void GrpcServer::Shutdown(std::chrono::milliseconds deadline) {
  std::lock_guard lock(rep_->mu);
  if (!rep_->server) return;
  // Health first, so that load balancers stop sending before calls are refused.
  rep_->server->GetHealthCheckService()->Shutdown();
  rep_->service.Stop();
  rep_->server->Shutdown(std::chrono::system_clock::now() + deadline);
  rep_->server->Wait();
  rep_->server.reset();
  Log(LogLevel::kInfo, "grpc_stopped");
}

}  // namespace tessera::api::grpc
