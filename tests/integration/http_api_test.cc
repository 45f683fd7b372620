// The native HTTP API of a real `tessera serve` process, driven over loopback: every route,
// every error path with its status and typed error, API keys, backpressure (429 and 503),
// request ids that follow a job into the worker's log, metrics, keep-alive and the OpenAPI
// document checked against the routes actually served.
#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "api/http/client.h"
#include "core/file_io.h"
#include "engine/engine.h"
#include "support/image_testing.h"
#include "support/serve_process.h"
#include "support/subprocess.h"
#include "support/temp_dir.h"

namespace tessera::testing {
namespace {

using api::http::ClientRequest;
using api::http::ClientResponse;
using api::http::HttpClient;
using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

std::vector<uint8_t> Photo(int w = 320, int h = 200) {
  return EncodeWithOpenCv(MakeTestPattern(w, h, 3), ".jpg");
}

ClientResponse Must(Result<ClientResponse> r) {
  EXPECT_TRUE(r.has_value()) << r.error().ToString();
  return r ? *r : ClientResponse{};
}

ClientResponse Post(HttpClient& c, const std::string& target, std::span<const uint8_t> body,
                    std::vector<std::pair<std::string, std::string>> headers = {}) {
  return Must(c.Send({.method = "POST", .target = target, .headers = headers, .body = body}));
}

ClientResponse Send(HttpClient& c, const std::string& method, const std::string& target) {
  return Must(c.Send({.method = method, .target = target}));
}

json ErrorOf(const ClientResponse& r) {
  auto j = json::parse(r.text(), nullptr, false);
  if (!j.is_object() || !j.contains("error")) {
    ADD_FAILURE() << "not an error body: " << r.text();
    return json::object();
  }
  return j["error"];
}

std::string Multipart(const std::string& boundary,
                      const std::vector<std::tuple<std::string, std::string, std::string>>& parts,
                      std::span<const uint8_t> image = {}) {
  // parts: (name, content_type, data); a part named "image" with empty data takes `image`.
  std::string body;
  for (const auto& [name, type, data] : parts) {
    body += "--" + boundary + "\r\n";
    body += "Content-Disposition: form-data; name=\"" + name + "\"";
    if (name == "image" || name == "file") body += "; filename=\"../../etc/passwd\"";
    body += "\r\n";
    if (!type.empty()) body += "Content-Type: " + type + "\r\n";
    body += "\r\n";
    if ((name == "image" || name == "file") && data.empty()) {
      body.append(reinterpret_cast<const char*>(image.data()), image.size());
    } else {
      body += data;
    }
    body += "\r\n";
  }
  body += "--" + boundary + "--\r\n";
  return body;
}

std::span<const uint8_t> Bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

json WaitForJob(HttpClient& c, const std::string& id) {
  json job;
  bool done = WaitFor(
      [&] {
        auto r = Send(c, "GET", "/v1/jobs/" + id);
        job = json::parse(r.text(), nullptr, false);
        std::string s = job.is_object() ? job.value("state", "") : "";
        return s == "succeeded" || s == "dead" || s == "cancelled";
      },
      seconds(30));
  EXPECT_TRUE(done) << job.dump();
  return job;
}

class HttpApiTest : public ::testing::Test {
 protected:
  std::unique_ptr<ServeProcess> Serve(std::vector<std::string> extra = {}) {
    auto s = ServeProcess::Start(dir_.path(), extra);
    EXPECT_NE(s, nullptr);
    return s;
  }
  TempDir dir_;
};

TEST_F(HttpApiTest, ProcessRawBodyMatchesTheEngine) {
  auto serve = Serve();
  ASSERT_TRUE(serve);
  auto client = serve->Client();
  auto photo = Photo();
  const std::string pipeline = "resize:w=100;sharpen;format:type=webp,q=70";
  auto r = Post(*client, "/v1/process?pipeline=" + HttpClient::Encode(pipeline), photo);
  ASSERT_EQ(r.status, 200u) << r.text();
  EXPECT_EQ(r.header("content-type"), "image/webp");
  EXPECT_EQ(r.header("x-image-width"), "100");
  EXPECT_EQ(r.header("x-image-height"), "63");
  EXPECT_FALSE(r.header("x-processing-time-ms").empty());
  EXPECT_FALSE(r.header("x-request-id").empty());
  EXPECT_EQ(r.body, EngineOutput(photo, pipeline));
}

TEST_F(HttpApiTest, ProcessMultipartTakesThePipelineFromAFieldOrAJsonPart) {
  auto serve = Serve();
  ASSERT_TRUE(serve);
  auto client = serve->Client();
  auto photo = Photo();
  const std::string b = "----tessera-boundary-7";
  const std::vector<std::pair<std::string, std::string>> type = {
      {"Content-Type", "multipart/form-data; boundary=" + b}};

  auto field =
      Multipart(b, {{"pipeline", "", "blur:sigma=1.5"}, {"image", "image/jpeg", ""}}, photo);
  auto r = Post(*client, "/v1/process", Bytes(field), type);
  ASSERT_EQ(r.status, 200u) << r.text();
  EXPECT_EQ(r.body, EngineOutput(photo, "blur:sigma=1.5"));

  auto json_part = Multipart(
      b,
      {{"file", "application/octet-stream", ""},
       {"options", "application/json",
        R"({"pipeline":[{"op":"crop","x":10,"y":5,"w":50,"h":40},{"op":"format","type":"png"}]})"}},
      photo);
  r = Post(*client, "/v1/process", Bytes(json_part), type);
  ASSERT_EQ(r.status, 200u) << r.text();
  EXPECT_EQ(r.header("content-type"), "image/png");
  EXPECT_EQ(r.body, EngineOutput(photo, "crop:x=10,y=5,w=50,h=40;format:type=png"));

  // curl, a different client, with its own multipart encoder.
  auto path = dir_.path() / "photo.jpg";
  ASSERT_TRUE(WriteFileAtomically(path, photo).has_value());
  auto out = dir_.path() / "curl-out.jpg";
  auto curl = RunProcess({"/usr/bin/curl", "-s", "-o", out.string(), "-w", "%{http_code}", "-F",
                          "image=@" + path.string(), "-F", "pipeline=grayscale",
                          serve->url() + "/v1/process"});
  EXPECT_EQ(curl.out, "200") << curl.err;
  auto got = ReadFile(out);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(*got, EngineOutput(photo, "grayscale"));
}

TEST_F(HttpApiTest, EveryBadInputGetsItsStatusAndATypedError) {
  auto serve =
      Serve({"--max-upload-bytes", "200000", "--sync-max-pixels", "50000", "--workers", "0"});
  ASSERT_TRUE(serve);
  auto client = serve->Client();
  auto photo = Photo();

  auto r = Post(*client, "/v1/process?pipeline=blur:sigma=0", photo);
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(ErrorOf(r).value("code", ""), "bad_pipeline");
  EXPECT_EQ(ErrorOf(r).value("field", ""), "blur.sigma");

  r = Post(*client, "/v1/process?pipeline=spin:deg=3", photo);
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(ErrorOf(r).value("code", ""), "bad_pipeline");

  r = Post(*client, "/v1/process", photo);
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(ErrorOf(r).value("field", ""), "pipeline");

  std::string junk = "GIF89a? not really an image at all";
  r = Post(*client, "/v1/process?pipeline=invert", Bytes("this is text, not an image"));
  EXPECT_EQ(r.status, 415u);
  EXPECT_EQ(ErrorOf(r).value("code", ""), "unsupported_media");
  // A JPEG Content-Type does not make text an image: content is sniffed.
  r = Post(*client, "/v1/process?pipeline=invert", Bytes("plain text"),
           {{"Content-Type", "image/jpeg"}});
  EXPECT_EQ(r.status, 415u);
  // GIF magic bytes make it a GIF (content is sniffed), whose header then cannot be read.
  r = Post(*client, "/v1/process?pipeline=invert", Bytes(junk));
  EXPECT_EQ(r.status, 422u) << r.text();
  EXPECT_EQ(ErrorOf(r).value("code", ""), "corrupt_image");
  EXPECT_EQ(ErrorOf(r).value("field", ""), "image");

  r = Post(*client, "/v1/process?pipeline=invert", Photo(400, 300));  // 120,000 px > 50,000
  EXPECT_EQ(r.status, 422u);
  EXPECT_EQ(ErrorOf(r).value("code", ""), "too_many_pixels");
  // The message names the flag of the limit that refused it (issue 17).
  EXPECT_NE(ErrorOf(r).value("message", "").find("(--sync-max-pixels)"), std::string::npos)
      << r.text();

  std::vector<uint8_t> big(300000, 0xff);
  r = Post(*client, "/v1/process?pipeline=invert", big);
  EXPECT_EQ(r.status, 413u);
  EXPECT_EQ(ErrorOf(r).value("code", ""), "too_large");

  r = Send(*client, "GET", "/v1/jobs/01ARZ3NDEKTSV4RRFFQ69G5FAV");
  EXPECT_EQ(r.status, 404u);
  EXPECT_EQ(ErrorOf(r).value("field", ""), "id");
  for (const char* target : {"/v1/jobs/01ARZ3NDEKTSV4RRFFQ69G5FAV/result",
                             "/v1/jobs/..%2F..%2Fetc%2Fpasswd", "/v1/jobs/%00"}) {
    r = Send(*client, "GET", target);
    EXPECT_EQ(r.status, 404u) << target;
  }
  r = Send(*client, "DELETE", "/v1/jobs/01ARZ3NDEKTSV4RRFFQ69G5FAV");
  EXPECT_EQ(r.status, 404u);
  r = Send(*client, "POST", "/v1/jobs/01ARZ3NDEKTSV4RRFFQ69G5FAV/retry");
  EXPECT_EQ(r.status, 404u);

  r = Send(*client, "PUT", "/v1/process");
  EXPECT_EQ(r.status, 405u);
  EXPECT_EQ(r.header("allow"), "POST");
  EXPECT_EQ(ErrorOf(r).value("code", ""), "method_not_allowed");
  EXPECT_EQ(ErrorOf(r).value("field", ""), "method");
  r = Send(*client, "GET", "/no/such/route");
  EXPECT_EQ(r.status, 404u);
  EXPECT_EQ(ErrorOf(r).value("field", ""), "path");

  const std::vector<std::pair<std::string, std::string>> multipart = {
      {"Content-Type", "multipart/form-data; boundary=xyz"}};
  r = Post(*client, "/v1/process?pipeline=invert", Bytes("--xyz\r\ngarbage"), multipart);
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(ErrorOf(r).value("field", ""), "body");
  r = Post(*client, "/v1/process?pipeline=invert",
           Bytes(Multipart("xyz", {{"pipeline", "", "invert"}})), multipart);
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(ErrorOf(r).value("field", ""), "image");
  r = Post(*client, "/v1/process?pipeline=invert", Bytes("x"),
           {{"Content-Type", "multipart/form-data"}});
  EXPECT_EQ(r.status, 400u);

  r = Post(*client, "/v1/jobs?pipeline=invert&priority=urgent", Photo(100, 100));
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(ErrorOf(r).value("field", ""), "priority");
  r = Send(*client, "GET", "/v1/jobs?limit=0");
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(ErrorOf(r).value("field", ""), "limit");
  r = Send(*client, "GET", "/v1/jobs?state=sleeping");
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(ErrorOf(r).value("field", ""), "state");

  // The server is still healthy after all of that.
  r = Send(*client, "GET", "/healthz");
  EXPECT_EQ(r.status, 200u);
}

// A declared body over the limit is refused from the headers alone: the server answers 413
// without waiting for (or reading) the body, and closes the connection.
TEST_F(HttpApiTest, OversizedBodyIsRefusedBeforeItIsRead) {
  auto serve = Serve({"--max-upload-bytes", "100000"});
  ASSERT_TRUE(serve);
  namespace asio = boost::asio;
  asio::io_context ioc;
  asio::ip::tcp::socket socket(ioc);
  socket.connect({asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(serve->port())});
  std::string head =
      "POST /v1/process?pipeline=invert HTTP/1.1\r\nHost: x\r\nContent-Length: 50000000\r\n\r\n";
  asio::write(socket, asio::buffer(head));
  std::string response;
  boost::system::error_code ec;
  char buf[4096];
  for (;;) {
    size_t n = socket.read_some(asio::buffer(buf), ec);
    if (ec) break;
    response.append(buf, n);
  }
  EXPECT_NE(response.find("HTTP/1.1 413"), std::string::npos) << response;
  EXPECT_NE(response.find("too_large"), std::string::npos);
  // The message names the flag that sets the limit (issue 17).
  EXPECT_NE(response.find("(--max-upload-bytes)"), std::string::npos) << response;

  // A client that sends its whole body anyway (no Expect: 100-continue) still reads the 413:
  // the server drains the refused body before closing instead of resetting the connection.
  auto client = serve->Client();
  std::vector<uint8_t> huge(8 << 20, 0x42);
  auto refused =
      client->Send({.method = "POST", .target = "/v1/process?pipeline=invert", .body = huge});
  ASSERT_TRUE(refused.has_value()) << refused.error().ToString();
  EXPECT_EQ(refused->status, 413u);

  // Chunked bodies have no declared length: the limit stops them while reading.
  auto path = dir_.path() / "big.bin";
  ASSERT_TRUE(WriteFileAtomically(path, std::vector<uint8_t>(500000, 7)).has_value());
  auto curl = RunProcess({"/usr/bin/curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-H",
                          "Transfer-Encoding: chunked", "--data-binary", "@" + path.string(),
                          serve->url() + "/v1/process?pipeline=invert"});
  EXPECT_EQ(curl.out, "413");
}

TEST_F(HttpApiTest, JobLifecycleOverHttp) {
  auto serve = Serve({"--workers", "2"});
  ASSERT_TRUE(serve);
  auto client = serve->Client();
  auto photo = Photo();
  const std::string pipeline = "thumbnail:w=64;format:type=png";
  auto r = Post(*client, "/v1/jobs?priority=high&pipeline=" + HttpClient::Encode(pipeline), photo,
                {{"Idempotency-Key", "upload-42"}});
  ASSERT_EQ(r.status, 202u) << r.text();
  auto job = json::parse(r.text());
  std::string id = job["id"];
  EXPECT_EQ(r.header("location"), "/v1/jobs/" + id);
  EXPECT_EQ(job["priority"], "high");

  // Same key: the same job, nothing new.
  r = Post(*client, "/v1/jobs?pipeline=" + HttpClient::Encode(pipeline), photo,
           {{"Idempotency-Key", "upload-42"}});
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(json::parse(r.text())["id"], id);

  // Same key, different request (issue 17): refused, never the earlier job.
  r = Post(*client, "/v1/jobs?pipeline=invert", photo, {{"Idempotency-Key", "upload-42"}});
  EXPECT_EQ(r.status, 422u) << r.text();
  EXPECT_EQ(ErrorOf(r).value("code", ""), "idempotency_key_reused");
  EXPECT_EQ(ErrorOf(r).value("field", ""), "Idempotency-Key");
  EXPECT_NE(ErrorOf(r).value("message", "").find(id), std::string::npos) << r.text();
  r = Post(*client, "/v1/jobs?pipeline=" + HttpClient::Encode(pipeline), Photo(64, 48),
           {{"Idempotency-Key", "upload-42"}});
  EXPECT_EQ(r.status, 422u) << r.text();
  EXPECT_EQ(ErrorOf(r).value("code", ""), "idempotency_key_reused");

  job = WaitForJob(*client, id);
  EXPECT_EQ(job["state"], "succeeded");
  EXPECT_EQ(job["attempts"], 1);
  EXPECT_FALSE(job["started_at"].is_null());
  EXPECT_FALSE(job["finished_at"].is_null());
  r = Send(*client, "GET", "/v1/jobs/" + id + "/result");
  ASSERT_EQ(r.status, 200u);
  EXPECT_EQ(r.header("content-type"), "image/png");
  EXPECT_EQ(r.body, EngineOutput(photo, pipeline));

  // Finished jobs cannot be cancelled or retried.
  EXPECT_EQ(Send(*client, "DELETE", "/v1/jobs/" + id).status, 409u);
  EXPECT_EQ(Send(*client, "POST", "/v1/jobs/" + id + "/retry").status, 409u);

  r = Send(*client, "GET", "/v1/jobs?state=succeeded&limit=10");
  ASSERT_EQ(r.status, 200u);
  auto page = json::parse(r.text());
  ASSERT_EQ(page["jobs"].size(), 1u);
  EXPECT_EQ(page["jobs"][0]["id"], id);

  r = Send(*client, "GET", "/v1/stats");
  ASSERT_EQ(r.status, 200u);
  auto stats = json::parse(r.text());
  EXPECT_EQ(stats["jobs"]["succeeded"], 1);
  EXPECT_EQ(stats["workers"]["live"], 1);

  r = Send(*client, "GET", "/v1/workers");
  ASSERT_EQ(r.status, 200u);
  auto workers = json::parse(r.text());
  ASSERT_EQ(workers.size(), 1u);
  EXPECT_EQ(workers[0]["threads"], 2);
  // "core", the Django pipeline's five filters (WORKER_CAPABILITIES unset means all), and
  // "detect" (opencv-data's face cascade is installed).
  EXPECT_EQ(workers[0]["capabilities"],
            json::array({"core", "filter.resize", "filter.blur", "filter.brightness",
                         "filter.sharpen", "filter.edges", "detect"}));

  r = Send(*client, "GET", "/v1/ops");
  ASSERT_EQ(r.status, 200u);
  EXPECT_NE(r.text().find("\"blur\""), std::string::npos);
}

TEST_F(HttpApiTest, JobsCanAskForTiledProcessing) {
  auto serve = Serve({"--workers", "2", "--tile-size", "64"});
  ASSERT_TRUE(serve);
  auto client = serve->Client();
  auto photo = Photo(300, 170);
  const std::string pipeline = "blur:sigma=2;format:type=png";
  auto r = Post(*client, "/v1/jobs?tiles=on&pipeline=" + HttpClient::Encode(pipeline), photo);
  ASSERT_EQ(r.status, 202u) << r.text();
  std::string id = json::parse(r.text())["id"];
  auto job = WaitForJob(*client, id);
  ASSERT_EQ(job["state"], "succeeded") << job.dump();
  EXPECT_EQ(job["tiles"], "on");
  EXPECT_EQ(job["progress"]["total"], 15);  // 5 x 3 tiles of 64 px
  EXPECT_EQ(job["progress"]["done"], 15);
  EXPECT_NE(job["execution"].get<std::string>().find("tiled"), std::string::npos) << job.dump();
  r = Send(*client, "GET", "/v1/jobs/" + id + "/result");
  ASSERT_EQ(r.status, 200u);
  EXPECT_EQ(r.body, EngineOutput(photo, pipeline));  // exactly the whole-image result

  r = Post(*client, "/v1/jobs?tiles=sometimes&pipeline=invert", photo);
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(ErrorOf(r).value("field", ""), "tiles");
}

TEST_F(HttpApiTest, CancelAndRetryAQueuedJob) {
  auto serve = Serve({"--workers", "0"});
  ASSERT_TRUE(serve);
  auto client = serve->Client();
  auto r = Post(*client, "/v1/jobs?pipeline=invert", Photo(64, 64));
  ASSERT_EQ(r.status, 202u);
  std::string id = json::parse(r.text())["id"];
  r = Send(*client, "GET", "/v1/jobs/" + id);
  EXPECT_EQ(json::parse(r.text())["state"], "queued");
  // No live worker has "core": the job says what it waits for.
  EXPECT_EQ(json::parse(r.text())["waiting_for"], json::array({"core"}));
  EXPECT_EQ(Send(*client, "GET", "/v1/jobs/" + id + "/result").status, 409u);
  r = Send(*client, "DELETE", "/v1/jobs/" + id);
  ASSERT_EQ(r.status, 200u) << r.text();
  EXPECT_EQ(json::parse(r.text())["state"], "cancelled");
  r = Send(*client, "POST", "/v1/jobs/" + id + "/retry");
  ASSERT_EQ(r.status, 202u) << r.text();
  EXPECT_EQ(json::parse(r.text())["state"], "queued");
}

TEST_F(HttpApiTest, ApiKeysGuardTheApiButNotHealth) {
  auto serve = Serve({"--api-keys", "k-one,k-two"});
  ASSERT_TRUE(serve);
  auto client = serve->Client();
  auto r = Send(*client, "GET", "/v1/stats");
  EXPECT_EQ(r.status, 401u);
  EXPECT_EQ(r.header("www-authenticate"), "Bearer");
  EXPECT_EQ(ErrorOf(r).value("code", ""), "unauthorized");
  r = Must(client->Send({.target = "/v1/stats", .headers = {{"Authorization", "Bearer k-one-x"}}}));
  EXPECT_EQ(r.status, 401u);
  r = Must(client->Send({.target = "/v1/stats", .headers = {{"Authorization", "Bearer k-two"}}}));
  EXPECT_EQ(r.status, 200u);
  r = Must(client->Send({.target = "/v1/stats", .headers = {{"Authorization", "bearer k-one"}}}));
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(Send(*client, "GET", "/healthz").status, 200u);
  EXPECT_EQ(Send(*client, "GET", "/readyz").status, 200u);
  EXPECT_EQ(Send(*client, "GET", "/metrics").status, 200u);
  // Without the key, an upload is refused before its body is read.
  r = Post(*client, "/v1/process?pipeline=invert", Photo());
  EXPECT_EQ(r.status, 401u);

  auto guarded = ServeProcess::Start(dir_.path() / "guarded",
                                     {"--api-keys", "k", "--protect-health", "--protect-metrics"});
  ASSERT_TRUE(guarded);
  auto c2 = guarded->Client();
  EXPECT_EQ(Send(*c2, "GET", "/healthz").status, 401u);
  EXPECT_EQ(Send(*c2, "GET", "/metrics").status, 401u);
}

TEST_F(HttpApiTest, AFullQueueAnswers503WithRetryAfter) {
  auto serve = Serve({"--workers", "0", "--queue-depth-limit", "2"});
  ASSERT_TRUE(serve);
  auto client = serve->Client();
  auto photo = Photo(64, 64);
  EXPECT_EQ(Post(*client, "/v1/jobs?pipeline=invert", photo).status, 202u);
  EXPECT_EQ(Post(*client, "/v1/jobs?pipeline=invert", photo).status, 202u);
  auto r = Post(*client, "/v1/jobs?pipeline=invert", photo);
  EXPECT_EQ(r.status, 503u);
  EXPECT_EQ(ErrorOf(r).value("code", ""), "unavailable");
  EXPECT_FALSE(r.header("retry-after").empty());
}

TEST_F(HttpApiTest, BusySyncSlotsAnswer429WithRetryAfter) {
  auto serve = Serve({"--sync-slots", "1", "--sync-wait-ms", "5", "--workers", "0"});
  ASSERT_TRUE(serve);
  auto heavy = EncodeWithOpenCv(MakeTestPattern(1600, 1200, 3), ".png");
  std::vector<unsigned> statuses(8);
  std::vector<std::string> retry_after(8);
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      HttpClient c("127.0.0.1", serve->port());
      auto r = c.Send({.method = "POST",
                       .target = "/v1/process?pipeline=blur:sigma=6;format:type=jpeg",
                       .body = heavy});
      statuses[i] = r ? r->status : 0;
      retry_after[i] = r ? r->header("retry-after") : "";
    });
  }
  for (auto& t : threads) t.join();
  int ok = 0, busy = 0;
  for (int i = 0; i < 8; ++i) {
    EXPECT_TRUE(statuses[i] == 200 || statuses[i] == 429) << statuses[i];
    if (statuses[i] == 200) ++ok;
    if (statuses[i] == 429) {
      ++busy;
      EXPECT_EQ(retry_after[i], "1");
    }
  }
  EXPECT_GE(ok, 1);
  EXPECT_GE(busy, 1);
}

TEST_F(HttpApiTest, RequestIdFollowsTheJobIntoTheWorkerLog) {
  auto serve = Serve({"--workers", "1"});
  ASSERT_TRUE(serve);
  auto client = serve->Client();
  auto r = Post(*client, "/v1/jobs?pipeline=invert", Photo(64, 64),
                {{"X-Request-Id", "req-follow-me-123"}});
  ASSERT_EQ(r.status, 202u);
  EXPECT_EQ(r.header("x-request-id"), "req-follow-me-123");
  std::string id = json::parse(r.text())["id"];
  EXPECT_EQ(json::parse(r.text())["request_id"], "req-follow-me-123");
  EXPECT_EQ(WaitForJob(*client, id)["state"], "succeeded");
  bool logged = WaitFor(
      [&] {
        for (const auto& line : LogLines(serve->process().Stderr(), "job_succeeded")) {
          auto j = json::parse(line);
          if (j.value("job_id", "") == id) return j.value("request_id", "") == "req-follow-me-123";
        }
        return false;
      },
      seconds(5));
  EXPECT_TRUE(logged) << serve->process().Stderr();
  bool request_logged = false;
  for (const auto& line : LogLines(serve->process().Stderr(), "http_request")) {
    auto j = json::parse(line);
    if (j.value("request_id", "") == "req-follow-me-123") {
      request_logged = true;
      EXPECT_EQ(j.value("route", ""), "/v1/jobs");
      EXPECT_EQ(j.value("status", ""), "202");
    }
  }
  EXPECT_TRUE(request_logged);
  // An unsafe id is replaced by one the server makes.
  r = Must(client->Send({.target = "/healthz", .headers = {{"X-Request-Id", "bad id\"{}"}}}));
  EXPECT_EQ(r.header("x-request-id").size(), 26u);
}

TEST_F(HttpApiTest, MetricsCountRequestsAndShowTheQueue) {
  auto serve = Serve({"--workers", "0"});
  ASSERT_TRUE(serve);
  auto client = serve->Client();
  auto photo = Photo(64, 64);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(Post(*client, "/v1/process?pipeline=invert", photo).status, 200u);
  }
  EXPECT_EQ(Post(*client, "/v1/jobs?pipeline=invert", photo).status, 202u);
  EXPECT_EQ(Send(*client, "GET", "/nowhere").status, 404u);
  auto r = Send(*client, "GET", "/metrics");
  ASSERT_EQ(r.status, 200u);
  EXPECT_EQ(r.header("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  std::string m = r.text();
  EXPECT_NE(
      m.find(R"(tessera_http_requests_total{method="POST",route="/v1/process",status="200"} 3)"),
      std::string::npos)
      << m;
  EXPECT_NE(m.find(R"(tessera_http_requests_total{method="GET",route="unmatched",status="404"} 1)"),
            std::string::npos);
  EXPECT_NE(m.find(R"(tessera_queue_depth{priority="normal",state="ready"} 1)"), std::string::npos);
  EXPECT_NE(m.find(R"(tessera_jobs{state="queued"} 1)"), std::string::npos);
  EXPECT_NE(m.find(R"(tessera_engine_seconds_count{op="invert"} 3)"), std::string::npos);
  // invert is a per-sample table: the stages are libvips (decode), the table and the encoder.
  for (const char* stage : {"libvips", "point_table", "encode"}) {
    EXPECT_NE(m.find(std::string("tessera_engine_stage_seconds_count{stage=\"") + stage + "\"} 3"),
              std::string::npos)
        << stage;
  }
  EXPECT_NE(m.find("tessera_http_request_duration_seconds_bucket"), std::string::npos);
  EXPECT_NE(m.find("tessera_http_in_flight_requests 1"), std::string::npos);  // this scrape
  EXPECT_NE(m.find("tessera_workers 0"), std::string::npos);
  EXPECT_NE(m.find("tessera_queue_dead_letters 0"), std::string::npos);
}

TEST_F(HttpApiTest, BodiesBeyondTheInFlightBudgetAre503BeforeBeingRead) {
  auto serve = Serve({"--max-body-bytes-in-flight", "4000", "--workers", "0"});
  ASSERT_TRUE(serve);
  auto client = serve->Client();
  auto r = Post(*client, "/v1/process?pipeline=invert", std::vector<uint8_t>(5000, 1));
  EXPECT_EQ(r.status, 503u);
  EXPECT_EQ(ErrorOf(r).value("code", ""), "unavailable");
  EXPECT_FALSE(r.header("retry-after").empty());
  // A body that fits is read as usual (and the budget was given back).
  auto small = EncodeWithOpenCv(MakeTestPattern(8, 8, 3), ".png");
  ASSERT_LT(small.size(), 4000u);
  r = Post(*client, "/v1/process?pipeline=invert", small);
  EXPECT_EQ(r.status, 200u) << r.text();
  r = Post(*client, "/v1/process?pipeline=invert", small);
  EXPECT_EQ(r.status, 200u) << r.text();
}

// What a raw socket reads after sending `request` (and nothing more) until the server closes.
std::string ExchangeRaw(int port, const std::string& request) {
  namespace asio = boost::asio;
  asio::io_context ioc;
  asio::ip::tcp::socket socket(ioc);
  socket.connect({asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)});
  asio::write(socket, asio::buffer(request));
  std::string response;
  char buf[65536];
  boost::system::error_code ec;
  while (!ec) {
    size_t n = socket.read_some(asio::buffer(buf), ec);
    response.append(buf, n);
  }
  return response;
}

json ErrorOfRaw(const std::string& response) {
  const size_t body = response.find("\r\n\r\n");
  auto j = json::parse(body == std::string::npos ? "" : response.substr(body + 4), nullptr, false);
  return j.is_object() && j.contains("error") ? j["error"] : json::object();
}

// The server's own refusals of a request that never reached a route have codes of their own.
TEST_F(HttpApiTest, OversizedHeadersAre431AndASlowBodyIs408) {
  auto serve = Serve({"--body-timeout-ms", "300"});
  ASSERT_TRUE(serve);
  const std::string huge_header =
      "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20000, 'a') + "\r\n\r\n";
  std::string response = ExchangeRaw(serve->port(), huge_header);
  EXPECT_EQ(response.rfind("HTTP/1.1 431 ", 0), 0u) << response.substr(0, 200);
  EXPECT_EQ(ErrorOfRaw(response).value("code", ""), "headers_too_large") << response;
  EXPECT_EQ(ErrorOfRaw(response).value("field", ""), "headers");

  // Declares 1000 bytes, sends 10, then waits past the body timeout.
  const std::string slow_body =
      "POST /v1/process?pipeline=invert HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n"
      "0123456789";
  response = ExchangeRaw(serve->port(), slow_body);
  EXPECT_EQ(response.rfind("HTTP/1.1 408 ", 0), 0u) << response.substr(0, 200);
  EXPECT_EQ(ErrorOfRaw(response).value("code", ""), "request_timeout") << response;
  EXPECT_NE(ErrorOfRaw(response).value("message", "").find("300 ms"), std::string::npos)
      << response;

  // The server is still serving.
  auto client = serve->Client();
  EXPECT_EQ(Send(*client, "GET", "/healthz").status, 200u);
}

// Two requests on one TCP connection: keep-alive works and responses stay in order.
TEST_F(HttpApiTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  auto serve = Serve();
  ASSERT_TRUE(serve);
  namespace asio = boost::asio;
  asio::io_context ioc;
  asio::ip::tcp::socket socket(ioc);
  socket.connect({asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(serve->port())});
  std::string two =
      "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Request-Id: first\r\n\r\n"
      "GET /v1/ops HTTP/1.1\r\nHost: x\r\nX-Request-Id: second\r\n\r\n";
  asio::write(socket, asio::buffer(two));
  std::string response;
  char buf[65536];
  boost::system::error_code ec;
  WaitFor(
      [&] {
        size_t n = socket.read_some(asio::buffer(buf), ec);
        if (!ec) response.append(buf, n);
        return ec || response.find("X-Request-Id: second") != std::string::npos;
      },
      seconds(5));
  size_t first = response.find("X-Request-Id: first");
  size_t second = response.find("X-Request-Id: second");
  ASSERT_NE(first, std::string::npos) << response;
  ASSERT_NE(second, std::string::npos) << response;
  EXPECT_LT(first, second);
  EXPECT_EQ(response.find("Connection: close"), std::string::npos);
}

// Every operation in /openapi.json is served (no route-miss 404 or 405), and every route the
// server answers appears in it.
TEST_F(HttpApiTest, OpenApiDocumentMatchesTheServedRoutes) {
  auto serve = Serve({"--workers", "0"});
  ASSERT_TRUE(serve);
  auto client = serve->Client();
  auto r = Send(*client, "GET", "/openapi.json");
  ASSERT_EQ(r.status, 200u);
  auto doc = json::parse(r.text());
  EXPECT_EQ(doc["openapi"], "3.0.3");
  std::set<std::string> documented;
  for (const auto& [path, item] : doc["paths"].items()) {
    for (const auto& [method, op] : item.items()) {
      EXPECT_TRUE(op.contains("responses")) << method << " " << path;
      EXPECT_TRUE(op.contains("summary")) << method << " " << path;
      std::string upper = method;
      for (char& c : upper) c = static_cast<char>(std::toupper(c));
      documented.insert(upper + " " + path);
      std::string concrete = path;
      auto brace = concrete.find("{id}");
      if (brace != std::string::npos) concrete.replace(brace, 4, "01ARZ3NDEKTSV4RRFFQ69G5FAV");
      auto got = Send(*client, upper, concrete);
      bool route_miss =
          got.status == 405 ||
          (got.status == 404 && got.text().find("\"field\":\"path\"") != std::string::npos);
      EXPECT_FALSE(route_miss) << upper << " " << concrete << " -> " << got.status;
    }
  }
  for (const char* expected :
       {"POST /v1/process", "POST /v1/jobs", "GET /v1/jobs", "GET /v1/jobs/{id}",
        "DELETE /v1/jobs/{id}", "GET /v1/jobs/{id}/result", "POST /v1/jobs/{id}/retry",
        "GET /v1/ops", "GET /v1/workers", "GET /v1/stats", "GET /healthz", "GET /readyz",
        "GET /metrics", "GET /openapi.json"}) {
    EXPECT_TRUE(documented.count(expected)) << expected;
  }
  // Routes not in the document are not served.
  EXPECT_EQ(Send(*client, "GET", "/v1/jobs/x/y/z").status, 404u);
}

}  // namespace
}  // namespace tessera::testing
