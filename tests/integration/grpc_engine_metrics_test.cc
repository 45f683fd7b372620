// One real `tessera serve --compat imageflow,tutti`: a gRPC Process call, an ImageFlowCanvas
// gateway call and a tutti upload each move the per-op engine metric on /metrics for the ops of
// the pipeline they ran, recorded once per run (by SyncProcessor, or tutti's own workers).
#include <grpcpp/create_channel.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>

#include "api/compat/imageflow/base64.h"
#include "support/image_testing.h"
#include "support/multipart_form.h"
#include "support/serve_process.h"
#include "support/temp_dir.h"
#include "support/tessera_process.h"
#include "tessera/v1/image_service.grpc.pb.h"

namespace tessera::testing {
namespace {

using std::chrono::milliseconds;
namespace v1 = ::tessera::v1;

class EngineMetricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    serve_ = ServeProcess::Start(dir_.path(), {"--compat", "imageflow,tutti", "--workers", "0"});
    ASSERT_NE(serve_, nullptr);
    http_ = serve_->Client();
    int grpc_port = 0;
    ASSERT_TRUE(WaitFor(
        [&] {
          grpc_port = LoggedPort(serve_->process().Stderr(), "grpc_listening");
          return grpc_port != 0;
        },
        milliseconds(10'000)))
        << serve_->process().Stderr();
    stub_ = v1::ImageService::NewStub(::grpc::CreateChannel(
        "127.0.0.1:" + std::to_string(grpc_port), ::grpc::InsecureChannelCredentials()));
  }

  std::string Metrics() {
    auto r = http_->Get("/metrics");
    EXPECT_TRUE(r.has_value() && r->status == 200u);
    return r ? r->text() : "";
  }

  // tessera_engine_seconds_count for `op`, 0 while the series does not exist.
  double EngineCount(const std::string& op) {
    const std::regex line("tessera_engine_seconds_count\\{op=\"" + op + "\"\\} ([0-9.e+]+)");
    const std::string text = Metrics();
    std::smatch m;
    return std::regex_search(text, m, line) ? std::stod(m[1].str()) : 0;
  }

  TempDir dir_;
  std::unique_ptr<ServeProcess> serve_;
  std::unique_ptr<api::http::HttpClient> http_;
  std::unique_ptr<v1::ImageService::Stub> stub_;
};

TEST_F(EngineMetricsTest, GrpcProcessCountsItsOps) {
  ASSERT_EQ(EngineCount("gamma"), 0);
  const auto png = EncodeWithOpenCv(MakeTestPattern(64, 48), ".png");
  ::grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  v1::ProcessRequest request;
  request.set_image(std::string(png.begin(), png.end()));
  request.set_pipeline("gamma:g=1.5;format:type=png");
  v1::ProcessResponse response;
  auto status = stub_->Process(&context, request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(EngineCount("gamma"), 1);
  EXPECT_EQ(EngineCount("format"), 1);
}

TEST_F(EngineMetricsTest, ImageFlowGatewayCallCountsItsOps) {
  ASSERT_EQ(EngineCount("contrast"), 0);
  const auto jpeg = EncodeWithOpenCv(MakeTestPattern(64, 48), ".jpg");
  const std::string body = nlohmann::json{
      {"input_bytes", {{"data", api::compat::Base64(jpeg)}, {"format", "jpeg"}}},
      {"filter_type", "FILTER_TYPE_CONTRAST"},
      {"intensity", 1.5},
      {"execution_id",
       "metrics-1"}}.dump();
  const std::vector<uint8_t> bytes(body.begin(), body.end());
  auto r = http_->Send({.method = "POST",
                        .target = "/v1/filter",
                        .headers = {{"Content-Type", "application/json"}},
                        .body = bytes});
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  ASSERT_EQ(r->status, 200u) << r->text();
  EXPECT_EQ(EngineCount("contrast"), 1);
  EXPECT_EQ(EngineCount("format"), 1);
}

// tutti answers before its worker rescales the image, so the count moves a little later.
TEST_F(EngineMetricsTest, TuttiUploadCountsItsOps) {
  ASSERT_EQ(EngineCount("resize"), 0);
  const auto wide = EncodeWithOpenCv(MakeTestPattern(2000, 40), ".jpg");
  auto r =
      PostMultipart(*http_, "/upload",
                    {{"image", "wide.jpeg", "image/jpeg", std::string(wide.begin(), wide.end())}});
  ASSERT_EQ(r.status, 200u) << r.text();
  EXPECT_TRUE(WaitFor([&] { return EngineCount("resize") == 1; }, milliseconds(20'000)))
      << Metrics();
  EXPECT_EQ(EngineCount("format"), 1);
}

}  // namespace
}  // namespace tessera::testing
