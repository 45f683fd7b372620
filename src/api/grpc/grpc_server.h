// GrpcServer: tessera's native gRPC endpoint. Serves tessera.v1.ImageService
// (proto/tessera/v1/image_service.proto) over the SyncProcessor and JobService that the HTTP
// server shares, plus the standard grpc.health.v1.Health (Check and Watch; "" and
// "tessera.v1.ImageService" are SERVING while the server runs) and server reflection.
//
// With GrpcServerOptions::imageflow, it also serves the ImageFlowCanvas services
// (proto/imageflow/v1: ResizeService, FilterService, AIDetectionService; imageflow_services.h)
// over that ImageFlowService, with the same API keys and message limits, and reports them in
// grpc.health.v1 too (AIDetectionService NOT_SERVING: tessera has no detection op).
//
// Message size limits follow the engine: a request may carry max_input_bytes of image plus
// headroom for the other fields; larger images go through ProcessStream.
//
// Thread-safety: Start and Shutdown from one thread (the owner's); calls are served on gRPC's
// own threads. The SyncProcessor and JobService must outlive the server.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "api/sync_processor.h"
#include "core/result.h"
#include "jobs/job_service.h"

namespace tessera::api::compat::imageflow {
class ImageFlowService;
}

namespace tessera::api::grpc {

struct GrpcServerOptions {
  // host:port to listen on; port 0 picks a free port (Start returns it).
  std::string address = "0.0.0.0:9090";
  // Accepted `authorization: Bearer <key>` keys; empty: ImageService is open. Health and
  // reflection are always open.
  std::vector<std::string> api_keys;
  // Largest message received or sent (bytes); 0: the SyncProcessor's max_input_bytes + 1 MiB.
  size_t max_message_bytes = 0;
  // Bytes per streamed result message (ProcessStream, GetJobResult). Default 1 MiB.
  size_t stream_chunk_bytes = 1 << 20;
  // How often WatchJob re-reads a job. Default 250 ms.
  std::chrono::milliseconds watch_poll{250};
  // The `imageflow` compat profile: serve imageflow.v1 over this service (not owned; must
  // outlive the server). Null: not served.
  compat::imageflow::ImageFlowService* imageflow = nullptr;
};

class GrpcServer {
 public:
  GrpcServer(GrpcServerOptions options, SyncProcessor& sync, jobs::JobService& jobs);
  ~GrpcServer();  // Shutdown(0) if still running
  GrpcServer(const GrpcServer&) = delete;
  GrpcServer& operator=(const GrpcServer&) = delete;

  // Binds and starts serving; returns the bound port. kUnavailable if the address cannot be
  // bound; kBadRequest if Start was called before
  // (a GrpcServer starts once).
  Result<int> Start();

  // Marks health NOT_SERVING, ends WatchJob streams, stops accepting calls, lets calls in
  // flight finish for up to `deadline` (then cancels them) and waits for the server's threads.
  // Idempotent.
  void Shutdown(std::chrono::milliseconds deadline);

  // The effective message limit (bytes).
  size_t max_message_bytes() const;

 private:
  struct Rep;
  std::unique_ptr<Rep> rep_;
};

}  // namespace tessera::api::grpc
