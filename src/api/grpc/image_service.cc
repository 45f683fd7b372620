#include "api/grpc/image_service.h"

#include <algorithm>

#include "api/grpc/job_messages.h"
#include "api/grpc/status_mapping.h"
#include "api/request_identity.h"
#include "core/log.h"

namespace tessera::api::grpc {

namespace v1 = tessera::v1;
using SteadyClock = std::chrono::steady_clock;

namespace {

constexpr size_t kDefaultListLimit = 50;

// The first value of a client metadata key (lower-case), or empty.
std::string_view Metadata(const ::grpc::ServerContext* context, std::string_view key) {
  const auto& metadata = context->client_metadata();
  auto it = metadata.find(::grpc::string_ref(key.data(), key.size()));
  if (it == metadata.end()) return {};
  return {it->second.data(), it->second.size()};
}

std::span<const uint8_t> AsBytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

bool DeadlinePassed(const ::grpc::ServerContext& context) {
  auto deadline = SteadyDeadline(context);
  return deadline && SteadyClock::now() >= *deadline;
}

void FillMeta(engine::Format format, int width, int height, size_t size, v1::ImageMeta* meta) {
  meta->set_format(std::string(engine::FormatName(format)));
  meta->set_mime_type(std::string(engine::FormatMimeType(format)));
  meta->set_width(width);
  meta->set_height(height);
  meta->set_size_bytes(static_cast<int64_t>(size));
}

void FillTimings(const SyncResult& result, v1::Timings* timings) {
  timings->set_queued_us(result.queued.count());
  timings->set_engine_us(result.elapsed.count());
}

}  // namespace

Status CallAlive(::grpc::ServerContext* context) {
  if (DeadlinePassed(*context)) {
    return MakeError(ErrorCode::kDeadlineExceeded, "the call's deadline passed");
  }
  if (context->IsCancelled()) return MakeError(ErrorCode::kCancelled, "the client cancelled");
  return OkStatus();
}

bool CallStopToken::StopRequested() const { return !CallAlive(context_); }

Error CallStopToken::Reason() const {
  Status alive = CallAlive(context_);
  return alive ? MakeError(ErrorCode::kCancelled, "the call ended") : alive.error();
}

std::optional<SteadyClock::time_point> SteadyDeadline(const ::grpc::ServerContext& context) {
  const auto deadline = context.deadline();
  const auto now = std::chrono::system_clock::now();
  // gRPC reports "no deadline" as the far future; anything beyond a day counts as none.
  if (deadline - now > std::chrono::hours(24)) return std::nullopt;
  return SteadyClock::now() + std::chrono::duration_cast<SteadyClock::duration>(deadline - now);
}

ImageServiceImpl::ImageServiceImpl(ImageServiceOptions options, SyncProcessor& sync,
                                   jobs::JobService& jobs)
    : options_(std::move(options)), sync_(sync), jobs_(jobs) {}

void ImageServiceImpl::Stop() {
  {
    std::lock_guard lock(stop_mu_);
    stopping_.store(true);
  }
  stop_cv_.notify_all();
}

Status CheckApiKey(const ::grpc::ServerContext& context, const std::vector<std::string>& api_keys) {
  if (api_keys.empty()) return OkStatus();
  if (!BearerKeyAccepted(Metadata(&context, "authorization"), api_keys)) {
    return MakeError(ErrorCode::kUnauthorized,
                     "missing or unknown API key (metadata authorization: Bearer <key>)",
                     "authorization");
  }
  return OkStatus();
}

Status ImageServiceImpl::Admit(::grpc::ServerContext* context) const {
  if (auto ok = CheckApiKey(*context, options_.api_keys); !ok) return ok;
  if (stopping_.load()) return MakeError(ErrorCode::kUnavailable, "the server is shutting down");
  return CallAlive(context);
}

::grpc::Status FinishCall(::grpc::ServerContext* context, std::string_view method,
                          SteadyClock::time_point started, const Status& status) {
  const auto us =
      std::chrono::duration_cast<std::chrono::microseconds>(SteadyClock::now() - started).count();
  if (status) {
    Log(LogLevel::kInfo, "grpc_call",
        {{"method", std::string(method)}, {"status", "OK"}, {"us", std::to_string(us)}});
    return ::grpc::Status::OK;
  }
  ::grpc::Status grpc_status = ToGrpcStatus(status.error(), context);
  Log(LogLevel::kInfo, "grpc_call",
      {{"method", std::string(method)},
       {"status", std::to_string(static_cast<int>(grpc_status.error_code()))},
       {"error", std::string(CodeName(status.error().code))},
       {"message", status.error().message},
       {"us", std::to_string(us)}});
  return grpc_status;
}

::grpc::Status ImageServiceImpl::Finish(::grpc::ServerContext* context, std::string_view method,
                                        SteadyClock::time_point started, const Status& status) {
  return FinishCall(context, method, started, status);
}

SlotWait SlotWaitFor(const ::grpc::ServerContext& context, std::chrono::milliseconds slot_wait) {
  SlotWait wait;
  wait.arrived = SteadyClock::now();
  wait.queued_at = wait.arrived;
  const auto deadline = SteadyDeadline(context);
  wait.deadline_first = deadline && *deadline < wait.arrived + slot_wait;
  if (wait.deadline_first) wait.queued_at = *deadline - slot_wait;
  return wait;
}

Result<SyncResult> ImageServiceImpl::RunSync(::grpc::ServerContext* context,
                                             std::span<const uint8_t> image,
                                             std::string_view pipeline) {
  const auto [arrived, queued_at, deadline_first] =
      SlotWaitFor(*context, sync_.options().slot_wait);
  CallStopToken call_stop(context);
  auto result = sync_.Process(image, pipeline, queued_at, &call_stop);
  if (!result) {
    if (result.error().code == ErrorCode::kQueueFull && deadline_first) {
      return MakeError(ErrorCode::kDeadlineExceeded,
                       "the call's deadline passed while waiting for a processing slot");
    }
    return result;
  }
  if (auto alive = CallAlive(context); !alive) return Unexpected(alive.error());
  // Report the time really spent waiting, not the shifted start.
  result->queued -= std::chrono::duration_cast<std::chrono::microseconds>(arrived - queued_at);
  return result;
}

::grpc::Status ImageServiceImpl::Process(::grpc::ServerContext* context,
                                         const v1::ProcessRequest* request,
                                         v1::ProcessResponse* response) {
  const auto started = SteadyClock::now();
  auto run = [&]() -> Status {
    if (auto ok = Admit(context); !ok) return ok;
    auto result = RunSync(context, AsBytes(request->image()), request->pipeline());
    if (!result) return Unexpected(result.error());
    const auto& out = result->result;
    if (options_.max_message_bytes != 0 && out.bytes.size() > options_.max_message_bytes) {
      return MakeError(ErrorCode::kTooLarge, "the result is " + std::to_string(out.bytes.size()) +
                                                 " bytes, over the " +
                                                 std::to_string(options_.max_message_bytes) +
                                                 "-byte message limit; use ProcessStream");
    }
    response->set_image(out.bytes.data(), out.bytes.size());
    FillMeta(out.format, out.width, out.height, out.bytes.size(), response->mutable_meta());
    FillTimings(*result, response->mutable_timings());
    for (const auto& d : out.detections) ToProto(d, response->add_detections());
    return OkStatus();
  };
  return Finish(context, "Process", started, run());
}

::grpc::Status ImageServiceImpl::ProcessStream(
    ::grpc::ServerContext* context,
    ::grpc::ServerReaderWriter<v1::ProcessStreamResponse, v1::ProcessStreamRequest>* stream) {
  const auto started = SteadyClock::now();
  auto run = [&]() -> Status {
    if (auto ok = Admit(context); !ok) return ok;
    const uint64_t max_bytes = sync_.options().engine.limits.max_input_bytes;
    std::string pipeline;
    std::string image;
    v1::ProcessStreamRequest message;
    bool first = true;
    while (stream->Read(&message)) {
      if (first) {
        pipeline = message.pipeline();
        first = false;
      } else if (!message.pipeline().empty()) {
        return MakeError(ErrorCode::kBadRequest,
                         "the pipeline goes in the first message of the stream only", "pipeline");
      }
      if (image.size() + message.chunk().size() > max_bytes) {
        return MakeError(ErrorCode::kTooLarge,
                         "the image is over the " + std::to_string(max_bytes) + "-byte input limit",
                         "chunk");
      }
      image += message.chunk();
    }
    if (auto alive = CallAlive(context); !alive) return alive;
    if (first || pipeline.empty()) {
      return MakeError(ErrorCode::kBadRequest, "the first message must carry the pipeline",
                       "pipeline");
    }
    auto result = RunSync(context, AsBytes(image), pipeline);
    if (!result) return Unexpected(result.error());
    const auto& out = result->result;
    v1::ProcessStreamResponse head;
    FillMeta(out.format, out.width, out.height, out.bytes.size(), head.mutable_meta());
    FillTimings(*result, head.mutable_timings());
    for (const auto& d : out.detections) ToProto(d, head.add_detections());
    return WriteChunks(context, stream, std::move(head), out.bytes);
  };
  return Finish(context, "ProcessStream", started, run());
}

Status ImageServiceImpl::WriteChunks(
    ::grpc::ServerContext* context,
    ::grpc::internal::WriterInterface<v1::ProcessStreamResponse>* writer,
    v1::ProcessStreamResponse first, std::span<const uint8_t> bytes) {
  const size_t chunk = std::max<size_t>(1, options_.stream_chunk_bytes);
  size_t offset = 0;
  v1::ProcessStreamResponse message = std::move(first);
  do {
    const size_t n = std::min(chunk, bytes.size() - offset);
    message.set_chunk(bytes.data() + offset, n);
    offset += n;
    if (!writer->Write(message)) {
      if (auto alive = CallAlive(context); !alive) return alive;
      return MakeError(ErrorCode::kCancelled, "the stream closed before the result was sent");
    }
    message.Clear();
  } while (offset < bytes.size());
  return OkStatus();
}

::grpc::Status ImageServiceImpl::SubmitJob(::grpc::ServerContext* context,
                                           const v1::SubmitJobRequest* request,
                                           v1::SubmitJobResponse* response) {
  const auto started = SteadyClock::now();
  auto run = [&]() -> Status {
    if (auto ok = Admit(context); !ok) return ok;
    jobs::SubmitRequest submit;
    submit.image = AsBytes(request->image());
    submit.pipeline = request->pipeline();
    submit.priority = FromProto(request->priority());
    submit.idempotency_key = request->idempotency_key();
    submit.input = request->input();
    submit.output = request->output();
    submit.request_id = RequestIdOrNew(Metadata(context, "x-request-id"));
    auto created = jobs_.Submit(submit);
    if (!created) return Unexpected(created.error());
    // Read it back so that a queued job says which capability it waits for.
    if (auto status = jobs_.Get(created->job.id)) {
      ToProto(*status, response->mutable_job());
    } else {
      ToProto(created->job, response->mutable_job());
    }
    response->set_created(created->created);
    return OkStatus();
  };
  return Finish(context, "SubmitJob", started, run());
}

::grpc::Status ImageServiceImpl::GetJob(::grpc::ServerContext* context,
                                        const v1::GetJobRequest* request, v1::Job* response) {
  const auto started = SteadyClock::now();
  auto run = [&]() -> Status {
    if (auto ok = Admit(context); !ok) return ok;
    auto status = jobs_.Get(request->id());
    if (!status) return Unexpected(status.error());
    ToProto(*status, response);
    return OkStatus();
  };
  return Finish(context, "GetJob", started, run());
}

::grpc::Status ImageServiceImpl::WatchJob(::grpc::ServerContext* context,
                                          const v1::WatchJobRequest* request,
                                          ::grpc::ServerWriter<v1::Job>* writer) {
  const auto started = SteadyClock::now();
  auto run = [&]() -> Status {
    if (auto ok = Admit(context); !ok) return ok;
    std::string last_sent;
    while (true) {
      auto status = jobs_.Get(request->id());
      if (!status) return Unexpected(status.error());
      v1::Job job;
      ToProto(*status, &job);
      // Send only changes; the serialized message is a cheap, complete comparison.
      std::string serialized = job.SerializeAsString();
      if (serialized != last_sent) {
        if (!writer->Write(job)) {
          if (auto alive = CallAlive(context); !alive) return alive;
          return MakeError(ErrorCode::kCancelled, "the stream closed");
        }
        last_sent = std::move(serialized);
      }
      if (queue::IsTerminal(status->job.state)) return OkStatus();
      std::unique_lock lock(stop_mu_);
      stop_cv_.wait_for(lock, options_.watch_poll, [&] { return stopping_.load(); });
      if (stopping_.load()) {
        return MakeError(ErrorCode::kUnavailable, "the server is shutting down; watch again");
      }
      lock.unlock();
      if (auto alive = CallAlive(context); !alive) return alive;
    }
  };
  return Finish(context, "WatchJob", started, run());
}

::grpc::Status ImageServiceImpl::GetJobResult(
    ::grpc::ServerContext* context, const v1::GetJobResultRequest* request,
    ::grpc::ServerWriter<v1::ProcessStreamResponse>* writer) {
  const auto started = SteadyClock::now();
  auto run = [&]() -> Status {
    if (auto ok = Admit(context); !ok) return ok;
    auto bytes = jobs_.ResultBytes(request->id());
    if (!bytes) return Unexpected(bytes.error());
    v1::ProcessStreamResponse head;
    // The stored result's own header gives its format and size (no pixels decoded).
    auto info = engine::Probe(*bytes);
    if (info) {
      FillMeta(info->format, info->oriented_width(), info->oriented_height(), bytes->size(),
               head.mutable_meta());
    } else {
      head.mutable_meta()->set_size_bytes(static_cast<int64_t>(bytes->size()));
    }
    return WriteChunks(context, writer, std::move(head), *bytes);
  };
  return Finish(context, "GetJobResult", started, run());
}

::grpc::Status ImageServiceImpl::CancelJob(::grpc::ServerContext* context,
                                           const v1::CancelJobRequest* request, v1::Job* response) {
  const auto started = SteadyClock::now();
  auto run = [&]() -> Status {
    if (auto ok = Admit(context); !ok) return ok;
    auto job = jobs_.Cancel(request->id());
    if (!job) return Unexpected(job.error());
    ToProto(*job, response);
    return OkStatus();
  };
  return Finish(context, "CancelJob", started, run());
}

::grpc::Status ImageServiceImpl::ListJobs(::grpc::ServerContext* context,
                                          const v1::ListJobsRequest* request,
                                          v1::ListJobsResponse* response) {
  const auto started = SteadyClock::now();
  auto run = [&]() -> Status {
    if (auto ok = Admit(context); !ok) return ok;
    if (request->limit() < 0) {
      return MakeError(ErrorCode::kBadRequest, "limit must be 0 (default) or 1..1000", "limit");
    }
    const size_t limit =
        request->limit() == 0 ? kDefaultListLimit : static_cast<size_t>(request->limit());
    std::optional<queue::JobState> state;
    if (request->state() != v1::JOB_STATE_UNSPECIFIED) {
      state = FromProto(request->state());
      if (!state) {
        return MakeError(ErrorCode::kBadRequest,
                         "unknown job state " + std::to_string(request->state()), "state");
      }
    }
    auto page = jobs_.List(state, limit, request->cursor());
    if (!page) return Unexpected(page.error());
    for (const auto& job : page->jobs) ToProto(job, response->add_jobs());
    response->set_next_cursor(page->next_cursor);
    return OkStatus();
  };
  return Finish(context, "ListJobs", started, run());
}

}  // namespace tessera::api::grpc
