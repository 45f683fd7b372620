// tessera.v1.ImageService, grpc.health.v1.Health and server reflection driven over loopback by a
// C++ gRPC client against an in-process GrpcServer with real SQLite backends and a real worker:
// every rpc, streaming in and out beyond one chunk, typed errors with their metadata and
// details, slot exhaustion, deadlines, API keys and shutdown. Images are compared byte for byte
// with engine::Process of the same input.
#include <fcntl.h>
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/dynamic_message.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <sstream>
#include <thread>

#include "core/file_io.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpc_test_server.h"
#include "support/tessera_process.h"
#include "tessera/v1/image_service.grpc.pb.h"

namespace tessera::testing {
namespace {

namespace v1 = tessera::v1;
using std::chrono::milliseconds;
using std::chrono::seconds;

std::shared_ptr<::grpc::Channel> Connect(const std::string& target) {
  ::grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 << 20);
  args.SetMaxSendMessageSize(64 << 20);
  return ::grpc::CreateCustomChannel(target, ::grpc::InsecureChannelCredentials(), args);
}

void SetDeadline(::grpc::ClientContext* context, milliseconds timeout = milliseconds(10'000)) {
  context->set_deadline(std::chrono::system_clock::now() + timeout);
}

std::vector<uint8_t> Png(int w, int h) { return EncodeWithOpenCv(MakeTestPattern(w, h), ".png"); }

std::string AsString(std::span<const uint8_t> bytes) {
  return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

// What the engine itself makes of the same bytes: the reference every result must equal.
engine::ProcessResult EngineReference(std::span<const uint8_t> image, std::string_view pipeline) {
  auto r = engine::Process(image, MustParsePipeline(pipeline));
  EXPECT_TRUE(r.has_value()) << r.error().ToString();
  return r ? std::move(*r) : engine::ProcessResult{};
}

std::string Trailer(const ::grpc::ClientContext& context, const std::string& key) {
  const auto& md = context.GetServerTrailingMetadata();
  auto it = md.find(key);
  return it == md.end() ? "" : std::string(it->second.data(), it->second.size());
}

google::rpc::ErrorInfo ErrorInfoOf(const ::grpc::Status& status) {
  google::rpc::Status details;
  google::rpc::ErrorInfo info;
  EXPECT_TRUE(details.ParseFromString(status.error_details()));
  EXPECT_EQ(details.details_size(), 1);
  if (details.details_size() == 1) {
    EXPECT_TRUE(details.details(0).UnpackTo(&info));
  }
  return info;
}

// Collects everything written to fd 2 (tessera's JSON log lines) while alive.
class StderrCapture {
 public:
  StderrCapture() {
    std::string templ = (std::filesystem::temp_directory_path() / "tessera-stderr-XXXXXX").string();
    int fd = ::mkstemp(templ.data());
    path_ = templ;
    std::fflush(stderr);
    saved_ = ::dup(2);
    ::dup2(fd, 2);
    ::close(fd);
  }
  ~StderrCapture() {
    std::fflush(stderr);
    ::dup2(saved_, 2);
    ::close(saved_);
    std::remove(path_.c_str());
  }
  std::string Read() const {
    std::ifstream in(path_);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

 private:
  std::string path_;
  int saved_ = -1;
};

class GrpcServiceTest : public ::testing::Test {
 protected:
  void Start(GrpcTestServerOptions options = {}) {
    server_ = std::make_unique<GrpcTestServer>(std::move(options));
    ASSERT_NE(server_->port(), 0);
    channel_ = Connect(server_->target());
    stub_ = v1::ImageService::NewStub(channel_);
  }

  // Submits through gRPC and returns the job id.
  std::string Submit(std::span<const uint8_t> image, const std::string& pipeline,
                     const std::string& key = "") {
    ::grpc::ClientContext context;
    SetDeadline(&context);
    v1::SubmitJobRequest request;
    request.set_image(AsString(image));
    request.set_pipeline(pipeline);
    request.set_idempotency_key(key);
    v1::SubmitJobResponse response;
    auto status = stub_->SubmitJob(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.job().id();
  }

  std::unique_ptr<GrpcTestServer> server_;
  std::shared_ptr<::grpc::Channel> channel_;
  std::unique_ptr<v1::ImageService::Stub> stub_;
};

TEST_F(GrpcServiceTest, ProcessReturnsExactlyWhatTheEngineMakes) {
  Start();
  const auto png = Png(64, 48);
  for (std::string pipeline :
       {"resize:w=32;format:type=png",
        R"([{"op":"blur","sigma":1.5},{"op":"format","type":"webp","q":80}])"}) {
    ::grpc::ClientContext context;
    SetDeadline(&context);
    v1::ProcessRequest request;
    request.set_image(AsString(png));
    request.set_pipeline(pipeline);
    v1::ProcessResponse response;
    auto status = stub_->Process(&context, request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    auto expected = EngineReference(png, pipeline);
    EXPECT_EQ(response.image(), AsString(expected.bytes)) << pipeline;
    EXPECT_EQ(response.meta().format(), engine::FormatName(expected.format));
    EXPECT_EQ(response.meta().mime_type(), engine::FormatMimeType(expected.format));
    EXPECT_EQ(response.meta().width(), expected.width);
    EXPECT_EQ(response.meta().height(), expected.height);
    EXPECT_EQ(response.meta().size_bytes(), static_cast<int64_t>(expected.bytes.size()));
    EXPECT_GE(response.timings().queued_us(), 0);
    EXPECT_GT(response.timings().engine_us(), 0);
  }
}

TEST_F(GrpcServiceTest, ProcessStreamCarriesImagesLargerThanOneChunkBothWays) {
  GrpcTestServerOptions options;
  options.grpc.stream_chunk_bytes = 16 << 10;
  Start(options);
  const auto png = Png(400, 300);
  const std::string pipeline = "rotate:angle=90;format:type=png";
  auto expected = EngineReference(png, pipeline);
  ASSERT_GT(png.size(), 4u * (16 << 10));
  ASSERT_GT(expected.bytes.size(), 4u * (16 << 10));

  ::grpc::ClientContext context;
  SetDeadline(&context);
  auto stream = stub_->ProcessStream(&context);
  const size_t in_chunk = 10 << 10;
  for (size_t offset = 0; offset < png.size(); offset += in_chunk) {
    v1::ProcessStreamRequest message;
    if (offset == 0) message.set_pipeline(pipeline);
    message.set_chunk(png.data() + offset, std::min(in_chunk, png.size() - offset));
    ASSERT_TRUE(stream->Write(message));
  }
  ASSERT_TRUE(stream->WritesDone());
  std::string out;
  int messages = 0;
  v1::ProcessStreamResponse message;
  while (stream->Read(&message)) {
    if (messages == 0) {
      EXPECT_EQ(message.meta().format(), "png");
      EXPECT_EQ(message.meta().width(), expected.width);
      EXPECT_EQ(message.meta().height(), expected.height);
      EXPECT_EQ(message.meta().size_bytes(), static_cast<int64_t>(expected.bytes.size()));
      EXPECT_TRUE(message.has_timings());
    } else {
      EXPECT_FALSE(message.has_meta());
    }
    EXPECT_LE(message.chunk().size(), 16u << 10);
    out += message.chunk();
    ++messages;
  }
  auto status = stream->Finish();
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(messages, static_cast<int>((expected.bytes.size() + (16 << 10) - 1) / (16 << 10)));
  EXPECT_EQ(out, AsString(expected.bytes));
}

TEST_F(GrpcServiceTest, ProcessStreamWithoutAPipelineIsInvalid) {
  Start();
  ::grpc::ClientContext context;
  SetDeadline(&context);
  auto stream = stub_->ProcessStream(&context);
  v1::ProcessStreamRequest message;
  message.set_chunk("abc");
  ASSERT_TRUE(stream->Write(message));
  stream->WritesDone();
  v1::ProcessStreamResponse ignored;
  while (stream->Read(&ignored)) {
  }
  auto status = stream->Finish();
  EXPECT_EQ(status.error_code(), ::grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Trailer(context, "tessera-error-code"), "bad_request");
  EXPECT_EQ(Trailer(context, "tessera-error-field"), "pipeline");
}

TEST_F(GrpcServiceTest, TheRequestIdMetadataFollowsTheJob) {
  Start();
  const auto png = Png(20, 20);
  ::grpc::ClientContext context;
  SetDeadline(&context);
  context.AddMetadata("x-request-id", "grpc-req-77");
  v1::SubmitJobRequest request;
  request.set_image(AsString(png));
  request.set_pipeline("invert");
  v1::SubmitJobResponse response;
  ASSERT_TRUE(stub_->SubmitJob(&context, request, &response).ok());
  auto status = server_->jobs().Get(response.job().id());
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->job.request_id, "grpc-req-77");
  // Without one (or with an unsafe one) the server makes an id.
  const std::string other = Submit(png, "invert");
  auto second = server_->jobs().Get(other);
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->job.request_id.size(), 26u);
}

TEST_F(GrpcServiceTest, SubmitWatchAndFetchAJobResult) {
  Start();
  const auto png = Png(80, 60);
  const std::string pipeline = "resize:w=40;sharpen;format:type=png";
  const std::string id = Submit(png, pipeline, "key-1");
  ASSERT_FALSE(id.empty());

  ::grpc::ClientContext watch_context;
  SetDeadline(&watch_context);
  v1::WatchJobRequest watch;
  watch.set_id(id);
  auto reader = stub_->WatchJob(&watch_context, watch);
  std::vector<v1::Job> updates;
  v1::Job update;
  while (reader->Read(&update)) updates.push_back(update);
  auto status = reader->Finish();
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_FALSE(updates.empty());
  EXPECT_EQ(updates.back().state(), v1::JOB_STATE_SUCCEEDED);
  EXPECT_EQ(updates.back().id(), id);
  EXPECT_EQ(updates.back().attempts(), 1);
  EXPECT_EQ(updates.back().output_format(), "png");
  EXPECT_TRUE(updates.back().has_finished_at());
  EXPECT_FALSE(updates.back().has_error());
  for (size_t i = 1; i < updates.size(); ++i) {
    EXPECT_NE(updates[i].SerializeAsString(), updates[i - 1].SerializeAsString()) << "repeat";
  }

  ::grpc::ClientContext get_context;
  SetDeadline(&get_context);
  v1::GetJobRequest get;
  get.set_id(id);
  v1::Job job;
  ASSERT_TRUE(stub_->GetJob(&get_context, get, &job).ok());
  EXPECT_EQ(job.SerializeAsString(), updates.back().SerializeAsString());
  EXPECT_EQ(job.pipeline(), MustParsePipeline(pipeline).ToText());
  EXPECT_EQ(job.idempotency_key(), "key-1");

  ::grpc::ClientContext result_context;
  SetDeadline(&result_context);
  v1::GetJobResultRequest result_request;
  result_request.set_id(id);
  auto result_reader = stub_->GetJobResult(&result_context, result_request);
  std::string bytes;
  v1::ProcessStreamResponse chunk;
  v1::ImageMeta meta;
  while (result_reader->Read(&chunk)) {
    if (chunk.has_meta()) meta = chunk.meta();
    bytes += chunk.chunk();
  }
  ASSERT_TRUE(result_reader->Finish().ok());
  auto expected = EngineReference(png, pipeline);
  EXPECT_EQ(bytes, AsString(expected.bytes));
  EXPECT_EQ(meta.format(), "png");
  EXPECT_EQ(meta.width(), expected.width);

  // The same idempotency key returns the same job and creates nothing.
  ::grpc::ClientContext again_context;
  SetDeadline(&again_context);
  v1::SubmitJobRequest again;
  again.set_image(AsString(png));
  again.set_pipeline(pipeline);
  again.set_idempotency_key("key-1");
  v1::SubmitJobResponse again_response;
  ASSERT_TRUE(stub_->SubmitJob(&again_context, again, &again_response).ok());
  EXPECT_FALSE(again_response.created());
  EXPECT_EQ(again_response.job().id(), id);

  // The same key with a different pipeline is refused (issue 17), never the earlier job.
  ::grpc::ClientContext other_context;
  SetDeadline(&other_context);
  again.set_pipeline("invert");
  auto other = stub_->SubmitJob(&other_context, again, &again_response);
  EXPECT_EQ(other.error_code(), ::grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(other.error_message().rfind("idempotency_key_reused: idempotency_key: ", 0), 0u)
      << other.error_message();
}

// Inputs and outputs by reference: the job reads an object already in the store and writes its
// result where the request says; a reference into tessera's own namespace is InvalidArgument.
TEST_F(GrpcServiceTest, SubmitJobByReferenceReadsAndWritesStoreObjects) {
  Start();
  const auto png = Png(80, 60);
  const auto blobs = server_->dir().path() / "blobs";
  ASSERT_TRUE(WriteFileAtomically(blobs / "customer" / "in.png", png).has_value());
  const std::string pipeline = "resize:w=40;format:type=png";
  ::grpc::ClientContext context;
  SetDeadline(&context);
  v1::SubmitJobRequest request;
  request.set_input("customer/in.png");
  request.set_output("customer/out.png");
  request.set_pipeline(pipeline);
  v1::SubmitJobResponse response;
  auto status = stub_->SubmitJob(&context, request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_TRUE(WaitFor(
      [&] {
        ::grpc::ClientContext get_context;
        SetDeadline(&get_context);
        v1::GetJobRequest get;
        get.set_id(response.job().id());
        v1::Job job;
        return stub_->GetJob(&get_context, get, &job).ok() &&
               job.state() == v1::JOB_STATE_SUCCEEDED;
      },
      std::chrono::seconds(30)));
  auto written = ReadFile(blobs / "customer" / "out.png");
  ASSERT_TRUE(written.has_value());
  EXPECT_EQ(*written, EngineReference(png, pipeline).bytes);
  EXPECT_FALSE(std::filesystem::exists(blobs / "inputs" / response.job().id()));

  for (const auto& [input, output] :
       {std::pair{"results/x", ""}, std::pair{"../in.png", ""},
        std::pair{"customer/in.png", "tiles/x"}, std::pair{"s3://bucket/customer/in.png", ""}}) {
    ::grpc::ClientContext bad_context;
    SetDeadline(&bad_context);
    v1::SubmitJobRequest bad;
    bad.set_input(input);
    bad.set_output(output);
    bad.set_pipeline(pipeline);
    v1::SubmitJobResponse bad_response;
    status = stub_->SubmitJob(&bad_context, bad, &bad_response);
    EXPECT_EQ(status.error_code(), ::grpc::StatusCode::INVALID_ARGUMENT) << input << " " << output;
  }
}

TEST_F(GrpcServiceTest, CancelAQueuedJobThenCancellingAgainIsAFailedPrecondition) {
  GrpcTestServerOptions options;
  options.start_worker = false;  // the job stays queued
  Start(options);
  const std::string id = Submit(Png(16, 16), "invert");

  ::grpc::ClientContext watch_context;
  SetDeadline(&watch_context);
  v1::WatchJobRequest watch;
  watch.set_id(id);
  auto reader = stub_->WatchJob(&watch_context, watch);
  v1::Job first;
  ASSERT_TRUE(reader->Read(&first));
  EXPECT_EQ(first.state(), v1::JOB_STATE_QUEUED);
  // No live worker has "core": the job says what it waits for.
  EXPECT_EQ(std::vector<std::string>(first.waiting_for().begin(), first.waiting_for().end()),
            std::vector<std::string>{"core"});

  ::grpc::ClientContext cancel_context;
  SetDeadline(&cancel_context);
  v1::CancelJobRequest cancel;
  cancel.set_id(id);
  v1::Job cancelled;
  ASSERT_TRUE(stub_->CancelJob(&cancel_context, cancel, &cancelled).ok());
  EXPECT_EQ(cancelled.state(), v1::JOB_STATE_CANCELLED);

  // The watch sees the terminal state and ends by itself.
  v1::Job last = first;
  v1::Job update;
  while (reader->Read(&update)) last = update;
  EXPECT_TRUE(reader->Finish().ok());
  EXPECT_EQ(last.state(), v1::JOB_STATE_CANCELLED);

  ::grpc::ClientContext again_context;
  SetDeadline(&again_context);
  v1::Job ignored;
  auto status = stub_->CancelJob(&again_context, cancel, &ignored);
  EXPECT_EQ(status.error_code(), ::grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(Trailer(again_context, "tessera-error-code"), "conflict");
}

TEST_F(GrpcServiceTest, ListJobsPagesAndFiltersByState) {
  GrpcTestServerOptions options;
  options.start_worker = false;
  Start(options);
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) ids.push_back(Submit(Png(8 + i, 8), "invert"));
  {
    ::grpc::ClientContext context;
    SetDeadline(&context);
    v1::CancelJobRequest cancel;
    cancel.set_id(ids[1]);
    v1::Job ignored;
    ASSERT_TRUE(stub_->CancelJob(&context, cancel, &ignored).ok());
  }

  std::vector<std::string> listed;
  std::string cursor;
  int pages = 0;
  do {
    ::grpc::ClientContext context;
    SetDeadline(&context);
    v1::ListJobsRequest request;
    request.set_limit(2);
    request.set_cursor(cursor);
    v1::ListJobsResponse response;
    auto status = stub_->ListJobs(&context, request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    for (const auto& job : response.jobs()) listed.push_back(job.id());
    cursor = response.next_cursor();
    ++pages;
  } while (!cursor.empty() && pages < 5);
  EXPECT_EQ(listed, ids);
  EXPECT_EQ(pages, 2);

  ::grpc::ClientContext context;
  SetDeadline(&context);
  v1::ListJobsRequest queued_only;
  queued_only.set_state(v1::JOB_STATE_QUEUED);
  v1::ListJobsResponse response;
  ASSERT_TRUE(stub_->ListJobs(&context, queued_only, &response).ok());
  ASSERT_EQ(response.jobs_size(), 2);
  EXPECT_EQ(response.jobs(0).id(), ids[0]);
  EXPECT_EQ(response.jobs(1).id(), ids[2]);

  ::grpc::ClientContext bad_context;
  SetDeadline(&bad_context);
  v1::ListJobsRequest too_many;
  too_many.set_limit(5000);
  auto status = stub_->ListJobs(&bad_context, too_many, &response);
  EXPECT_EQ(status.error_code(), ::grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Trailer(bad_context, "tessera-error-code"), "bad_request");

  ::grpc::ClientContext unknown_context;
  SetDeadline(&unknown_context);
  v1::ListJobsRequest unknown_state;
  unknown_state.set_state(static_cast<v1::JobState>(42));
  status = stub_->ListJobs(&unknown_context, unknown_state, &response);
  EXPECT_EQ(status.error_code(), ::grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Trailer(unknown_context, "tessera-error-field"), "state");
}

TEST_F(GrpcServiceTest, ABadPipelineIsInvalidArgumentNamingTheField) {
  Start();
  ::grpc::ClientContext context;
  SetDeadline(&context);
  v1::ProcessRequest request;
  request.set_image(AsString(Png(8, 8)));
  request.set_pipeline("resize:w=10;blur:sigma=0");
  v1::ProcessResponse response;
  auto status = stub_->Process(&context, request, &response);
  ASSERT_EQ(status.error_code(), ::grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message().rfind("bad_pipeline: blur.sigma: ", 0), 0u)
      << status.error_message();
  EXPECT_EQ(Trailer(context, "tessera-error-code"), "bad_pipeline");
  EXPECT_EQ(Trailer(context, "tessera-error-field"), "blur.sigma");
  auto info = ErrorInfoOf(status);
  EXPECT_EQ(info.reason(), "bad_pipeline");
  EXPECT_EQ(info.domain(), "tessera");
  EXPECT_EQ(info.metadata().at("field"), "blur.sigma");
}

TEST_F(GrpcServiceTest, MediaErrorsMapToInvalidArgumentAndTooLargeToResourceExhausted) {
  GrpcTestServerOptions options;
  options.sync.engine.limits.max_input_bytes = 4096;
  Start(options);
  struct Case {
    std::string image;
    ::grpc::StatusCode status;
    std::string code;
  };
  auto png = Png(64, 64);
  ASSERT_GT(png.size(), 4096u);
  auto small = Png(4, 4);
  std::string truncated = AsString(small).substr(0, 40);
  for (const auto& c :
       {Case{"not an image at all", ::grpc::StatusCode::INVALID_ARGUMENT, "unsupported_media"},
        Case{"", ::grpc::StatusCode::INVALID_ARGUMENT, "bad_request"},
        Case{truncated, ::grpc::StatusCode::INVALID_ARGUMENT, "corrupt_image"},
        Case{AsString(png), ::grpc::StatusCode::RESOURCE_EXHAUSTED, "too_large"}}) {
    ::grpc::ClientContext context;
    SetDeadline(&context);
    v1::ProcessRequest request;
    request.set_image(c.image);
    request.set_pipeline("invert");
    v1::ProcessResponse response;
    auto status = stub_->Process(&context, request, &response);
    EXPECT_EQ(status.error_code(), c.status) << c.code << ": " << status.error_message();
    EXPECT_EQ(Trailer(context, "tessera-error-code"), c.code);
  }
  // The transport limit follows the engine's: max_input_bytes + 1 MiB of headroom; gRPC itself
  // refuses a bigger message with the same status.
  EXPECT_EQ(server_->server().max_message_bytes(), 4096u + (1u << 20));
  ::grpc::ClientContext context;
  SetDeadline(&context);
  v1::ProcessRequest request;
  request.set_image(std::string(4096 + (1 << 20) + 1, 'x'));
  request.set_pipeline("invert");
  v1::ProcessResponse response;
  EXPECT_EQ(stub_->Process(&context, request, &response).error_code(),
            ::grpc::StatusCode::RESOURCE_EXHAUSTED);

  // A stream is refused as soon as its chunks pass max_input_bytes.
  ::grpc::ClientContext stream_context;
  SetDeadline(&stream_context);
  auto stream = stub_->ProcessStream(&stream_context);
  v1::ProcessStreamRequest message;
  message.set_pipeline("invert");
  message.set_chunk(std::string(3000, 'x'));
  EXPECT_TRUE(stream->Write(message));
  message.clear_pipeline();
  stream->Write(message);  // 6000 bytes: over the limit
  stream->WritesDone();
  v1::ProcessStreamResponse ignored;
  while (stream->Read(&ignored)) {
  }
  EXPECT_EQ(stream->Finish().error_code(), ::grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(Trailer(stream_context, "tessera-error-code"), "too_large");
  EXPECT_EQ(Trailer(stream_context, "tessera-error-field"), "chunk");
}

TEST_F(GrpcServiceTest, UnknownJobsAreNotFound) {
  Start();
  ::grpc::ClientContext get_context;
  SetDeadline(&get_context);
  v1::GetJobRequest get;
  get.set_id("no-such-job");
  v1::Job job;
  auto status = stub_->GetJob(&get_context, get, &job);
  EXPECT_EQ(status.error_code(), ::grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Trailer(get_context, "tessera-error-code"), "not_found");

  ::grpc::ClientContext watch_context;
  SetDeadline(&watch_context);
  v1::WatchJobRequest watch;
  watch.set_id("no-such-job");
  auto reader = stub_->WatchJob(&watch_context, watch);
  v1::Job ignored;
  EXPECT_FALSE(reader->Read(&ignored));
  EXPECT_EQ(reader->Finish().error_code(), ::grpc::StatusCode::NOT_FOUND);

  ::grpc::ClientContext result_context;
  SetDeadline(&result_context);
  v1::GetJobResultRequest result;
  result.set_id("no-such-job");
  auto result_reader = stub_->GetJobResult(&result_context, result);
  v1::ProcessStreamResponse chunk;
  EXPECT_FALSE(result_reader->Read(&chunk));
  EXPECT_EQ(result_reader->Finish().error_code(), ::grpc::StatusCode::NOT_FOUND);
}

// A request that takes long enough to hold the only slot while the test sends others.
constexpr char kSlowPipeline[] = "blur:sigma=60;format:type=png";

std::vector<uint8_t> SlowImage() { return EncodeWithOpenCv(MakeTestPattern(2400, 1800), ".jpg"); }

// The slow request is over the default synchronous work budget and may pass the default
// deadline on a loaded machine: lift both, so that it holds its slot for as long as it runs.
void AllowSlowRequests(GrpcTestServerOptions& options) {
  options.sync.max_pipeline_work = 1e9;
  options.sync.deadline = milliseconds(0);
}

TEST_F(GrpcServiceTest, NoFreeSlotIsResourceExhaustedQueueFull) {
  GrpcTestServerOptions options;
  options.sync.slots = 1;
  options.sync.slot_wait = milliseconds(1);
  AllowSlowRequests(options);
  Start(options);
  const auto slow = SlowImage();
  auto busy = std::async(std::launch::async,
                         [&] { return server_->sync().Process(slow, kSlowPipeline).has_value(); });
  ASSERT_TRUE(WaitFor([&] { return server_->sync().in_flight() == 1; }, milliseconds(5000)));

  ::grpc::ClientContext context;
  SetDeadline(&context);
  v1::ProcessRequest request;
  request.set_image(AsString(Png(8, 8)));
  request.set_pipeline("invert");
  v1::ProcessResponse response;
  auto status = stub_->Process(&context, request, &response);
  const bool still_busy = server_->sync().in_flight() == 1;
  EXPECT_EQ(status.error_code(), ::grpc::StatusCode::RESOURCE_EXHAUSTED) << status.error_message();
  EXPECT_EQ(Trailer(context, "tessera-error-code"), "queue_full");
  EXPECT_TRUE(still_busy) << "the slow request ended too soon for this test to mean anything";
  EXPECT_TRUE(busy.get());
}

TEST_F(GrpcServiceTest, ADeadlineEndsTheWaitForASlotAtTheDeadline) {
  GrpcTestServerOptions options;
  options.sync.slots = 1;
  options.sync.slot_wait = milliseconds(30'000);  // far longer than the call's deadline
  AllowSlowRequests(options);
  Start(options);
  const auto slow = SlowImage();
  auto busy = std::async(std::launch::async,
                         [&] { return server_->sync().Process(slow, kSlowPipeline).has_value(); });
  ASSERT_TRUE(WaitFor([&] { return server_->sync().in_flight() == 1; }, milliseconds(5000)));

  StderrCapture log;
  ::grpc::ClientContext context;
  SetDeadline(&context, milliseconds(200));
  v1::ProcessRequest request;
  request.set_image(AsString(Png(8, 8)));
  request.set_pipeline("invert");
  v1::ProcessResponse response;
  auto status = stub_->Process(&context, request, &response);
  EXPECT_EQ(status.error_code(), ::grpc::StatusCode::DEADLINE_EXCEEDED);
  // The server gave up too (its access log says so) while the slot was still taken: it did
  // not wait for the slot past the deadline.
  const std::string line = R"("method":"Process","status":"4","error":"deadline_exceeded")";
  EXPECT_TRUE(
      WaitFor([&] { return log.Read().find(line) != std::string::npos; }, milliseconds(2000)))
      << log.Read();
  EXPECT_EQ(server_->sync().in_flight(), 1)
      << "the slow request ended too soon for this test to mean anything";
  EXPECT_TRUE(busy.get());
}

// Issue 18: a call its client cancels stops the engine at its next step, region or band of
// rows and frees the slot at once (the work would otherwise run for minutes).
TEST_F(GrpcServiceTest, CancellingAProcessCallStopsTheEngineAndFreesItsSlot) {
  GrpcTestServerOptions options;
  options.sync.slots = 1;
  options.sync.slot_wait = milliseconds(1);
  AllowSlowRequests(options);
  Start(options);
  std::string minutes_of_work;
  for (int i = 0; i < 20; ++i) minutes_of_work += "blur:sigma=60;";
  minutes_of_work += "format:type=png";

  ::grpc::ClientContext context;
  v1::ProcessRequest request;
  request.set_image(AsString(SlowImage()));
  request.set_pipeline(minutes_of_work);
  v1::ProcessResponse response;
  auto call =
      std::async(std::launch::async, [&] { return stub_->Process(&context, request, &response); });
  ASSERT_TRUE(WaitFor([&] { return server_->sync().in_flight() == 1; }, milliseconds(10'000)));
  std::this_thread::sleep_for(milliseconds(300));  // well inside the engine's run

  context.TryCancel();
  const auto cancelled_at = std::chrono::steady_clock::now();
  EXPECT_TRUE(WaitFor([&] { return server_->sync().in_flight() == 0; }, milliseconds(5000)))
      << "the engine went on after the call was cancelled";
  const auto freed_after = std::chrono::steady_clock::now() - cancelled_at;
  EXPECT_EQ(call.get().error_code(), ::grpc::StatusCode::CANCELLED);
  EXPECT_LT(freed_after, seconds(5));

  // The slot takes the next call at once.
  ::grpc::ClientContext next_context;
  SetDeadline(&next_context);
  v1::ProcessRequest next;
  next.set_image(AsString(Png(8, 8)));
  next.set_pipeline("invert");
  v1::ProcessResponse next_response;
  auto status = stub_->Process(&next_context, next, &next_response);
  EXPECT_TRUE(status.ok()) << status.error_message();
}

TEST_F(GrpcServiceTest, ApiKeysAreRequiredWhenConfiguredButHealthStaysOpen) {
  GrpcTestServerOptions options;
  options.grpc.api_keys = {"first-key", "second-key"};
  Start(options);
  auto call = [&](const std::string& authorization) {
    ::grpc::ClientContext context;
    SetDeadline(&context);
    if (!authorization.empty()) context.AddMetadata("authorization", authorization);
    v1::ListJobsRequest request;
    v1::ListJobsResponse response;
    auto status = stub_->ListJobs(&context, request, &response);
    if (!status.ok()) {
      EXPECT_EQ(Trailer(context, "tessera-error-code"), "unauthorized");
    }
    return status.error_code();
  };
  EXPECT_EQ(call(""), ::grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(call("Bearer wrong-key"), ::grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(call("Bearer first-ke"), ::grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(call("second-key"), ::grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(call("Bearer first-key"), ::grpc::StatusCode::OK);
  EXPECT_EQ(call("Bearer second-key"), ::grpc::StatusCode::OK);

  auto health = ::grpc::health::v1::Health::NewStub(channel_);
  ::grpc::ClientContext context;
  SetDeadline(&context);
  ::grpc::health::v1::HealthCheckRequest request;
  ::grpc::health::v1::HealthCheckResponse response;
  EXPECT_TRUE(health->Check(&context, request, &response).ok());
  EXPECT_EQ(response.status(), ::grpc::health::v1::HealthCheckResponse::SERVING);
}

TEST_F(GrpcServiceTest, HealthCheckAndWatchFollowTheServerLifecycle) {
  Start();
  auto health = ::grpc::health::v1::Health::NewStub(channel_);
  for (std::string service : {"", "tessera.v1.ImageService"}) {
    ::grpc::ClientContext context;
    SetDeadline(&context);
    ::grpc::health::v1::HealthCheckRequest request;
    request.set_service(service);
    ::grpc::health::v1::HealthCheckResponse response;
    ASSERT_TRUE(health->Check(&context, request, &response).ok()) << service;
    EXPECT_EQ(response.status(), ::grpc::health::v1::HealthCheckResponse::SERVING);
  }
  {
    ::grpc::ClientContext context;
    SetDeadline(&context);
    ::grpc::health::v1::HealthCheckRequest request;
    request.set_service("no.such.Service");
    ::grpc::health::v1::HealthCheckResponse response;
    EXPECT_EQ(health->Check(&context, request, &response).error_code(),
              ::grpc::StatusCode::NOT_FOUND);
  }

  ::grpc::ClientContext watch_context;
  SetDeadline(&watch_context);
  ::grpc::health::v1::HealthCheckRequest request;
  auto reader = health->Watch(&watch_context, request);
  ::grpc::health::v1::HealthCheckResponse update;
  ASSERT_TRUE(reader->Read(&update));
  EXPECT_EQ(update.status(), ::grpc::health::v1::HealthCheckResponse::SERVING);
  // Shutting down turns the watched status to NOT_SERVING before the stream ends.
  auto stopping =
      std::async(std::launch::async, [&] { server_->server().Shutdown(milliseconds(2000)); });
  ASSERT_TRUE(reader->Read(&update));
  EXPECT_EQ(update.status(), ::grpc::health::v1::HealthCheckResponse::NOT_SERVING);
  watch_context.TryCancel();
  stopping.get();
}

TEST_F(GrpcServiceTest, ShutdownEndsJobWatchesPromptly) {
  GrpcTestServerOptions options;
  options.start_worker = false;
  Start(options);
  const std::string id = Submit(Png(8, 8), "invert");
  ::grpc::ClientContext context;
  SetDeadline(&context);
  v1::WatchJobRequest watch;
  watch.set_id(id);
  auto reader = stub_->WatchJob(&context, watch);
  v1::Job job;
  ASSERT_TRUE(reader->Read(&job));
  const auto before = std::chrono::steady_clock::now();
  server_->server().Shutdown(milliseconds(5000));
  EXPECT_LT(std::chrono::steady_clock::now() - before, milliseconds(2000));
  while (reader->Read(&job)) {
  }
  EXPECT_EQ(reader->Finish().error_code(), ::grpc::StatusCode::UNAVAILABLE);
}

TEST_F(GrpcServiceTest, AWatchEndsOnTheServerWhenItsClientCancels) {
  GrpcTestServerOptions options;
  options.start_worker = false;
  options.grpc.watch_poll = milliseconds(20);
  Start(options);
  const std::string id = Submit(Png(8, 8), "invert");
  StderrCapture log;
  ::grpc::ClientContext context;
  SetDeadline(&context);
  v1::WatchJobRequest watch;
  watch.set_id(id);
  auto reader = stub_->WatchJob(&context, watch);
  v1::Job job;
  ASSERT_TRUE(reader->Read(&job));
  context.TryCancel();
  EXPECT_EQ(reader->Finish().error_code(), ::grpc::StatusCode::CANCELLED);
  // The server's loop notices within a poll interval and ends the call (status 1, CANCELLED).
  const std::string line = R"("method":"WatchJob","status":"1","error":"cancelled")";
  EXPECT_TRUE(
      WaitFor([&] { return log.Read().find(line) != std::string::npos; }, milliseconds(2000)))
      << log.Read();
}

// One reflection request and its answer over ServerReflectionInfo, `version` "v1alpha" or
// "v1", with messages built from the descriptors in this process's generated pool (both
// versions are there: v1alpha from libgrpc++_reflection, v1 from the server's own).
// `set_request` fills the request.
std::unique_ptr<google::protobuf::Message> AskReflection(
    const std::shared_ptr<::grpc::Channel>& channel, const std::string& version,
    const std::function<void(google::protobuf::Message&)>& set_request) {
  namespace pb = google::protobuf;
  static pb::DynamicMessageFactory factory(pb::DescriptorPool::generated_pool());
  const pb::DescriptorPool* pool = pb::DescriptorPool::generated_pool();
  const std::string package = "grpc.reflection." + version + ".";
  const pb::Descriptor* request_type =
      pool->FindMessageTypeByName(package + "ServerReflectionRequest");
  const pb::Descriptor* response_type =
      pool->FindMessageTypeByName(package + "ServerReflectionResponse");
  EXPECT_NE(request_type, nullptr) << version;
  EXPECT_NE(response_type, nullptr) << version;
  if (request_type == nullptr || response_type == nullptr) return nullptr;
  std::unique_ptr<pb::Message> request(factory.GetPrototype(request_type)->New());
  set_request(*request);
  const std::string request_bytes = request->SerializeAsString();

  ::grpc::GenericStub stub(channel);
  ::grpc::ClientContext context;
  SetDeadline(&context);
  ::grpc::CompletionQueue cq;
  auto next = [&cq]() {
    void* tag = nullptr;
    bool ok = false;
    EXPECT_TRUE(cq.Next(&tag, &ok));
    return ok;
  };
  auto call = stub.PrepareCall(
      &context, "/grpc.reflection." + version + ".ServerReflection/ServerReflectionInfo", &cq);
  call->StartCall(nullptr);
  EXPECT_TRUE(next());
  ::grpc::Slice slice(request_bytes);
  ::grpc::ByteBuffer out(&slice, 1);
  call->Write(out, nullptr);
  EXPECT_TRUE(next());
  call->WritesDone(nullptr);
  EXPECT_TRUE(next());
  std::unique_ptr<pb::Message> response;
  ::grpc::ByteBuffer in;
  call->Read(&in, nullptr);
  while (next()) {
    std::vector<::grpc::Slice> slices;
    EXPECT_TRUE(in.Dump(&slices).ok());
    std::string bytes;
    for (const auto& s : slices) bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
    EXPECT_EQ(response, nullptr) << "one answer per request";
    response.reset(factory.GetPrototype(response_type)->New());
    EXPECT_TRUE(response->ParseFromString(bytes));
    call->Read(&in, nullptr);
  }
  ::grpc::Status status;
  call->Finish(&status, nullptr);
  next();
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_NE(response, nullptr) << version;
  return response;
}

void SetStringField(google::protobuf::Message& m, const std::string& field,
                    const std::string& value) {
  m.GetReflection()->SetString(&m, m.GetDescriptor()->FindFieldByName(field), value);
}

const google::protobuf::Message& SubMessage(const google::protobuf::Message& m,
                                            const std::string& field) {
  return m.GetReflection()->GetMessage(m, m.GetDescriptor()->FindFieldByName(field));
}

std::vector<std::string> ListServicesByReflection(const std::shared_ptr<::grpc::Channel>& channel,
                                                  const std::string& version) {
  auto response = AskReflection(channel, version, [](google::protobuf::Message& request) {
    SetStringField(request, "list_services", "*");
  });
  if (!response) return {};
  const auto& list = SubMessage(*response, "list_services_response");
  const auto* service_field = list.GetDescriptor()->FindFieldByName("service");
  std::vector<std::string> names;
  for (int i = 0; i < list.GetReflection()->FieldSize(list, service_field); ++i) {
    const auto& service = list.GetReflection()->GetRepeatedMessage(list, service_field, i);
    names.push_back(service.GetReflection()->GetString(
        service, service.GetDescriptor()->FindFieldByName("name")));
  }
  std::sort(names.begin(), names.end());
  return names;
}

// The names of the files a file_containing_symbol answer carries (the file, then its imports).
std::vector<std::string> FilesForSymbol(const std::shared_ptr<::grpc::Channel>& channel,
                                        const std::string& version, const std::string& symbol,
                                        int* error_code) {
  auto response = AskReflection(channel, version, [&](google::protobuf::Message& request) {
    SetStringField(request, "file_containing_symbol", symbol);
  });
  std::vector<std::string> names;
  *error_code = 0;
  if (!response) return names;
  const auto& error = SubMessage(*response, "error_response");
  *error_code =
      error.GetReflection()->GetInt32(error, error.GetDescriptor()->FindFieldByName("error_code"));
  const auto& files = SubMessage(*response, "file_descriptor_response");
  const auto* bytes_field = files.GetDescriptor()->FindFieldByName("file_descriptor_proto");
  for (int i = 0; i < files.GetReflection()->FieldSize(files, bytes_field); ++i) {
    google::protobuf::FileDescriptorProto file;
    EXPECT_TRUE(
        file.ParseFromString(files.GetReflection()->GetRepeatedString(files, bytes_field, i)));
    names.push_back(file.name());
  }
  return names;
}

TEST_F(GrpcServiceTest, ReflectionV1AndV1AlphaListTheServicesAndDescribeThem) {
  Start();
  for (const std::string version : {"v1alpha", "v1"}) {
    SCOPED_TRACE(version);
    auto names = ListServicesByReflection(channel_, version);
    for (const char* expected :
         {"tessera.v1.ImageService", "grpc.health.v1.Health",
          "grpc.reflection.v1alpha.ServerReflection", "grpc.reflection.v1.ServerReflection"}) {
      EXPECT_NE(std::find(names.begin(), names.end(), expected), names.end()) << expected;
    }
    int error_code = -1;
    auto files = FilesForSymbol(channel_, version, "tessera.v1.ImageService", &error_code);
    EXPECT_EQ(error_code, 0);
    ASSERT_FALSE(files.empty());
    EXPECT_EQ(files.front(), "tessera/v1/image_service.proto");
    files = FilesForSymbol(channel_, version, "no.such.Service", &error_code);
    EXPECT_TRUE(files.empty());
    EXPECT_EQ(error_code, static_cast<int>(::grpc::StatusCode::NOT_FOUND));
  }
  // v1 names the same services as v1alpha (both read the server's registrations).
  EXPECT_EQ(ListServicesByReflection(channel_, "v1"),
            ListServicesByReflection(channel_, "v1alpha"));
}

}  // namespace
}  // namespace tessera::testing
