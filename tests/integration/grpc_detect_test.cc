// Detection through the native front ends of a real `tessera serve`: POST /v1/process answering
// the detections as JSON (?output=json) or beside the image (?output=multipart), gRPC Process
// with its detections field, jobs storing their detections (results/<id>.json, GET
// /v1/jobs/{id}), the `detect` capability a job waits for on a server without it, and a missing
// --models-dir refusing to start.
#include <grpcpp/create_channel.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "api/http/client.h"
#include "support/detect_testing.h"
#include "support/image_testing.h"
#include "support/serve_process.h"
#include "support/subprocess.h"
#include "support/temp_dir.h"
#include "tessera/v1/image_service.grpc.pb.h"

namespace tessera::testing {
namespace {

using api::http::ClientResponse;
using nlohmann::json;

const Box kMessiFace{226, 92, 38, 40};  // labelled by hand on messi5.jpg

int GrpcPort(const std::string& log) {
  std::smatch m;
  std::regex line("\"event\":\"grpc_listening\"[^\\n]*\"port\":\"([0-9]+)\"");
  return std::regex_search(log, m, line) ? std::stoi(m[1]) : 0;
}

class DetectApiTest : public ::testing::Test {
 protected:
  void SetUp() override { messi_ = ReadFileBytes(OpenCvSample("messi5.jpg")); }

  void Serve(std::vector<std::string> extra = {}) {
    serve_ = ServeProcess::Start(dir_.path(), extra);
    ASSERT_TRUE(serve_);
    http_ = serve_->Client();
  }

  ClientResponse Post(const std::string& target) {
    auto r = http_->Send({.method = "POST",
                          .target = target,
                          .headers = {{"Content-Type", "application/octet-stream"}},
                          .body = messi_});
    EXPECT_TRUE(r.has_value()) << r.error().ToString();
    return r ? *r : ClientResponse{};
  }

  json GetJob(const std::string& id) {
    auto r = http_->Get("/v1/jobs/" + id);
    EXPECT_TRUE(r.has_value());
    return r ? json::parse(r->text(), nullptr, false) : json();
  }

  TempDir dir_;
  std::vector<uint8_t> messi_;
  std::unique_ptr<ServeProcess> serve_;
  std::unique_ptr<api::http::HttpClient> http_;
};

void ExpectMessiFace(const json& detections) {
  ASSERT_TRUE(detections.is_array());
  ASSERT_EQ(detections.size(), 1u) << detections.dump();
  const json& d = detections[0];
  EXPECT_EQ(d["model"], "face");
  EXPECT_EQ(d["label"], "face");
  EXPECT_EQ(d["step"], 0);
  EXPECT_EQ(d["image"]["width"], 548);
  Box b{d["box"]["x"].get<double>(), d["box"]["y"].get<double>(), d["box"]["width"].get<double>(),
        d["box"]["height"].get<double>()};
  EXPECT_GE(IoU(b, kMessiFace), 0.5);
}

TEST_F(DetectApiTest, ProcessAnswersDetectionsAsJsonOrBesideTheImage) {
  Serve({"--workers", "0"});
  auto image = Post("/v1/process?pipeline=detect:model=face,draw=true");
  ASSERT_EQ(image.status, 200u) << image.text();
  EXPECT_EQ(image.header("content-type"), "image/jpeg");
  EXPECT_EQ(image.header("x-detections"), "1");

  auto j = Post("/v1/process?pipeline=detect:model=face,draw=true&output=json");
  ASSERT_EQ(j.status, 200u) << j.text();
  json body = json::parse(j.text(), nullptr, false);
  EXPECT_EQ(body["width"], 548);
  EXPECT_EQ(body["height"], 342);
  EXPECT_EQ(body["format"], "jpeg");
  ExpectMessiFace(body["detections"]);

  auto both = Post("/v1/process?pipeline=detect:model=face,draw=true&output=multipart");
  ASSERT_EQ(both.status, 200u);
  const std::string type = both.header("content-type");
  ASSERT_EQ(type.rfind("multipart/mixed; boundary=", 0), 0u) << type;
  const std::string boundary = type.substr(type.find('=') + 1);
  const std::string text = both.text();
  const std::string json_head = "--" + boundary + "\r\nContent-Type: application/json\r\n\r\n";
  ASSERT_EQ(text.rfind(json_head, 0), 0u);
  size_t json_end = text.find("\r\n--" + boundary, json_head.size());
  EXPECT_EQ(json::parse(text.substr(json_head.size(), json_end - json_head.size())), body);
  const std::string image_head = "\r\n--" + boundary + "\r\nContent-Type: image/jpeg\r\n\r\n";
  ASSERT_EQ(text.compare(json_end, image_head.size(), image_head), 0);
  const std::string tail = "\r\n--" + boundary + "--\r\n";
  std::string part = text.substr(json_end + image_head.size());
  ASSERT_GE(part.size(), tail.size());
  EXPECT_EQ(part.substr(part.size() - tail.size()), tail);
  part.resize(part.size() - tail.size());
  EXPECT_EQ(part, image.text());  // the same image as ?output=image

  auto bad = Post("/v1/process?pipeline=detect&output=xml");
  EXPECT_EQ(bad.status, 400u);
  EXPECT_NE(bad.text().find("\"field\":\"output\""), std::string::npos) << bad.text();
  auto unknown = Post("/v1/process?pipeline=detect:model=nothing_here&output=json");
  EXPECT_EQ(unknown.status, 400u);
  EXPECT_NE(unknown.text().find("detect.model"), std::string::npos) << unknown.text();
  // The OpenAPI document describes the output choices and the detection schema.
  auto doc = http_->Get("/openapi.json");
  ASSERT_TRUE(doc.has_value());
  EXPECT_NE(doc->text().find("\"Detection\""), std::string::npos);
  EXPECT_NE(doc->text().find("multipart/mixed"), std::string::npos);
}

TEST_F(DetectApiTest, GrpcProcessReturnsDetections) {
  Serve({"--workers", "0", "--grpc-port", "0"});
  int port = GrpcPort(serve_->process().Stderr());
  ASSERT_NE(port, 0);
  ::grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 << 20);
  auto stub = tessera::v1::ImageService::NewStub(::grpc::CreateCustomChannel(
      "127.0.0.1:" + std::to_string(port), ::grpc::InsecureChannelCredentials(), args));
  tessera::v1::ProcessRequest request;
  request.set_image(messi_.data(), messi_.size());
  request.set_pipeline("detect:model=face;redact:model=face");
  ::grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  tessera::v1::ProcessResponse response;
  auto status = stub->Process(&context, request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(response.detections_size(), 2);
  for (int i = 0; i < 2; ++i) {
    const auto& d = response.detections(i);
    EXPECT_EQ(d.step(), i);
    EXPECT_EQ(d.label(), "face");
    EXPECT_EQ(d.image_width(), 548);
    EXPECT_GE(IoU({d.x(), d.y(), d.width(), d.height()}, kMessiFace), 0.5);
  }
}

TEST_F(DetectApiTest, JobsStoreTheirDetections) {
  Serve({"--workers", "1", "--grpc-port", "0"});
  auto submitted = Post("/v1/jobs?pipeline=detect:model=face");
  ASSERT_EQ(submitted.status, 202u) << submitted.text();
  const std::string id = json::parse(submitted.text())["id"];
  json job;
  for (int i = 0; i < 300; ++i) {
    job = GetJob(id);
    if (job["state"] == "succeeded" || job["state"] == "dead") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(job["state"], "succeeded") << job.dump();
  EXPECT_EQ(job["capabilities"], json::array({"detect"}));
  ExpectMessiFace(job["detections"]);
  EXPECT_TRUE(std::filesystem::exists(dir_.path() / "data" / "blobs" / "results" / (id + ".json")));
  // gRPC GetJob carries them too.
  int port = GrpcPort(serve_->process().Stderr());
  ASSERT_NE(port, 0);
  auto stub = tessera::v1::ImageService::NewStub(::grpc::CreateChannel(
      "127.0.0.1:" + std::to_string(port), ::grpc::InsecureChannelCredentials()));
  tessera::v1::GetJobRequest get;
  get.set_id(id);
  ::grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  tessera::v1::Job grpc_job;
  ASSERT_TRUE(stub->GetJob(&context, get, &grpc_job).ok());
  ASSERT_EQ(grpc_job.detections_size(), 1);
  EXPECT_EQ(grpc_job.detections(0).label(), "face");
  EXPECT_FLOAT_EQ(grpc_job.detections(0).x(), job["detections"][0]["box"]["x"].get<float>());
  // The workers' registration says they can detect.
  auto workers = http_->Get("/v1/workers");
  ASSERT_TRUE(workers.has_value());
  EXPECT_NE(workers->text().find("\"detect\""), std::string::npos) << workers->text();
}

TEST_F(DetectApiTest, AJobWaitsForTheDetectCapability) {
  Serve({"--workers", "1", "--no-detect"});
  auto submitted = Post("/v1/jobs?pipeline=crop:w=100,h=100,gravity=faces");
  ASSERT_EQ(submitted.status, 202u) << submitted.text();
  const std::string id = json::parse(submitted.text())["id"];
  json job;
  for (int i = 0; i < 100; ++i) {
    job = GetJob(id);
    if (!job["waiting_for"].empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(job["state"], "queued");
  EXPECT_EQ(job["waiting_for"], json::array({"detect"}));
}

TEST_F(DetectApiTest, MissingModelsDirectoryRefusesToStart) {
  auto out = RunTessera({"serve", "--port", "0", "--data-dir", (dir_.path() / "d").string(),
                         "--models-dir", (dir_.path() / "no-models").string()});
  EXPECT_NE(out.exit_code, 0);
  EXPECT_NE(out.err.find("models directory"), std::string::npos) << out.err;
  auto process = RunTessera({"process", "--models-dir", (dir_.path() / "no-models").string(),
                             "--pipeline", "detect", OpenCvSample("messi5.jpg").string(), "-o",
                             (dir_.path() / "out").string()});
  EXPECT_NE(process.exit_code, 0);
}

}  // namespace
}  // namespace tessera::testing
