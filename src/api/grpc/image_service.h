// ImageServiceImpl: tessera.v1.ImageService (proto/tessera/v1/image_service.proto) over the
// shared SyncProcessor (Process, ProcessStream) and JobService (the job rpcs). It holds no
// processing or job logic of its own: it checks the API key and the call's deadline, converts
// messages, and maps errors (status_mapping.h).
//
// Deadlines: a call whose deadline is nearer than SyncProcessor's slot wait stops waiting for a
// slot at its deadline; a deadline that passed before or during the work ends the call with
// DEADLINE_EXCEEDED, a client that went away with CANCELLED.
//
// Thread-safety: the gRPC sync server calls every method concurrently; all state is immutable
// or atomic. Owned by GrpcServer, which outlives every call.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "api/sync_processor.h"
#include "engine/stop_token.h"
#include "jobs/job_service.h"
#include "tessera/v1/image_service.grpc.pb.h"

namespace tessera::api::grpc {

struct ImageServiceOptions {
  std::vector<std::string> api_keys;          // empty: no authentication
  size_t max_message_bytes = 0;               // largest unary result sent (bytes)
  size_t stream_chunk_bytes = 1 << 20;        // bytes per streamed result message
  std::chrono::milliseconds watch_poll{250};  // WatchJob's JobService polling interval
};

class ImageServiceImpl final : public tessera::v1::ImageService::Service {
 public:
  ImageServiceImpl(ImageServiceOptions options, SyncProcessor& sync, jobs::JobService& jobs);

  // Ends every WatchJob stream (UNAVAILABLE) and refuses new calls; called by GrpcServer before
  // the server shuts down so that long streams do not hold the shutdown up.
  void Stop();

  ::grpc::Status Process(::grpc::ServerContext* context, const tessera::v1::ProcessRequest* request,
                         tessera::v1::ProcessResponse* response) override;
  ::grpc::Status ProcessStream(
      ::grpc::ServerContext* context,
      ::grpc::ServerReaderWriter<tessera::v1::ProcessStreamResponse,
                                 tessera::v1::ProcessStreamRequest>* stream) override;
  ::grpc::Status SubmitJob(::grpc::ServerContext* context,
                           const tessera::v1::SubmitJobRequest* request,
                           tessera::v1::SubmitJobResponse* response) override;
  ::grpc::Status GetJob(::grpc::ServerContext* context, const tessera::v1::GetJobRequest* request,
                        tessera::v1::Job* response) override;
  ::grpc::Status WatchJob(::grpc::ServerContext* context,
                          const tessera::v1::WatchJobRequest* request,
                          ::grpc::ServerWriter<tessera::v1::Job>* writer) override;
  ::grpc::Status GetJobResult(
      ::grpc::ServerContext* context, const tessera::v1::GetJobResultRequest* request,
      ::grpc::ServerWriter<tessera::v1::ProcessStreamResponse>* writer) override;
  ::grpc::Status CancelJob(::grpc::ServerContext* context,
                           const tessera::v1::CancelJobRequest* request,
                           tessera::v1::Job* response) override;
  ::grpc::Status ListJobs(::grpc::ServerContext* context,
                          const tessera::v1::ListJobsRequest* request,
                          tessera::v1::ListJobsResponse* response) override;

 private:
  // Authentication, shutdown and deadline checks every call starts with.
  Status Admit(::grpc::ServerContext* context) const;
  // The synchronous path shared by Process and ProcessStream.
  Result<SyncResult> RunSync(::grpc::ServerContext* context, std::span<const uint8_t> image,
                             std::string_view pipeline);
  // Streams `bytes` in stream_chunk_bytes pieces; the first message carries `first`'s fields.
  Status WriteChunks(::grpc::ServerContext* context,
                     ::grpc::internal::WriterInterface<tessera::v1::ProcessStreamResponse>* writer,
                     tessera::v1::ProcessStreamResponse first, std::span<const uint8_t> bytes);
  // Ends the call: OK, or the error mapped to a status, and one access-log line.
  ::grpc::Status Finish(::grpc::ServerContext* context, std::string_view method,
                        std::chrono::steady_clock::time_point started, const Status& status);

  const ImageServiceOptions options_;
  SyncProcessor& sync_;
  jobs::JobService& jobs_;

  std::atomic<bool> stopping_{false};
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;  // wakes WatchJob loops on Stop()
};

// OK when `api_keys` is empty or the call's `authorization` metadata is `Bearer <key>` with an
// accepted key (api::BearerKeyAccepted, the rule HTTP uses too); kUnauthorized otherwise.
Status CheckApiKey(const ::grpc::ServerContext& context, const std::vector<std::string>& api_keys);

// Ends a call: OK, or `status`'s error mapped to a gRPC status (status_mapping.h), and one
// "grpc_call" access-log line naming `method`. Shared by every tessera gRPC service.
::grpc::Status FinishCall(::grpc::ServerContext* context, std::string_view method,
                          std::chrono::steady_clock::time_point started, const Status& status);

// Where a synchronous call's slot wait starts: SyncProcessor waits slot_wait from `queued_at`,
// so when the call's deadline comes first, queued_at is moved back to make the wait end at the
// deadline (the one backpressure rule stays in SyncProcessor and no call waits past its
// deadline). `deadline_first` says a kQueueFull then means DEADLINE_EXCEEDED.
struct SlotWait {
  std::chrono::steady_clock::time_point arrived;
  std::chrono::steady_clock::time_point queued_at;
  bool deadline_first = false;
};
SlotWait SlotWaitFor(const ::grpc::ServerContext& context, std::chrono::milliseconds slot_wait);

// Why a call can no longer usefully continue: its deadline passed (kDeadlineExceeded) or its
// client cancelled or went away (kCancelled).
Status CallAlive(::grpc::ServerContext* context);

// Stops the engine when the call can no longer usefully continue (CallAlive). Every rpc that
// runs the engine while its client waits passes one to SyncProcessor.
class CallStopToken final : public engine::StopToken {
 public:
  explicit CallStopToken(::grpc::ServerContext* context) : context_(context) {}
  bool StopRequested() const override;
  Error Reason() const override;

 private:
  ::grpc::ServerContext* const context_;
};

// The call's deadline on the steady clock; nullopt when it has none.
std::optional<std::chrono::steady_clock::time_point> SteadyDeadline(
    const ::grpc::ServerContext& context);

}  // namespace tessera::api::grpc
