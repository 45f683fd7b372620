// Issue 18, item 1 (denial of service): one request or job could ask for unbounded work, and
// work went on after its client left or its job was cancelled (two dropped /v1/process requests
// held both sync slots for minutes; a cancelled job kept its worker at 100% CPU). Against real
// `tessera serve` processes: work limits refuse with typed errors, a disconnect, a cancel and a
// deadline stop the engine and free the slot or the worker.
#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <nlohmann/json.hpp>
#include <thread>

#include "api/http/client.h"
#include "core/file_io.h"
#include "support/image_testing.h"
#include "support/serve_process.h"
#include "support/temp_dir.h"

namespace tessera::testing {
namespace {

namespace asio = boost::asio;
using api::http::HttpClient;
using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

// About 2 megapixels, like the photo.
std::vector<uint8_t> Photo() { return EncodeWithOpenCv(MakeTestPattern(1920, 1080, 3), ".png"); }
std::vector<uint8_t> Small() { return EncodeWithOpenCv(MakeTestPattern(64, 48, 3), ".png"); }

// Minutes of CPU on two megapixels if nothing stops it (20 blurs of radius 90).
std::string HeavyPipeline() {
  std::string p;
  for (int i = 0; i < 20; ++i) p += "blur:sigma=30;";
  return p + "format:type=png";
}

unsigned Status(const Result<api::http::ClientResponse>& r) { return r ? r->status : 0; }

json Body(const Result<api::http::ClientResponse>& r) {
  if (!r) return json::object();
  return json::parse(r->text(), nullptr, false);
}

Result<api::http::ClientResponse> PostProcess(HttpClient& c, const std::string& pipeline,
                                              const std::vector<uint8_t>& image) {
  return c.Send({.method = "POST",
                 .target = "/v1/process?pipeline=" + HttpClient::Encode(pipeline),
                 .body = image});
}

Result<api::http::ClientResponse> PostJob(HttpClient& c, const std::string& pipeline,
                                          const std::vector<uint8_t>& image) {
  return c.Send({.method = "POST",
                 .target = "/v1/jobs?pipeline=" + HttpClient::Encode(pipeline),
                 .body = image});
}

std::string JobState(HttpClient& c, const std::string& id) {
  return Body(c.Get("/v1/jobs/" + id)).value("state", "");
}

class BoundedWorkTest : public ::testing::Test {
 protected:
  TempDir dir_;
};

TEST_F(BoundedWorkTest, TooManyStepsAndTooCostlyStepsAreRefusedWithTypedErrors) {
  auto serve = ServeProcess::Start(
      dir_.path(), {"--workers", "0", "--max-steps", "8", "--max-step-work", "1000"});
  ASSERT_TRUE(serve);
  auto c = serve->Client();
  const auto photo = Photo();

  std::string many;
  for (int i = 0; i < 9; ++i) many += "invert;";
  for (const auto& route : {"/v1/process", "/v1/jobs"}) {
    SCOPED_TRACE(route);
    auto r = c->Send({.method = "POST",
                      .target = std::string(route) + "?pipeline=" + HttpClient::Encode(many),
                      .body = photo});
    EXPECT_EQ(Status(r), 422u);
    json e = Body(r)["error"];
    EXPECT_EQ(e.value("code", ""), "over_budget");
    EXPECT_EQ(e.value("field", ""), "pipeline");
    EXPECT_NE(e.value("message", "").find("at most 8"), std::string::npos) << e.dump();

    // blur:sigma=200 reads 2 x 1201 samples per pixel: about 1,350 work units on 1000x563.
    r = c->Send({.method = "POST",
                 .target = std::string(route) +
                           "?pipeline=" + HttpClient::Encode("resize:w=1000;blur:sigma=200"),
                 .body = photo});
    EXPECT_EQ(Status(r), 422u);
    e = Body(r)["error"];
    EXPECT_EQ(e.value("code", ""), "over_budget");
    EXPECT_EQ(e.value("field", ""), "pipeline[1]");
    EXPECT_NE(e.value("message", "").find("blur:sigma=200"), std::string::npos) << e.dump();
    EXPECT_NE(e.value("message", "").find("at most 1,000"), std::string::npos) << e.dump();
  }
  // A cheap pipeline still runs.
  EXPECT_EQ(Status(PostProcess(*c, "resize:w=100;blur:sigma=2;format:type=png", photo)), 200u);
}

TEST_F(BoundedWorkTest, SyncPathRefusesPipelinesOverItsBudgetAndPointsToJobs) {
  auto serve = ServeProcess::Start(dir_.path(), {"--workers", "0", "--sync-max-work", "200"});
  ASSERT_TRUE(serve);
  auto c = serve->Client();
  const auto photo = Photo();
  auto r = PostProcess(*c, "blur:sigma=10;format:type=png", photo);
  EXPECT_EQ(Status(r), 422u);
  json e = Body(r)["error"];
  EXPECT_EQ(e.value("code", ""), "over_budget");
  EXPECT_EQ(e.value("field", ""), "pipeline");
  EXPECT_NE(e.value("message", "").find("/v1/jobs"), std::string::npos) << e.dump();
  // The same pipeline is accepted as a job.
  EXPECT_EQ(Status(PostJob(*c, "blur:sigma=10;format:type=png", photo)), 202u);
}

// The scenario: a heavy /v1/process dropped by its client kept the slot busy, and
// every normal request got 429 for minutes.
TEST_F(BoundedWorkTest, ClientDisconnectStopsTheWorkAndFreesTheSlot) {
  auto serve = ServeProcess::Start(dir_.path(),
                                   {"--workers", "0", "--sync-slots", "1", "--sync-wait-ms", "100",
                                    "--sync-max-work", "1000000", "--sync-deadline-ms", "600000"});
  ASSERT_TRUE(serve);
  const auto photo = Photo();
  const auto small = Small();

  asio::io_context ioc;
  asio::ip::tcp::socket heavy(ioc);
  heavy.connect({asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(serve->port())});
  const std::string head = "POST /v1/process?pipeline=" + HttpClient::Encode(HeavyPipeline()) +
                           " HTTP/1.1\r\nHost: t\r\nContent-Type: image/png\r\nContent-Length: " +
                           std::to_string(photo.size()) + "\r\n\r\n";
  asio::write(heavy, asio::buffer(head));
  asio::write(heavy, asio::buffer(photo));

  // While it runs, the one slot is taken.
  auto c = serve->Client();
  ASSERT_TRUE(
      WaitFor([&] { return Status(PostProcess(*c, "resize:w=10;format:type=png", small)) == 429; },
              seconds(20)));

  heavy.close();  // the client gives up
  // The slot is free again within a second or two (generous bound: a loaded CI machine).
  EXPECT_TRUE(
      WaitFor([&] { return Status(PostProcess(*c, "resize:w=10;format:type=png", small)) == 200; },
              seconds(5)));
  // And stays free: the next requests all succeed.
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(Status(PostProcess(*c, "resize:w=10;format:type=png", small)), 200u);
  }
  EXPECT_TRUE(
      WaitFor([&] { return !LogLines(serve->process().Stderr(), "http_client_gone").empty(); },
              seconds(5)));
}

// The ImageFlowCanvas gateway's routes run the engine while their client waits, as
// /v1/process does: a client that goes away stops that work too.
TEST_F(BoundedWorkTest, ImageFlowCanvasFilterStopsWhenItsClientGoesAway) {
  const auto input = EncodeWithOpenCv(MakeTestPattern(1920, 1080, 3), ".jpg");
  std::filesystem::create_directories(dir_.path() / "data" / "blobs" / "imageflow" / "in");
  ASSERT_TRUE(
      WriteFileAtomically(dir_.path() / "data" / "blobs" / "imageflow" / "in" / "big.jpg", input)
          .has_value());
  auto serve =
      ServeProcess::Start(dir_.path(), {"--compat", "imageflow", "--workers", "0", "--sync-slots",
                                        "1", "--sync-wait-ms", "100", "--sync-max-work", "1000000",
                                        "--sync-deadline-ms", "600000"});
  ASSERT_TRUE(serve);
  // Gaussian at intensity 250 is blur:sigma=500: most of a minute of CPU on two megapixels.
  const std::string body = json{
      {"input_image", {{"bucket", "imageflow"}, {"object_key", "in/big.jpg"}}},
      {"filter_type", "FILTER_TYPE_GAUSSIAN"},
      {"intensity", 250},
      {"execution_id", "gone"}}.dump();
  asio::io_context ioc;
  asio::ip::tcp::socket heavy(ioc);
  heavy.connect({asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(serve->port())});
  const std::string request =
      "POST /v1/filter HTTP/1.1\r\nHost: t\r\nContent-Type: "
      "application/json\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body;
  asio::write(heavy, asio::buffer(request));

  auto c = serve->Client();
  const auto small = Small();
  ASSERT_TRUE(
      WaitFor([&] { return Status(PostProcess(*c, "resize:w=10;format:type=png", small)) == 429; },
              seconds(20)));
  heavy.close();
  EXPECT_TRUE(
      WaitFor([&] { return Status(PostProcess(*c, "resize:w=10;format:type=png", small)) == 200; },
              seconds(5)));
  EXPECT_FALSE(
      std::filesystem::exists(dir_.path() / "data" / "blobs" / "imageflow" / "gone_final.jpg"));
}

TEST_F(BoundedWorkTest, SyncRequestOverItsDeadlineAnswers504) {
  auto serve = ServeProcess::Start(
      dir_.path(), {"--workers", "0", "--sync-max-work", "1000000", "--sync-deadline-ms", "1000"});
  ASSERT_TRUE(serve);
  auto c = serve->Client();
  auto r = PostProcess(*c, HeavyPipeline(), Photo());
  EXPECT_EQ(Status(r), 504u);
  EXPECT_EQ(Body(r)["error"].value("code", ""), "deadline_exceeded");
  // The slot is free for the next request.
  EXPECT_EQ(Status(PostProcess(*c, "resize:w=10;format:type=png", Small())), 200u);
}

// A running job cancelled mid-blur: its worker stops and takes the next job at once.
TEST_F(BoundedWorkTest, CancellingARunningJobFreesItsWorker) {
  auto serve = ServeProcess::Start(dir_.path(), {"--workers", "1"});
  ASSERT_TRUE(serve);
  auto c = serve->Client();
  auto heavy = PostJob(*c, HeavyPipeline(), Photo());
  ASSERT_EQ(Status(heavy), 202u);
  const std::string heavy_id = Body(heavy).value("id", "");
  ASSERT_TRUE(WaitFor([&] { return JobState(*c, heavy_id) == "running"; }, seconds(20)));

  auto next = PostJob(*c, "resize:w=10;format:type=png", Small());
  ASSERT_EQ(Status(next), 202u);
  const std::string next_id = Body(next).value("id", "");
  std::this_thread::sleep_for(milliseconds(500));
  EXPECT_EQ(JobState(*c, next_id), "queued");  // the one worker is busy

  auto cancelled = c->Send({.method = "DELETE", .target = "/v1/jobs/" + heavy_id});
  ASSERT_EQ(Status(cancelled), 200u);
  EXPECT_EQ(Body(cancelled).value("state", ""), "cancelled");
  // The worker leaves the blur and runs the next job: about a second (generous bound).
  EXPECT_TRUE(WaitFor([&] { return JobState(*c, next_id) == "succeeded"; }, seconds(5)));
  EXPECT_EQ(JobState(*c, heavy_id), "cancelled");
}

TEST_F(BoundedWorkTest, JobOverItsDeadlineEndsDeadWithATypedError) {
  auto serve = ServeProcess::Start(dir_.path(), {"--workers", "1", "--job-deadline-ms", "1000"});
  ASSERT_TRUE(serve);
  auto c = serve->Client();
  auto heavy = PostJob(*c, HeavyPipeline(), Photo());
  ASSERT_EQ(Status(heavy), 202u);
  const std::string id = Body(heavy).value("id", "");
  ASSERT_TRUE(WaitFor([&] { return JobState(*c, id) == "dead"; }, seconds(15)));
  json job = Body(c->Get("/v1/jobs/" + id));
  EXPECT_EQ(job["error"].value("code", ""), "deadline_exceeded") << job.dump();
  // Not retried: one attempt.
  EXPECT_EQ(job.value("attempts", 0), 1) << job.dump();
  // The worker is free.
  auto next = PostJob(*c, "resize:w=10;format:type=png", Small());
  ASSERT_EQ(Status(next), 202u);
  EXPECT_TRUE(WaitFor([&] { return JobState(*c, Body(next).value("id", "")) == "succeeded"; },
                      seconds(10)));
}

}  // namespace
}  // namespace tessera::testing
