// ImageFlowCanvas configured as its own deployment is: MINIO_ENDPOINT / MINIO_ACCESS_KEY /
// MINIO_SECRET_KEY naming an S3 server (a real s3rver here), HTTP_PORT and GRPC_PORT. Its own
// scripts/test_grpc_services.py is replayed request for request (same payloads, the image in
// bucket test-bucket at test-image.jpg), then the resize -> detect -> filter chain reads each
// step's output object from that server.
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "api/http/client.h"
#include "store/s3/s3_blob_store.h"
#include "store/s3/s3_options.h"
#include "support/image_testing.h"
#include "support/loopback.h"
#include "support/s3_server.h"
#include "support/serve_process.h"
#include "support/temp_dir.h"
#include "support/tessera_process.h"

namespace tessera::testing {
namespace {

using json = nlohmann::json;
using std::chrono::seconds;

class ImageFlowMinioTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Status started = s3_.Start();
    ASSERT_TRUE(started.has_value()) << started.error().ToString();
    auto options = store::ParseS3Url(s3_.StoreUrl(), {}, nullptr);
    ASSERT_TRUE(options.has_value());
    bucket_ = std::make_unique<store::S3BlobStore>(*options);
    ASSERT_TRUE(
        bucket_->Put("test-image.jpg", EncodeWithOpenCv(MakeTestPattern(1000, 625, 3), ".jpg"))
            .has_value());

    http_port_ = PickFreeLoopbackPort();
    grpc_port_ = PickFreeLoopbackPort();
    const std::string host_port = "127.0.0.1:" + std::to_string(s3_.port());
    ::setenv("MINIO_ENDPOINT", host_port.c_str(), 1);
    ::setenv("MINIO_ACCESS_KEY", S3Server::kAccessKey, 1);
    ::setenv("MINIO_SECRET_KEY", S3Server::kSecretKey, 1);
    ::setenv("HTTP_PORT", std::to_string(http_port_).c_str(), 1);
    ::setenv("GRPC_PORT", std::to_string(grpc_port_).c_str(), 1);
    ::setenv("RESIZE_GRPC_ENDPOINT", "resize-grpc-service:9090", 1);
    serve_ = StartTessera({"serve", "--compat", "imageflow", "--host", "127.0.0.1", "--data-dir",
                           (dir_.path() / "data").string(), "--workers", "0"},
                          dir_.path());
    for (const char* name : {"MINIO_ENDPOINT", "MINIO_ACCESS_KEY", "MINIO_SECRET_KEY", "HTTP_PORT",
                             "GRPC_PORT", "RESIZE_GRPC_ENDPOINT"}) {
      ::unsetenv(name);
    }
    ASSERT_TRUE(
        WaitFor([&] { return serve_->Stderr().find("\"http_listening\"") != std::string::npos; },
                seconds(30)))
        << serve_->Stderr();
    client_ = std::make_unique<api::http::HttpClient>("127.0.0.1", http_port_);
  }

  void TearDown() override {
    if (serve_) {
      serve_->Signal(SIGTERM);
      serve_->Wait(seconds(30));
    }
  }

  api::http::ClientResponse Get(const std::string& target) {
    auto r = client_->Get(target);
    EXPECT_TRUE(r.has_value()) << target;
    return r ? *r : api::http::ClientResponse{};
  }
  json PostJson(const std::string& target, const json& body) {
    std::string s = body.dump();
    auto r = client_->Send({.method = "POST",
                            .target = target,
                            .headers = {{"Content-Type", "application/json"}},
                            .body = std::vector<uint8_t>(s.begin(), s.end())});
    EXPECT_TRUE(r.has_value()) << target;
    if (!r) return {};
    EXPECT_EQ(r->status, 200u) << target << ": " << r->text();
    return json::parse(r->text(), nullptr, false);
  }
  // The test script's shared fields.
  json TestData(const std::string& object_key, const std::string& execution_id) {
    return {
        {"input_image",
         {{"bucket", s3_.bucket()}, {"object_key", object_key}, {"content_type", "image/jpeg"}}},
        {"execution_id", execution_id}};
  }

  TempDir dir_;
  S3Server s3_{S3ServerOptions{.bucket = "test-bucket"}};
  std::unique_ptr<store::S3BlobStore> bucket_;
  int http_port_ = 0;
  int grpc_port_ = 0;
  std::unique_ptr<BackgroundProcess> serve_;
  std::unique_ptr<api::http::HttpClient> client_;
};

TEST_F(ImageFlowMinioTest, TestGrpcServicesScriptPassesOnItsOwnSettings) {
  // The ports came from HTTP_PORT and GRPC_PORT; the gateway endpoints are served here.
  auto grpc = LogLines(serve_->Stderr(), "grpc_listening");
  ASSERT_EQ(grpc.size(), 1u) << serve_->Stderr();
  EXPECT_EQ(json::parse(grpc[0])["port"], std::to_string(grpc_port_));
  EXPECT_NE(serve_->Stderr().find("imageflow_endpoint_served_here"), std::string::npos);

  // test_gateway_health, test_service_health_endpoints: each 200.
  EXPECT_EQ(Get("/health").status, 200u);
  for (const char* service : {"resize", "detection", "filter"}) {
    EXPECT_EQ(Get(std::string("/v1/health/") + service).status, 200u) << service;
  }
  // test_resize_service, test_detection_service, test_filter_service: their payloads.
  json data = TestData("test-image.jpg", "test-1733100000");
  json resize = data;
  resize.update({{"target_width", 800},
                 {"target_height", 600},
                 {"maintain_aspect_ratio", true},
                 {"quality", "RESIZE_QUALITY_GOOD"}});
  json r = PostJson("/v1/resize", resize);
  EXPECT_EQ(r["result"]["status"], "PROCESSING_STATUS_COMPLETED") << r.dump();
  EXPECT_EQ(r["metadata"]["output_width"], 800);
  EXPECT_EQ(r["metadata"]["output_height"], 500);
  json detect = data;
  detect.update({{"model_name", "yolo"},
                 {"confidence_threshold", 0.5},
                 {"nms_threshold", 0.4},
                 {"draw_boxes", true}});
  r = PostJson("/v1/detect", detect);
  EXPECT_EQ(r["result"]["status"], "PROCESSING_STATUS_COMPLETED") << r.dump();
  json filter = data;
  filter.update(
      {{"filter_type", "FILTER_TYPE_BLUR"}, {"intensity", 1.0}, {"parameters", json::object()}});
  r = PostJson("/v1/filter", filter);
  EXPECT_EQ(r["result"]["status"], "PROCESSING_STATUS_COMPLETED") << r.dump();

  // Every output is an object on the S3 server, beside the input, as its services wrote them.
  for (const char* key : {"test-1733100000_resized.jpg", "test-1733100000_detected.jpg",
                          "test-1733100000_final.jpg"}) {
    auto got = bucket_->Get(key, 64 << 20);
    ASSERT_TRUE(got.has_value()) << key << ": " << got.error().ToString();
    EXPECT_FALSE(DecodeWithOpenCv(*got).empty()) << key;
  }
}

TEST_F(ImageFlowMinioTest, ChainReadsEachStepsOutputFromTheServer) {
  json resize = TestData("test-image.jpg", "chain");
  resize.update({{"target_width", 300}, {"target_height", 200}});
  json r = PostJson("/v1/resize", resize);
  ASSERT_EQ(r["result"]["status"], "PROCESSING_STATUS_COMPLETED") << r.dump();
  EXPECT_EQ(r["metadata"]["output_height"], 187);  // int(300 / 1.6)
  std::string next = r["result"]["output_image"]["object_key"];
  r = PostJson("/v1/detect", TestData(next, "chain"));
  ASSERT_EQ(r["result"]["status"], "PROCESSING_STATUS_COMPLETED") << r.dump();
  next = r["result"]["output_image"]["object_key"];
  r = PostJson("/v1/filter", TestData(next, "chain"));
  ASSERT_EQ(r["result"]["status"], "PROCESSING_STATUS_COMPLETED") << r.dump();
  auto final_image =
      bucket_->Get(r["result"]["output_image"]["object_key"].get<std::string>(), 64 << 20);
  ASSERT_TRUE(final_image.has_value());
  cv::Mat m = DecodeWithOpenCv(*final_image);
  EXPECT_EQ(m.cols, 300);
  EXPECT_EQ(m.rows, 187);
  // The bucket now holds several objects: the health checks still answer (a listing that
  // stops after one key once made s3rver fail them).
  for (const char* service : {"resize", "detection", "filter"}) {
    EXPECT_EQ(Get(std::string("/v1/health/") + service).status, 200u) << service;
  }
  // A missing object is a FAILED result naming it, as before.
  r = PostJson("/v1/resize", TestData("absent.jpg", "gone"));
  EXPECT_EQ(r["result"]["status"], "PROCESSING_STATUS_FAILED");
}

}  // namespace
}  // namespace tessera::testing
