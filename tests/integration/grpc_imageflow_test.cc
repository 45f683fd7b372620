// The ImageFlowCanvas gRPC services (proto/imageflow/v1) of a real `tessera serve --compat
// imageflow --grpc-port 0` process, driven over loopback by a C++ gRPC client with the seed's
// request shapes: ResizeImage from the store and from ImageBytes, ApplyFilter for every filter
// type, outputs named after execution_id, every output byte-identical to what the HTTP gateway
// made of the same request and to engine::Process of the documented pipeline; DetectObjects on
// a real photograph (the labelled face found, the boxes drawn, the output and metadata objects
// the ImageFlowCanvas chain reads); the three Health rpcs and grpc.health.v1; the stream
// rpcs; API keys; RESOURCE_EXHAUSTED from a busy server. Plus Debian's python3-grpcio calling
// ResizeImage and Health (tests/python/imageflow_grpc_check.py).
#include <grpcpp/create_channel.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <iostream>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "api/compat/imageflow/imageflow_service.h"
#include "api/http/client.h"
#include "core/file_io.h"
#include "engine/engine.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "imageflow/v1/ai_detection.grpc.pb.h"
#include "imageflow/v1/filter.grpc.pb.h"
#include "imageflow/v1/resize.grpc.pb.h"
#include "support/detect_testing.h"
#include "support/image_testing.h"
#include "support/serve_process.h"
#include "support/subprocess.h"
#include "support/temp_dir.h"

namespace tessera::testing {
namespace {

namespace pb = ::imageflow::v1;
namespace ifc = api::compat::imageflow;
using nlohmann::json;
using std::chrono::milliseconds;

std::vector<uint8_t> Jpeg(int w, int h) {
  return EncodeWithOpenCv(MakeTestPattern(w, h, 3), ".jpg");
}

std::string AsString(std::span<const uint8_t> b) { return {b.begin(), b.end()}; }
std::vector<uint8_t> AsBytes(const std::string& s) { return {s.begin(), s.end()}; }

// The port of the "grpc_listening" log line (written before "http_listening").
int GrpcPort(const std::string& log) {
  std::smatch m;
  std::regex line("\"event\":\"grpc_listening\"[^\\n]*\"port\":\"([0-9]+)\"");
  return std::regex_search(log, m, line) ? std::stoi(m[1]) : 0;
}

void SetDeadline(::grpc::ClientContext* context, milliseconds timeout = milliseconds(30'000)) {
  context->set_deadline(std::chrono::system_clock::now() + timeout);
}

std::string Trailer(const ::grpc::ClientContext& context, const std::string& key) {
  const auto& md = context.GetServerTrailingMetadata();
  auto it = md.find(key);
  return it == md.end() ? "" : std::string(it->second.data(), it->second.size());
}

json PostJson(api::http::HttpClient& c, const std::string& target, const json& j) {
  std::string s = j.dump();
  std::vector<uint8_t> bytes(s.begin(), s.end());
  auto r = c.Send({.method = "POST",
                   .target = target,
                   .headers = {{"Content-Type", "application/json"}},
                   .body = bytes});
  EXPECT_TRUE(r.has_value()) << r.error().ToString();
  if (!r) return {};
  EXPECT_EQ(r->status, 200u) << r->text();
  return json::parse(r->text(), nullptr, false);
}

pb::ImageData StoreImage(const std::string& bucket, const std::string& key) {
  pb::ImageData d;
  d.set_bucket(bucket);
  d.set_object_key(key);
  return d;
}

class GrpcImageFlowTest : public ::testing::Test {
 protected:
  void SetUp() override {
    input_ = Jpeg(640, 480);
    std::filesystem::create_directories(Blobs() / "imageflow" / "in");
    ASSERT_TRUE(WriteFileAtomically(Blobs() / "imageflow" / "in" / "cat.jpg", input_));
  }

  void Serve(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"--compat", "imageflow", "--workers", "0", "--grpc-port", "0"};
    args.insert(args.end(), extra.begin(), extra.end());
    serve_ = ServeProcess::Start(dir_.path(), args);
    ASSERT_TRUE(serve_);
    grpc_port_ = GrpcPort(serve_->process().Stderr());
    ASSERT_NE(grpc_port_, 0) << serve_->process().Stderr();
    const std::string listening = LogLines(serve_->process().Stderr(), "grpc_listening").at(0);
    EXPECT_NE(listening.find("\"imageflow\":\"on\""), std::string::npos) << listening;
    ::grpc::ChannelArguments channel_args;
    channel_args.SetMaxReceiveMessageSize(64 << 20);
    channel_ =
        ::grpc::CreateCustomChannel(Target(), ::grpc::InsecureChannelCredentials(), channel_args);
    resize_ = pb::ResizeService::NewStub(channel_);
    filter_ = pb::FilterService::NewStub(channel_);
    detect_ = pb::AIDetectionService::NewStub(channel_);
    http_ = serve_->Client();
  }

  std::string Target() const { return "127.0.0.1:" + std::to_string(grpc_port_); }
  std::filesystem::path Blobs() const { return dir_.path() / "data" / "blobs"; }
  std::vector<uint8_t> Stored(const std::string& name) const {
    auto b = ReadFile(Blobs() / "imageflow" / name);
    EXPECT_TRUE(b.has_value()) << name;
    return b ? *b : std::vector<uint8_t>{};
  }

  pb::ResizeResponse Resize(const pb::ResizeRequest& request) {
    ::grpc::ClientContext context;
    SetDeadline(&context);
    pb::ResizeResponse response;
    auto status = resize_->ResizeImage(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();
    return response;
  }
  pb::FilterResponse Filter(const pb::FilterRequest& request) {
    ::grpc::ClientContext context;
    SetDeadline(&context);
    pb::FilterResponse response;
    auto status = filter_->ApplyFilter(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();
    return response;
  }

  TempDir dir_;
  std::vector<uint8_t> input_;
  std::unique_ptr<ServeProcess> serve_;
  int grpc_port_ = 0;
  std::shared_ptr<::grpc::Channel> channel_;
  std::unique_ptr<pb::ResizeService::Stub> resize_;
  std::unique_ptr<pb::FilterService::Stub> filter_;
  std::unique_ptr<pb::AIDetectionService::Stub> detect_;
  std::unique_ptr<api::http::HttpClient> http_;
};

TEST_F(GrpcImageFlowTest, ResizeFromTheStoreWritesResizedJpgAsTheGatewayDoes) {
  Serve();
  pb::ResizeRequest request;
  *request.mutable_input_image() = StoreImage("imageflow", "in/cat.jpg");
  request.set_target_width(320);
  request.set_target_height(320);
  request.set_maintain_aspect_ratio(true);
  request.set_quality(pb::RESIZE_QUALITY_BEST);
  request.set_execution_id("grpc-1");
  auto response = Resize(request);

  const auto& result = response.result();
  EXPECT_EQ(result.status(), pb::PROCESSING_STATUS_COMPLETED) << result.message();
  EXPECT_EQ(result.message(), "Image resize completed successfully");
  EXPECT_EQ(result.output_image().bucket(), "imageflow");
  EXPECT_EQ(result.output_image().object_key(), "grpc-1_resized.jpg");
  EXPECT_EQ(result.output_image().content_type(), "image/jpeg");
  EXPECT_EQ(result.output_image().width(), 320);
  EXPECT_EQ(result.output_image().height(), 240);
  EXPECT_TRUE(result.output_image().has_created_at());
  EXPECT_TRUE(result.has_processed_at());
  EXPECT_GT(result.processing_time_seconds(), 0);
  EXPECT_TRUE(result.output_data().empty());
  EXPECT_EQ(response.metadata().original_width(), 640);
  EXPECT_EQ(response.metadata().original_height(), 480);
  EXPECT_EQ(response.metadata().output_width(), 320);
  EXPECT_EQ(response.metadata().output_height(), 240);
  EXPECT_DOUBLE_EQ(response.metadata().scale_factor_x(), 0.5);
  EXPECT_EQ(response.metadata().quality_used(), pb::RESIZE_QUALITY_BEST);

  ifc::ResizeRequest documented;
  documented.target_width = documented.target_height = 320;
  documented.maintain_aspect_ratio = true;
  documented.quality = ifc::ResizeQuality::kBest;
  auto header = engine::Probe(input_);
  ASSERT_TRUE(header.has_value());
  auto pipeline = ifc::ResizePipeline(documented, &*header);
  ASSERT_TRUE(pipeline.has_value());
  EXPECT_EQ(result.metadata().at("pipeline"), *pipeline);
  const auto stored = Stored("grpc-1_resized.jpg");
  EXPECT_EQ(stored, EngineOutput(input_, *pipeline));
  EXPECT_EQ(result.output_image().size_bytes(), static_cast<int64_t>(stored.size()));

  // The HTTP gateway, same request: same bytes, same metadata.
  json j = PostJson(*http_, "/v1/resize",
                    {{"input_image", {{"bucket", "imageflow"}, {"object_key", "in/cat.jpg"}}},
                     {"target_width", 320},
                     {"target_height", 320},
                     {"maintain_aspect_ratio", true},
                     {"quality", "RESIZE_QUALITY_BEST"},
                     {"execution_id", "http-1"}});
  EXPECT_EQ(j["result"]["status"], "PROCESSING_STATUS_COMPLETED") << j.dump();
  EXPECT_EQ(Stored("http-1_resized.jpg"), stored);
  EXPECT_EQ(j["result"]["message"], result.message());
  EXPECT_EQ(j["metadata"]["output_width"], response.metadata().output_width());
  EXPECT_EQ(j["metadata"]["output_height"], response.metadata().output_height());
  EXPECT_EQ(j["result"]["metadata"]["pipeline"], result.metadata().at("pipeline"));
}

TEST_F(GrpcImageFlowTest, ResizeFromImageBytesAnswersOutputDataAndWritesNothing) {
  Serve();
  pb::ResizeRequest request;
  request.mutable_input_bytes()->set_data(AsString(input_));
  request.mutable_input_bytes()->set_format("jpeg");
  request.set_target_width(200);
  request.set_target_height(100);
  request.set_maintain_aspect_ratio(false);
  request.set_quality(pb::RESIZE_QUALITY_FAST);
  request.set_execution_id("bytes-1");
  auto response = Resize(request);
  EXPECT_EQ(response.result().status(), pb::PROCESSING_STATUS_COMPLETED)
      << response.result().message();
  EXPECT_FALSE(response.result().has_output_image());

  ifc::ResizeRequest documented;
  documented.target_width = 200;
  documented.target_height = 100;
  documented.quality = ifc::ResizeQuality::kFast;
  auto pipeline = ifc::ResizePipeline(documented);
  ASSERT_TRUE(pipeline.has_value());
  EXPECT_EQ(AsBytes(response.result().output_data()), EngineOutput(input_, *pipeline));
  EXPECT_EQ(response.metadata().output_width(), 200);
  EXPECT_EQ(response.metadata().output_height(), 100);
  EXPECT_FALSE(std::filesystem::exists(Blobs() / "imageflow" / "bytes-1_resized.jpg"));
}

TEST_F(GrpcImageFlowTest, ApplyFilterEveryTypeWritesFinalJpgAsTheGatewayDoes) {
  Serve();
  const std::pair<pb::FilterType, ifc::FilterType> types[] = {
      {pb::FILTER_TYPE_BLUR, ifc::FilterType::kBlur},
      {pb::FILTER_TYPE_SHARPEN, ifc::FilterType::kSharpen},
      {pb::FILTER_TYPE_BRIGHTNESS, ifc::FilterType::kBrightness},
      {pb::FILTER_TYPE_CONTRAST, ifc::FilterType::kContrast},
      {pb::FILTER_TYPE_SATURATION, ifc::FilterType::kSaturation},
      {pb::FILTER_TYPE_GAUSSIAN, ifc::FilterType::kGaussian}};
  for (const auto& [type, struct_type] : types) {
    const std::string name(ifc::FilterTypeName(struct_type));
    SCOPED_TRACE(name);
    pb::FilterRequest request;
    *request.mutable_input_image() = StoreImage("imageflow", "in/cat.jpg");
    request.set_filter_type(type);
    request.set_intensity(0.8f);
    (*request.mutable_parameters())["kernel"] = "auto";
    request.set_execution_id("grpc-" + name);
    auto response = Filter(request);
    const auto& result = response.result();
    EXPECT_EQ(result.status(), pb::PROCESSING_STATUS_COMPLETED) << result.message();
    EXPECT_EQ(result.message(), "Filter " + name + " applied successfully");
    EXPECT_EQ(result.output_image().object_key(), "grpc-" + name + "_final.jpg");
    EXPECT_EQ(response.metadata().filter_type(), type);
    EXPECT_FLOAT_EQ(response.metadata().intensity(), 0.8f);
    EXPECT_EQ(response.metadata().applied_parameters().at("kernel"), "auto");

    ifc::FilterRequest documented;
    documented.filter_type = struct_type;
    documented.intensity = 0.8f;
    const std::string pipeline = ifc::FilterPipeline(documented);
    EXPECT_EQ(result.metadata().at("pipeline"), pipeline);
    const auto stored = Stored("grpc-" + name + "_final.jpg");
    EXPECT_EQ(stored, EngineOutput(input_, pipeline));

    json j = PostJson(*http_, "/v1/filter",
                      {{"input_image", {{"bucket", "imageflow"}, {"object_key", "in/cat.jpg"}}},
                       {"filter_type", name},
                       {"intensity", 0.8},
                       {"parameters", {{"kernel", "auto"}}},
                       {"execution_id", "http-" + name}});
    EXPECT_EQ(j["result"]["status"], "PROCESSING_STATUS_COMPLETED") << j.dump();
    EXPECT_EQ(Stored("http-" + name + "_final.jpg"), stored);
  }
}

TEST_F(GrpcImageFlowTest, ProcessingFailuresAreFailedResultsAndBadEnumsInvalidArgument) {
  Serve();
  pb::ResizeRequest missing;
  *missing.mutable_input_image() = StoreImage("imageflow", "missing.jpg");
  missing.set_target_width(10);
  missing.set_target_height(10);
  missing.set_execution_id("m");
  auto response = Resize(missing);
  EXPECT_EQ(response.result().status(), pb::PROCESSING_STATUS_FAILED);
  EXPECT_EQ(response.result().message(),
            "Resize failed: object missing.jpg does not exist in bucket imageflow");
  EXPECT_EQ(response.result().metadata().at("error_code"), "not_found");
  EXPECT_TRUE(response.result().has_processed_at());
  json j = PostJson(*http_, "/v1/resize",
                    {{"input_image", {{"bucket", "imageflow"}, {"object_key", "missing.jpg"}}},
                     {"target_width", 10},
                     {"target_height", 10},
                     {"execution_id", "m"}});
  EXPECT_EQ(j["result"]["message"], response.result().message());

  // proto3 defaults: no target size is a FAILED result, not an error of the call.
  pb::ResizeRequest zero;
  *zero.mutable_input_image() = StoreImage("imageflow", "in/cat.jpg");
  zero.set_execution_id("z");
  response = Resize(zero);
  EXPECT_EQ(response.result().status(), pb::PROCESSING_STATUS_FAILED);
  EXPECT_EQ(response.result().message(), "Resize failed: target_width must be positive, not 0");

  pb::FilterRequest traversal;
  *traversal.mutable_input_image() = StoreImage("imageflow", "../../tessera.db");
  traversal.set_filter_type(pb::FILTER_TYPE_BLUR);
  traversal.set_execution_id("t");
  auto filtered = Filter(traversal);
  EXPECT_EQ(filtered.result().status(), pb::PROCESSING_STATUS_FAILED);
  EXPECT_EQ(filtered.result().message().rfind("Filter application failed: ", 0), 0u);

  pb::FilterRequest bad_enum;
  *bad_enum.mutable_input_image() = StoreImage("imageflow", "in/cat.jpg");
  bad_enum.set_filter_type(static_cast<pb::FilterType>(42));
  bad_enum.set_execution_id("e");
  ::grpc::ClientContext context;
  SetDeadline(&context);
  pb::FilterResponse ignored;
  auto status = filter_->ApplyFilter(&context, bad_enum, &ignored);
  EXPECT_EQ(status.error_code(), ::grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Trailer(context, "tessera-error-field"), "filter_type");
  EXPECT_FALSE(std::filesystem::exists(Blobs() / "imageflow" / "e_final.jpg"));

  pb::ResizeRequest bad_quality;
  *bad_quality.mutable_input_image() = StoreImage("imageflow", "in/cat.jpg");
  bad_quality.set_target_width(10);
  bad_quality.set_target_height(10);
  bad_quality.set_quality(static_cast<pb::ResizeQuality>(9));
  bad_quality.set_execution_id("q");
  ::grpc::ClientContext quality_context;
  SetDeadline(&quality_context);
  pb::ResizeResponse no_answer;
  status = resize_->ResizeImage(&quality_context, bad_quality, &no_answer);
  EXPECT_EQ(status.error_code(), ::grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Trailer(quality_context, "tessera-error-field"), "quality");
  EXPECT_EQ(Trailer(quality_context, "tessera-error-code"), "bad_request");
}

TEST_F(GrpcImageFlowTest, DetectObjectsFindsTheLabelledFace) {
  const auto messi = ReadFileBytes(OpenCvSample("messi5.jpg"));
  ASSERT_TRUE(WriteFileAtomically(Blobs() / "imageflow" / "in" / "messi.jpg", messi));
  Serve();
  pb::DetectionRequest request;
  *request.mutable_input_image() = StoreImage("imageflow", "in/messi.jpg");
  request.set_model_name("face");
  request.set_confidence_threshold(0.5f);
  request.set_nms_threshold(0.4f);
  request.set_draw_boxes(true);
  request.set_execution_id("d");
  ::grpc::ClientContext context;
  SetDeadline(&context);
  pb::DetectionResponse response;
  auto status = detect_->DetectObjects(&context, request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(response.result().status(), pb::PROCESSING_STATUS_COMPLETED)
      << response.result().message();
  EXPECT_EQ(response.result().message(), "Object detection completed. Found 1 objects.");
  ASSERT_EQ(response.detections_size(), 1);
  const auto& d = response.detections(0);
  EXPECT_EQ(d.class_name(), "face");
  EXPECT_EQ(d.class_id(), 0);
  EXPECT_GE(d.confidence(), 0.5f);
  const Box labelled{226, 92, 38, 40};  // Messi's face, by hand
  EXPECT_GE(IoU({d.bbox().x1(), d.bbox().y1(), d.bbox().x2() - d.bbox().x1(),
                 d.bbox().y2() - d.bbox().y1()},
                labelled),
            0.5);
  EXPECT_EQ(response.metadata().model_name(), "face");
  EXPECT_EQ(response.metadata().model_version(), "haarcascade_frontalface_default.xml");
  EXPECT_EQ(response.metadata().total_detections(), 1);
  EXPECT_GT(response.metadata().inference_time_ms(), 0);
  EXPECT_FLOAT_EQ(response.metadata().confidence_threshold(), 0.5f);
  // The output the chain's next step reads: the boxes drawn, as engine::Process draws them.
  EXPECT_EQ(response.result().output_image().object_key(), "d_detected.jpg");
  EXPECT_EQ(Stored("d_detected.jpg"), EngineOutput(messi, ifc::DetectPipeline([] {
                                                            ifc::DetectionRequest r;
                                                            r.model_name = "face";
                                                            r.confidence_threshold = 0.5f;
                                                            r.nms_threshold = 0.4f;
                                                            r.draw_boxes = true;
                                                            return r;
                                                          }())
                                                              .value()));
  const auto meta_bytes = Stored("d_detected_metadata.json");
  json meta = json::parse(std::string(meta_bytes.begin(), meta_bytes.end()), nullptr, false);
  EXPECT_EQ(meta["total_detections"], 1);
  EXPECT_EQ(meta["detections"][0]["class_name"], "face");
  EXPECT_FLOAT_EQ(meta["detections"][0]["bbox"]["x1"].get<float>(), d.bbox().x1());

  // The gateway answers the same request with the same boxes and output.
  json j = PostJson(*http_, "/v1/detect",
                    {{"input_image", {{"bucket", "imageflow"}, {"object_key", "in/messi.jpg"}}},
                     {"model_name", "face"},
                     {"execution_id", "h"}});
  EXPECT_EQ(j["result"]["status"], "PROCESSING_STATUS_COMPLETED");
  ASSERT_EQ(j["detections"].size(), 1u) << j.dump();
  EXPECT_FLOAT_EQ(j["detections"][0]["bbox"]["y2"].get<float>(), d.bbox().y2());
  EXPECT_EQ(Stored("h_detected.jpg"), Stored("d_detected.jpg"));
}

TEST_F(GrpcImageFlowTest, DetectObjectsModelNamesAndFailures) {
  Serve();
  auto detect = [&](const std::string& model, const std::string& key) {
    pb::DetectionRequest request;
    *request.mutable_input_image() = StoreImage("imageflow", key);
    request.set_model_name(model);
    request.set_execution_id("m");
    ::grpc::ClientContext context;
    SetDeadline(&context);
    pb::DetectionResponse response;
    auto status = detect_->DetectObjects(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  };
  // The original's YOLO names run the people detector when no "yolo" model is configured.
  for (const char* yolo : {"yolo", "yolo11", "yolov8n"}) {
    auto r = detect(yolo, "in/cat.jpg");
    EXPECT_EQ(r.result().status(), pb::PROCESSING_STATUS_COMPLETED) << yolo;
    EXPECT_EQ(r.result().metadata().at("model"), "people") << yolo;
    EXPECT_EQ(r.metadata().model_version(), "opencv-hog-default-people");
    EXPECT_EQ(r.metadata().model_name(), yolo);
  }
  auto unknown = detect("resnet", "in/cat.jpg");
  EXPECT_EQ(unknown.result().status(), pb::PROCESSING_STATUS_FAILED);
  EXPECT_NE(unknown.result().message().find("unknown model_name 'resnet'"), std::string::npos)
      << unknown.result().message();
  EXPECT_EQ(unknown.result().metadata().at("error_code"), "bad_request");
  auto missing = detect("face", "in/none.jpg");
  EXPECT_EQ(missing.result().status(), pb::PROCESSING_STATUS_FAILED);
  EXPECT_EQ(missing.result().message(),
            "Detection failed: object in/none.jpg does not exist in bucket imageflow");

  // The stream rpc: one answer per request, in order.
  ::grpc::ClientContext context;
  SetDeadline(&context);
  auto stream = detect_->DetectObjectsStream(&context);
  for (const char* model : {"face", "resnet"}) {
    pb::DetectionRequest request;
    *request.mutable_input_image() = StoreImage("imageflow", "in/cat.jpg");
    request.set_model_name(model);
    request.set_execution_id(std::string("s_") + model);
    ASSERT_TRUE(stream->Write(request));
  }
  stream->WritesDone();
  pb::DetectionResponse first, second;
  ASSERT_TRUE(stream->Read(&first));
  ASSERT_TRUE(stream->Read(&second));
  EXPECT_EQ(first.result().status(), pb::PROCESSING_STATUS_COMPLETED);
  EXPECT_EQ(second.result().status(), pb::PROCESSING_STATUS_FAILED);
  EXPECT_TRUE(stream->Finish().ok());
}

TEST_F(GrpcImageFlowTest, HealthRpcsAndStandardHealth) {
  Serve();
  auto own = [&](auto& stub) {
    ::grpc::ClientContext context;
    SetDeadline(&context);
    pb::HealthCheckRequest request;
    pb::HealthCheckResponse response;
    auto status = stub->Health(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.status();
  };
  EXPECT_EQ(own(resize_), pb::HealthCheckResponse::SERVING);
  EXPECT_EQ(own(filter_), pb::HealthCheckResponse::SERVING);
  EXPECT_EQ(own(detect_), pb::HealthCheckResponse::SERVING);

  auto health = ::grpc::health::v1::Health::NewStub(channel_);
  auto standard = [&](const std::string& service) {
    ::grpc::ClientContext context;
    SetDeadline(&context);
    ::grpc::health::v1::HealthCheckRequest request;
    request.set_service(service);
    ::grpc::health::v1::HealthCheckResponse response;
    auto status = health->Check(&context, request, &response);
    EXPECT_TRUE(status.ok()) << service << ": " << status.error_message();
    return response.status();
  };
  EXPECT_EQ(standard(""), ::grpc::health::v1::HealthCheckResponse::SERVING);
  EXPECT_EQ(standard("imageflow.v1.ResizeService"),
            ::grpc::health::v1::HealthCheckResponse::SERVING);
  EXPECT_EQ(standard("imageflow.v1.FilterService"),
            ::grpc::health::v1::HealthCheckResponse::SERVING);
  EXPECT_EQ(standard("imageflow.v1.AIDetectionService"),
            ::grpc::health::v1::HealthCheckResponse::SERVING);
}

TEST_F(GrpcImageFlowTest, HealthIsNotServingWhileTheBlobStoreIsGone) {
  Serve();
  std::filesystem::rename(Blobs(), dir_.path() / "data" / "blobs.away");
  ::grpc::ClientContext context;
  SetDeadline(&context);
  pb::HealthCheckResponse response;
  ASSERT_TRUE(resize_->Health(&context, pb::HealthCheckRequest(), &response).ok());
  EXPECT_EQ(response.status(), pb::HealthCheckResponse::NOT_SERVING);
  std::filesystem::rename(dir_.path() / "data" / "blobs.away", Blobs());
  ::grpc::ClientContext again;
  SetDeadline(&again);
  ASSERT_TRUE(filter_->Health(&again, pb::HealthCheckRequest(), &response).ok());
  EXPECT_EQ(response.status(), pb::HealthCheckResponse::SERVING);
}

TEST_F(GrpcImageFlowTest, InputBytesOverTheMessageLimitIsResourceExhausted) {
  Serve({"--max-input-bytes", "100000"});  // message limit: 100000 + 1 MiB
  pb::ResizeRequest request;
  request.mutable_input_bytes()->set_data(std::string(1'200'000, 'x'));
  request.set_target_width(10);
  request.set_target_height(10);
  request.set_execution_id("big");
  ::grpc::ClientContext context;
  SetDeadline(&context);
  pb::ResizeResponse response;
  EXPECT_EQ(resize_->ResizeImage(&context, request, &response).error_code(),
            ::grpc::StatusCode::RESOURCE_EXHAUSTED);
}

TEST_F(GrpcImageFlowTest, StreamRpcsAnswerEachRequestInOrder) {
  Serve();
  ::grpc::ClientContext context;
  SetDeadline(&context);
  auto stream = resize_->ResizeImageStream(&context);
  for (int w : {100, 50}) {
    pb::ResizeRequest request;
    *request.mutable_input_image() = StoreImage("imageflow", "in/cat.jpg");
    request.set_target_width(w);
    request.set_target_height(w);
    request.set_maintain_aspect_ratio(true);
    request.set_execution_id("s" + std::to_string(w));
    ASSERT_TRUE(stream->Write(request));
  }
  stream->WritesDone();
  pb::ResizeResponse response;
  std::vector<int> widths;
  while (stream->Read(&response)) {
    EXPECT_EQ(response.result().status(), pb::PROCESSING_STATUS_COMPLETED);
    widths.push_back(response.metadata().output_width());
  }
  EXPECT_TRUE(stream->Finish().ok());
  EXPECT_EQ(widths, (std::vector<int>{100, 50}));
  EXPECT_TRUE(std::filesystem::exists(Blobs() / "imageflow" / "s50_resized.jpg"));
}

TEST_F(GrpcImageFlowTest, ApiKeysCoverTheCallsButNotHealth) {
  Serve({"--api-keys", "k1"});
  pb::ResizeRequest request;
  request.mutable_input_bytes()->set_data(AsString(input_));
  request.set_target_width(32);
  request.set_target_height(32);
  request.set_execution_id("k");
  {
    ::grpc::ClientContext context;
    SetDeadline(&context);
    pb::ResizeResponse response;
    EXPECT_EQ(resize_->ResizeImage(&context, request, &response).error_code(),
              ::grpc::StatusCode::UNAUTHENTICATED);
  }
  {
    ::grpc::ClientContext context;
    SetDeadline(&context);
    context.AddMetadata("authorization", "Bearer k1");
    pb::ResizeResponse response;
    EXPECT_TRUE(resize_->ResizeImage(&context, request, &response).ok());
    EXPECT_EQ(response.result().status(), pb::PROCESSING_STATUS_COMPLETED);
  }
  ::grpc::ClientContext context;
  SetDeadline(&context);
  pb::HealthCheckResponse health;
  EXPECT_TRUE(filter_->Health(&context, pb::HealthCheckRequest(), &health).ok());
  EXPECT_EQ(health.status(), pb::HealthCheckResponse::SERVING);
}

TEST_F(GrpcImageFlowTest, BusyServerIsResourceExhausted) {
  const auto heavy = Jpeg(3000, 2000);
  ASSERT_TRUE(WriteFileAtomically(Blobs() / "imageflow" / "heavy.jpg", heavy));
  Serve({"--sync-slots", "1", "--sync-wait-ms", "0"});
  constexpr int kCalls = 8;
  std::vector<::grpc::Status> statuses(kCalls);
  std::vector<std::string> codes(kCalls);
  std::vector<std::thread> threads;
  for (int i = 0; i < kCalls; ++i) {
    threads.emplace_back([&, i] {
      pb::FilterRequest request;
      *request.mutable_input_image() = StoreImage("imageflow", "heavy.jpg");
      request.set_filter_type(pb::FILTER_TYPE_GAUSSIAN);
      request.set_intensity(2.0f);
      request.set_execution_id("busy-" + std::to_string(i));
      ::grpc::ClientContext context;
      SetDeadline(&context, milliseconds(60'000));
      pb::FilterResponse response;
      statuses[i] = filter_->ApplyFilter(&context, request, &response);
      codes[i] = Trailer(context, "tessera-error-code");
      if (statuses[i].ok()) {
        EXPECT_EQ(response.result().status(), pb::PROCESSING_STATUS_COMPLETED);
      }
    });
  }
  for (auto& t : threads) t.join();
  int ok = 0, busy = 0;
  for (int i = 0; i < kCalls; ++i) {
    if (statuses[i].ok()) ++ok;
    if (statuses[i].error_code() == ::grpc::StatusCode::RESOURCE_EXHAUSTED) {
      ++busy;
      EXPECT_EQ(codes[i], "queue_full");
      EXPECT_FALSE(std::filesystem::exists(Blobs() / "imageflow" /
                                           ("busy-" + std::to_string(i) + "_final.jpg")));
    }
  }
  EXPECT_EQ(ok + busy, kCalls);
  EXPECT_GE(ok, 1);
  EXPECT_GE(busy, 1);
}

TEST_F(GrpcImageFlowTest, ADeadlineBeforeTheSlotWaitEndsTheWaitThere) {
  const auto heavy = Jpeg(4000, 3000);
  ASSERT_TRUE(WriteFileAtomically(Blobs() / "imageflow" / "heavy.jpg", heavy));
  // The holder is over the default synchronous work budget (blur:sigma=20 on 12 MP, about
  // 3,100 work units) and may pass the default deadline on a loaded machine: lift both.
  Serve({"--sync-slots", "1", "--sync-wait-ms", "20000", "--sync-max-work", "1000000",
         "--sync-deadline-ms", "0"});
  auto request = [](const std::string& id) {
    pb::FilterRequest r;
    *r.mutable_input_image() = StoreImage("imageflow", "heavy.jpg");
    r.set_filter_type(pb::FILTER_TYPE_GAUSSIAN);
    r.set_intensity(10.0f);
    r.set_execution_id(id);
    return r;
  };
  // Holds the only slot for a while (20 s of slot wait would let the second call through).
  std::thread holder([&] {
    ::grpc::ClientContext context;
    SetDeadline(&context, milliseconds(60'000));
    pb::FilterResponse response;
    EXPECT_TRUE(filter_->ApplyFilter(&context, request("holder"), &response).ok());
  });
  std::this_thread::sleep_for(milliseconds(150));
  ::grpc::ClientContext context;
  SetDeadline(&context, milliseconds(300));
  pb::FilterResponse response;
  auto status = filter_->ApplyFilter(&context, request("late"), &response);
  holder.join();
  EXPECT_EQ(status.error_code(), ::grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_TRUE(std::filesystem::exists(Blobs() / "imageflow" / "holder_final.jpg"));
  // The server itself gave up at the deadline: the late request never ran.
  ASSERT_TRUE(WaitFor(
      [&] {
        return serve_->process().Stderr().find("\"error\":\"deadline_exceeded\"") !=
               std::string::npos;
      },
      milliseconds(5'000)))
      << serve_->process().Stderr();
  EXPECT_FALSE(std::filesystem::exists(Blobs() / "imageflow" / "late_final.jpg"));
}

TEST_F(GrpcImageFlowTest, NotServedWithoutTheProfile) {
  serve_ = ServeProcess::Start(dir_.path(), {"--workers", "0", "--grpc-port", "0"});
  ASSERT_TRUE(serve_);
  grpc_port_ = GrpcPort(serve_->process().Stderr());
  ASSERT_NE(grpc_port_, 0);
  const std::string listening = LogLines(serve_->process().Stderr(), "grpc_listening").at(0);
  EXPECT_NE(listening.find("\"imageflow\":\"off\""), std::string::npos) << listening;
  auto stub = pb::ResizeService::NewStub(
      ::grpc::CreateChannel(Target(), ::grpc::InsecureChannelCredentials()));
  ::grpc::ClientContext context;
  SetDeadline(&context);
  pb::HealthCheckResponse response;
  EXPECT_EQ(stub->Health(&context, pb::HealthCheckRequest(), &response).error_code(),
            ::grpc::StatusCode::UNIMPLEMENTED);
}

TEST_F(GrpcImageFlowTest, PythonGrpcioClientWithTheSeedsRequestShape) {
  Serve();
  ifc::ResizeRequest documented;
  documented.target_width = 400;
  documented.target_height = 300;
  documented.maintain_aspect_ratio = true;
  documented.quality = ifc::ResizeQuality::kGood;
  auto pipeline = ifc::ResizePipeline(documented);
  ASSERT_TRUE(pipeline.has_value());
  const auto expected_path = dir_.path() / "expected.jpg";
  ASSERT_TRUE(WriteFileAtomically(expected_path, EngineOutput(input_, *pipeline)));
  auto run =
      RunProcess({"/usr/bin/python3", TESSERA_SOURCE_DIR "/tests/python/imageflow_grpc_check.py",
                  "--target", Target(), "--proto-root", TESSERA_SOURCE_DIR "/proto", "--bucket",
                  "imageflow", "--object-key", "in/cat.jpg", "--execution-id", "py-1", "--blobs",
                  Blobs().string(), "--expected", expected_path.string()});
  std::cout << run.out;
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_NE(run.out.find("0 failed"), std::string::npos) << run.out;
  EXPECT_EQ(run.out.find("FAIL"), std::string::npos) << run.out;
}

}  // namespace
}  // namespace tessera::testing
