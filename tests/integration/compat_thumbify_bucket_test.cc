// Thumbify's object-storage routes against a real `tessera serve --compat thumbify` configured
// as Thumbify was (BUCKET_ENDPOINT, BUCKET_ACCESS_KEY, BUCKET_SECRET_KEY, BUCKET_NAME) with a
// real S3 server (s3rver): the upload lands in the bucket under its own name, the thumbnail
// (a 100x100 PNG, named as Thumbify's bucket worker named it) is in the bucket whenever the
// job says "succeeded", the bucket routes answer in Thumbify's shapes, the presigned URL
// fetches the object, and a thumbnail whose job finished while the bucket was down, or whose
// server was killed, is still written once the bucket is back.
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>

#include <nlohmann/json.hpp>
#include <set>

#include "api/compat/thumbify/thumbify_bucket.h"
#include "api/http/client.h"
#include "store/s3/s3_blob_store.h"
#include "support/image_testing.h"
#include "support/multipart_form.h"
#include "support/s3_server.h"
#include "support/serve_process.h"
#include "support/temp_dir.h"

namespace tessera::testing {
namespace {

using api::http::ClientResponse;
using nlohmann::json;
using std::chrono::seconds;

std::string AsString(std::span<const uint8_t> b) { return {b.begin(), b.end()}; }
json Body(const ClientResponse& r) { return json::parse(r.text(), nullptr, false); }

constexpr char kThumbPipeline[] =
    "resize:w=100,h=100,fit=fill,kernel=nearest,enlarge=true;format:type=png";

class ThumbifyBucketTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Status started = s3_.Start();
    ASSERT_TRUE(started.has_value()) << started.error().ToString();
    auto options = store::ParseS3Url(s3_.StoreUrl(), {}, nullptr);
    ASSERT_TRUE(options.has_value());
    bucket_ = std::make_unique<store::S3BlobStore>(*options);
    StartServe({"--workers", "1"});
  }

  // `tessera serve --compat thumbify` with Thumbify's environment settings.
  void StartServe(std::vector<std::string> extra) {
    ::setenv("BUCKET_ENDPOINT", s3_.endpoint().c_str(), 1);
    ::setenv("BUCKET_ACCESS_KEY", S3Server::kAccessKey, 1);
    ::setenv("BUCKET_SECRET_KEY", S3Server::kSecretKey, 1);
    ::setenv("BUCKET_NAME", s3_.bucket().c_str(), 1);
    std::vector<std::string> args = {"--compat", "thumbify"};
    args.insert(args.end(), extra.begin(), extra.end());
    serve_ = ServeProcess::Start(dir_.path(), args);
    for (const char* name :
         {"BUCKET_ENDPOINT", "BUCKET_ACCESS_KEY", "BUCKET_SECRET_KEY", "BUCKET_NAME"}) {
      ::unsetenv(name);
    }
    ASSERT_NE(serve_, nullptr);
    client_ = serve_->Client();
  }

  ClientResponse Get(const std::string& target) {
    auto r = client_->Get(target);
    EXPECT_TRUE(r.has_value()) << r.error().ToString();
    return r ? *r : ClientResponse{};
  }
  ClientResponse Upload(const std::string& filename, const std::string& data) {
    return PostMultipart(*client_, "/upload/bucket", {{"file", filename, "image/jpeg", data}});
  }
  std::string JobStatus(const std::string& id) {
    json s = Body(Get("/job/status/" + id));
    return s["status"].is_string() ? s["status"].get<std::string>() : "null";
  }
  std::string WaitFinished(const std::string& id) {
    std::string status;
    EXPECT_TRUE(WaitFor(
        [&] {
          status = JobStatus(id);
          return status == "succeeded" || status == "failed";
        },
        seconds(30)));
    return status;
  }
  std::string Object(const std::string& key) {
    auto got = bucket_->Get(key, 64 << 20);
    return got ? AsString(*got) : std::string("<missing: ") + got.error().ToString() + ">";
  }

  TempDir dir_;
  S3Server s3_{S3ServerOptions{.bucket = "thumbifybucket"}};
  std::unique_ptr<store::S3BlobStore> bucket_;
  std::unique_ptr<ServeProcess> serve_;
  std::unique_ptr<api::http::HttpClient> client_;
};

TEST(ThumbifyBucketName, IsSplitOnDotsAsThumbifysWorkerDid) {
  using api::compat::thumbify::BucketThumbName;
  EXPECT_EQ(BucketThumbName("photo.jpg"), "photo_thumb.jpg");
  EXPECT_EQ(BucketThumbName("a.b.png"), "a_thumb.b");
  EXPECT_EQ(BucketThumbName(".hidden.png"), "_thumb.hidden");
  EXPECT_EQ(BucketThumbName("trailing."), "trailing_thumb.");
  EXPECT_EQ(BucketThumbName("noext"), "");
}

TEST_F(ThumbifyBucketTest, UploadIsStoredAndTheThumbnailIsInTheBucketWhenSucceeded) {
  const std::string jpeg = AsString(EncodeWithOpenCv(MakeTestPattern(640, 400), ".jpg"));
  auto up = Upload("photo.jpg", jpeg);
  ASSERT_EQ(up.status, 200u) << up.text();
  json answer = Body(up);
  EXPECT_EQ(answer["message"], "File uploaded successfully");
  const std::string id = answer["job_id"];
  EXPECT_EQ(Object("photo.jpg"), jpeg);

  ASSERT_EQ(WaitFinished(id), "succeeded");
  // No wait: "succeeded" means the thumbnail is there.
  const std::string thumb = Object("photo_thumb.jpg");
  ASSERT_EQ(thumb.substr(0, 8), "\x89PNG\r\n\x1a\n") << thumb.substr(0, 80);
  EXPECT_EQ(thumb,
            AsString(EngineOutput(std::vector<uint8_t>(jpeg.begin(), jpeg.end()), kThumbPipeline)));
  cv::Mat decoded = DecodeWithOpenCv(std::vector<uint8_t>(thumb.begin(), thumb.end()));
  EXPECT_EQ(decoded.cols, 100);
  EXPECT_EQ(decoded.rows, 100);

  // Listed with the other uploads, but not a file of the upload directory.
  EXPECT_EQ(Body(Get("/job/all")),
            json::parse(R"([{"job_id":")" + id + R"(","filename":"photo.jpg"}])"));
  EXPECT_EQ(Get("/thumb/photo.jpg").status, 404u);

  auto served = Get("/thumb/bucket/photo_thumb.jpg");
  ASSERT_EQ(served.status, 200u);
  EXPECT_EQ(served.header("content-type"), "image/*");
  EXPECT_EQ(served.text(), thumb);
}

TEST_F(ThumbifyBucketTest, MissingObjectIsThumbifysReturnedExceptionWithStatus200) {
  auto r = Get("/thumb/bucket/nothing_thumb.png");
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.header("content-type"), "application/json");
  EXPECT_EQ(r.text(),
            R"({"status_code":404,"detail":"Error retriving the file. Fail connecting to bucket: )"
            R"(An error occurred (NoSuchKey) when calling the GetObject operation: The specified )"
            R"(key does not exist.","headers":null})");
}

TEST_F(ThumbifyBucketTest, PresignedUrlFetchesTheObject) {
  ASSERT_TRUE(bucket_->Put("some_thumb.png", std::vector<uint8_t>{'p', 'n', 'g'}).has_value());
  auto r = Get("/thumb/bucket/url/some_thumb.png");
  ASSERT_EQ(r.status, 200u) << r.text();
  json body = Body(r);
  ASSERT_EQ(body.size(), 1u) << r.text();
  const std::string url = body["thumb_temp_url"];
  const std::string expected_start = s3_.endpoint() +
                                     "/thumbifybucket/some_thumb.png?X-Amz-Algorithm=AWS4-HMAC-"
                                     "SHA256&X-Amz-Credential=S3RVER%2F";
  ASSERT_EQ(url.substr(0, expected_start.size()), expected_start) << url;
  EXPECT_NE(url.find("&X-Amz-SignedHeaders=host&X-Amz-Expires=3600&X-Amz-Signature="),
            std::string::npos)
      << url;
  // The URL as a browser would use it.
  api::http::HttpClient direct("127.0.0.1", s3_.port());
  auto fetched = direct.Get(url.substr(s3_.endpoint().size()));
  ASSERT_TRUE(fetched.has_value());
  EXPECT_EQ(fetched->status, 200u);
  EXPECT_EQ(fetched->text(), "png");
}

TEST_F(ThumbifyBucketTest, NamesAndBytesThumbifysWorkerFailedAreFailedButStored) {
  const std::string jpeg = AsString(EncodeWithOpenCv(MakeTestPattern(64, 48), ".jpg"));
  const std::string no_dot = Body(Upload("noext", jpeg))["job_id"];
  const std::string text = Body(Upload("notes.png", "not an image"))["job_id"];
  EXPECT_EQ(WaitFinished(no_dot), "failed");
  EXPECT_EQ(WaitFinished(text), "failed");
  EXPECT_EQ(Object("noext"), jpeg);
  EXPECT_EQ(Object("notes.png"), "not an image");
  // Thumbify named "a.b.png"'s thumbnail "a_thumb.b".
  const std::string dotted = Body(Upload("a.b.png", jpeg))["job_id"];
  ASSERT_EQ(WaitFinished(dotted), "succeeded");
  EXPECT_EQ(Object("a_thumb.b").substr(1, 3), "PNG");
  // No part `file`: pydantic 2's 422, as /upload.
  auto missing = PostMultipart(*client_, "/upload/bucket", {{"other", "x.png", "image/png", "x"}});
  EXPECT_EQ(missing.status, 422u);
  EXPECT_EQ(Body(missing)["detail"][0]["loc"], json::array({"body", "file"}));
}

TEST_F(ThumbifyBucketTest, UnreachableBucketRefusesTheUploadInThumbifysWords) {
  ASSERT_TRUE(s3_.Stop().has_value());
  auto up = Upload("photo.jpg", "bytes");
  EXPECT_EQ(up.status, 500u);
  EXPECT_EQ(up.text(), R"({"message":"fail to save file on bucket"})");
  EXPECT_EQ(Body(Get("/job/all")), json::array());
}

// The job finishes while the bucket is down: "processing" until the thumbnail is written; the
// server is then killed, and a new one writes it without anyone asking.
TEST_F(ThumbifyBucketTest, ThumbnailOfAJobFinishedWhileTheBucketWasDownIsNeverLost) {
  serve_->process().Signal(SIGKILL);
  serve_->process().Wait(seconds(10));
  StartServe({"--workers", "0"});
  const std::string jpeg = AsString(EncodeWithOpenCv(MakeTestPattern(320, 200), ".jpg"));
  const std::string id = Body(Upload("late.jpg", jpeg))["job_id"];
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(s3_.Stop().has_value());

  auto worker = StartTessera(
      {"worker", "--data-dir", (dir_.path() / "data").string(), "--threads", "1"}, dir_.path());
  ASSERT_TRUE(WaitFor(
      [&] {
        auto r = client_->Get("/v1/jobs/" + id);
        return r && Body(*r).value("state", "") == "succeeded";
      },
      seconds(30)));
  EXPECT_EQ(JobStatus(id), "processing");
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(JobStatus(id), "processing");

  serve_->process().Signal(SIGKILL);
  serve_->process().Wait(seconds(10));
  ASSERT_TRUE(s3_.Start().has_value());
  EXPECT_EQ(Object("late_thumb.jpg").substr(0, 1), "<");  // not there yet
  StartServe({"--workers", "0"});
  EXPECT_TRUE(WaitFor([&] { return Object("late_thumb.jpg").substr(1, 3) == "PNG"; }, seconds(15)));
  EXPECT_EQ(JobStatus(id), "succeeded");
  worker->Signal(SIGTERM);
  worker->Wait(seconds(20));
}

}  // namespace
}  // namespace tessera::testing
