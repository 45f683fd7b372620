// `tessera serve` under the conditions production brings: 200 uploads at once, SIGTERM with
// requests in flight, a restart with jobs still queued, and slow or idle clients holding
// connections. Real processes, real HTTP over loopback.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <boost/asio.hpp>
#include <nlohmann/json.hpp>
#include <thread>

#include "api/http/client.h"
#include "core/file_io.h"
#include "engine/engine.h"
#include "support/image_testing.h"
#include "support/redis_server.h"
#include "support/serve_process.h"
#include "support/subprocess.h"
#include "support/temp_dir.h"

namespace tessera::testing {
namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using api::http::HttpClient;
using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

std::vector<uint8_t> Input(int i) {
  return EncodeWithOpenCv(MakeTestPattern(90 + i, 70, 3), ".png");
}

std::string State(HttpClient& c, const std::string& id) {
  auto r = c.Get("/v1/jobs/" + id);
  if (!r || r->status != 200) return "";
  return json::parse(r->text()).value("state", "");
}

class HttpRobustnessTest : public ::testing::Test {
 protected:
  TempDir dir_;
};

TEST_F(HttpRobustnessTest, TwoHundredParallelUploadsAllGetCorrectResults) {
  auto serve = ServeProcess::Start(
      dir_.path(), {"--workers", "2", "--sync-wait-ms", "60000", "--handler-threads", "64"});
  ASSERT_TRUE(serve);
  constexpr int kClients = 200;
  std::vector<std::vector<uint8_t>> inputs;
  for (int i = 0; i < kClients; ++i) inputs.push_back(Input(i % 40));
  const std::string sync_pipeline = "resize:w=40;format:type=png";
  const std::string job_pipeline = "invert;format:type=png";

  std::vector<std::vector<uint8_t>> sync_out(kClients);
  std::vector<unsigned> sync_status(kClients), job_status(kClients);
  std::vector<std::string> job_ids(kClients);
  std::atomic<int> ready{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&, i] {
      HttpClient c("127.0.0.1", serve->port(), seconds(120));
      ready.fetch_add(1);
      while (ready.load() < kClients) std::this_thread::yield();
      // Half the clients use the synchronous route first, half the job route first.
      auto sync = [&] {
        auto r = c.Send({.method = "POST",
                         .target = "/v1/process?pipeline=" + HttpClient::Encode(sync_pipeline),
                         .body = inputs[i]});
        sync_status[i] = r ? r->status : 0;
        if (r) sync_out[i] = r->body;
      };
      auto job = [&] {
        auto r = c.Send({.method = "POST",
                         .target = "/v1/jobs?pipeline=" + HttpClient::Encode(job_pipeline),
                         .body = inputs[i]});
        job_status[i] = r ? r->status : 0;
        if (r && r->status == 202) job_ids[i] = json::parse(r->text())["id"];
      };
      if (i % 2 == 0) {
        sync();
        job();
      } else {
        job();
        sync();
      }
    });
  }
  for (auto& t : threads) t.join();

  auto client = serve->Client();
  std::map<int, std::vector<uint8_t>> expected_sync, expected_job;
  for (int i = 0; i < kClients; ++i) {
    int k = i % 40;
    if (!expected_sync.count(k)) {
      expected_sync[k] = EngineOutput(inputs[i], sync_pipeline);
      expected_job[k] = EngineOutput(inputs[i], job_pipeline);
    }
    ASSERT_EQ(sync_status[i], 200u) << "client " << i;
    EXPECT_EQ(sync_out[i], expected_sync[k]) << "client " << i;
    ASSERT_EQ(job_status[i], 202u) << "client " << i;
  }
  for (int i = 0; i < kClients; ++i) {
    ASSERT_TRUE(WaitFor([&] { return State(*client, job_ids[i]) == "succeeded"; }, seconds(60)))
        << job_ids[i] << " is " << State(*client, job_ids[i]);
    auto r = client->Get("/v1/jobs/" + job_ids[i] + "/result");
    ASSERT_TRUE(r && r->status == 200);
    EXPECT_EQ(r->body, expected_job[i % 40]) << "job of client " << i;
  }
}

// SIGTERM while requests run: every in-flight request is answered in full, new connections are
// refused, and the process exits 0.
TEST_F(HttpRobustnessTest, SigtermAnswersEveryRequestInFlight) {
  auto serve = ServeProcess::Start(
      dir_.path(), {"--sync-slots", "2", "--sync-wait-ms", "60000", "--workers", "0"});
  ASSERT_TRUE(serve);
  auto heavy = EncodeWithOpenCv(MakeTestPattern(1400, 1000, 3), ".png");
  const std::string pipeline = "blur:sigma=5;format:type=jpeg";
  constexpr int kRequests = 6;
  std::vector<unsigned> status(kRequests);
  std::vector<std::vector<uint8_t>> bodies(kRequests);
  std::vector<std::thread> threads;
  for (int i = 0; i < kRequests; ++i) {
    threads.emplace_back([&, i] {
      HttpClient c("127.0.0.1", serve->port(), seconds(120));
      auto r = c.Send({.method = "POST",
                       .target = "/v1/process?pipeline=" + HttpClient::Encode(pipeline),
                       .body = heavy});
      status[i] = r ? r->status : 0;
      if (r) bodies[i] = r->body;
    });
  }
  // Wait until the server holds all of them (two running, the rest waiting for a slot).
  auto probe = serve->Client();
  ASSERT_TRUE(WaitFor(
      [&] {
        auto r = probe->Get("/v1/stats");
        return r && json::parse(r->text())["http"]["in_flight"].get<int>() >= kRequests + 1;
      },
      seconds(20)));
  serve->process().Signal(SIGTERM);
  for (auto& t : threads) t.join();
  auto expected = EngineOutput(heavy, pipeline);
  for (int i = 0; i < kRequests; ++i) {
    EXPECT_EQ(status[i], 200u) << i;
    EXPECT_EQ(bodies[i], expected) << i;
  }
  auto code = serve->process().Wait(seconds(30));
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0) << serve->process().Stderr();
  HttpClient late("127.0.0.1", serve->port(), seconds(2));
  EXPECT_FALSE(late.Get("/healthz").has_value());
  EXPECT_EQ(LogLines(serve->process().Stderr(), "serve_stopped").size(), 1u);
}

TEST_F(HttpRobustnessTest, JobsQueuedBeforeARestartAllFinishAfterIt) {
  std::vector<std::string> ids;
  std::vector<std::vector<uint8_t>> inputs;
  {
    // An API node with no workers: jobs wait in the queue.
    auto serve = ServeProcess::Start(dir_.path(), {"--workers", "0"});
    ASSERT_TRUE(serve);
    auto c = serve->Client();
    for (int i = 0; i < 12; ++i) {
      inputs.push_back(Input(i));
      auto r = c->Send(
          {.method = "POST", .target = "/v1/jobs?pipeline=grayscale", .body = inputs.back()});
      ASSERT_TRUE(r && r->status == 202);
      ids.push_back(json::parse(r->text())["id"]);
    }
    serve->process().Kill();  // no goodbye: SIGKILL
  }
  auto serve = ServeProcess::Start(dir_.path(), {"--workers", "2"});
  ASSERT_TRUE(serve);
  auto c = serve->Client();
  for (size_t i = 0; i < ids.size(); ++i) {
    ASSERT_TRUE(WaitFor([&] { return State(*c, ids[i]) == "succeeded"; }, seconds(30))) << ids[i];
    auto r = c->Get("/v1/jobs/" + ids[i] + "/result");
    ASSERT_TRUE(r && r->status == 200);
    EXPECT_EQ(r->body, EngineOutput(inputs[i], "grayscale"));
  }
}

// Hundreds of idle connections and a crowd of clients trickling their headers a byte at a time
// do not stop other clients being served; the tricklers are cut off by the header timeout.
TEST_F(HttpRobustnessTest, IdleAndTricklingClientsDoNotStarveOthers) {
  auto serve = ServeProcess::Start(dir_.path(), {"--header-timeout-ms", "1500", "--workers", "0"});
  ASSERT_TRUE(serve);
  asio::io_context ioc;
  const asio::ip::tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"),
                                         static_cast<unsigned short>(serve->port()));
  std::vector<std::unique_ptr<asio::ip::tcp::socket>> idle, trickle;
  for (int i = 0; i < 300; ++i) {
    idle.push_back(std::make_unique<asio::ip::tcp::socket>(ioc));
    idle.back()->connect(endpoint);
  }
  for (int i = 0; i < 50; ++i) {
    trickle.push_back(std::make_unique<asio::ip::tcp::socket>(ioc));
    trickle.back()->connect(endpoint);
  }
  std::atomic<bool> stop{false};
  std::atomic<int> cut_off{0};
  std::thread trickler([&] {
    const std::string request = "GET /healthz HTTP/1.1\r\nHost: slow\r\nX-Pad: ";
    for (size_t pos = 0; !stop.load(); ++pos) {
      for (auto& s : trickle) {
        if (!s->is_open()) continue;
        boost::system::error_code ec;
        char c = pos < request.size() ? request[pos] : 'a';
        asio::write(*s, asio::buffer(&c, 1), ec);
        if (ec) {
          cut_off.fetch_add(1);
          s->close(ec);
        }
      }
      std::this_thread::sleep_for(milliseconds(100));
    }
  });

  auto photo = Input(1);
  auto expected = EngineOutput(photo, "invert");
  for (int i = 0; i < 20; ++i) {
    HttpClient c("127.0.0.1", serve->port(), seconds(10));
    auto start = std::chrono::steady_clock::now();
    auto r = c.Send({.method = "POST", .target = "/v1/process?pipeline=invert", .body = photo});
    auto took = std::chrono::steady_clock::now() - start;
    ASSERT_TRUE(r.has_value()) << r.error().ToString();
    EXPECT_EQ(r->status, 200u);
    EXPECT_EQ(r->body, expected);
    // Generous: the point is "not stuck behind the slow clients", not a latency target.
    EXPECT_LT(took, seconds(5));
  }
  auto stats = serve->Client()->Get("/v1/stats");
  ASSERT_TRUE(stats.has_value());
  EXPECT_GE(json::parse(stats->text())["http"]["connections"].get<int>(), 300);

  // The header timeout closes the trickling connections (a write fails once the server is gone).
  EXPECT_TRUE(WaitFor([&] { return cut_off.load() == 50; }, seconds(15))) << cut_off.load();
  stop = true;
  trickler.join();
}

TEST_F(HttpRobustnessTest, SubmitCommandUploadsWaitsAndDownloads) {
  auto serve = ServeProcess::Start(dir_.path(), {"--workers", "2"});
  ASSERT_TRUE(serve);
  fs::path in = dir_.path() / "in";
  fs::create_directories(in / "nested");
  std::vector<std::vector<uint8_t>> inputs;
  for (int i = 0; i < 5; ++i) {
    inputs.push_back(Input(i));
    fs::path p = i < 3 ? in / ("p" + std::to_string(i) + ".png")
                       : in / "nested" / ("p" + std::to_string(i) + ".png");
    ASSERT_TRUE(WriteFileAtomically(p, inputs.back()).has_value());
  }
  fs::path out = dir_.path() / "out";
  auto r = RunTessera({"submit", in.string(), "--server", serve->url(), "-p",
                       "resize:w=30;format:type=webp,lossless=true", "--wait", "-o", out.string(),
                       "--poll-ms", "50"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 5) << r.out;
  for (int i = 0; i < 5; ++i) {
    fs::path p = i < 3 ? out / ("p" + std::to_string(i) + ".webp")
                       : out / "nested" / ("p" + std::to_string(i) + ".webp");
    auto got = ReadFile(p);
    ASSERT_TRUE(got.has_value()) << p;
    EXPECT_EQ(*got, EngineOutput(inputs[i], "resize:w=30;format:type=webp,lossless=true")) << p;
  }
  // A bad pipeline is reported per file and the exit status says so.
  r = RunTessera({"submit", in.string(), "--server", serve->url(), "-p", "blur:sigma=-1"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("bad_pipeline"), std::string::npos) << r.err;
  // No server: a clear error, not a hang.
  r = RunTessera({"submit", in.string(), "--server", "http://127.0.0.1:1", "-p", "invert"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("unavailable"), std::string::npos) << r.err;
}

// Distributed mode over HTTP: two API nodes with no workers share a real redis-server and a
// store directory; a separate `tessera worker` process runs the jobs either node accepted, and
// either node reports any job and serves its result.
TEST_F(HttpRobustnessTest, ApiNodesAndAWorkerProcessShareARedisQueue) {
  RedisServer redis;
  Status started = redis.Start();
  ASSERT_TRUE(started.has_value()) << started.error().ToString();
  const std::string store = "file://" + (dir_.path() / "shared-blobs").string();
  const std::vector<std::string> shared = {"--queue", redis.url(), "--store",
                                           store,     "--workers", "0"};
  auto node_a = ServeProcess::Start(dir_.path() / "a", shared);
  auto node_b = ServeProcess::Start(dir_.path() / "b", shared);
  ASSERT_TRUE(node_a && node_b);
  auto worker =
      StartTessera({"worker", "--queue", redis.url(), "--store", store, "-t", "2"}, dir_.path());
  auto a = node_a->Client();
  auto b = node_b->Client();
  std::vector<std::string> ids;
  std::vector<std::vector<uint8_t>> inputs;
  for (int i = 0; i < 10; ++i) {
    inputs.push_back(Input(i));
    auto& node = i % 2 == 0 ? *a : *b;
    auto r =
        node.Send({.method = "POST", .target = "/v1/jobs?pipeline=sharpen", .body = inputs[i]});
    ASSERT_TRUE(r && r->status == 202) << (r ? r->text() : r.error().ToString());
    ids.push_back(json::parse(r->text())["id"]);
  }
  for (size_t i = 0; i < ids.size(); ++i) {
    auto& other = i % 2 == 0 ? *b : *a;  // ask the node that did not accept it
    ASSERT_TRUE(WaitFor([&] { return State(other, ids[i]) == "succeeded"; }, seconds(30)))
        << ids[i] << " is " << State(other, ids[i]);
    auto r = other.Get("/v1/jobs/" + ids[i] + "/result");
    ASSERT_TRUE(r && r->status == 200);
    EXPECT_EQ(r->body, EngineOutput(inputs[i], "sharpen"));
  }
  auto workers = a->Get("/v1/workers");
  ASSERT_TRUE(workers && workers->status == 200);
  EXPECT_EQ(json::parse(workers->text()).size(), 1u);
  auto ready = b->Get("/readyz");
  ASSERT_TRUE(ready.has_value());
  EXPECT_EQ(ready->status, 200u);
  // With Redis gone, readiness says so (and liveness does not).
  redis.Kill();
  ready = b->Get("/readyz");
  ASSERT_TRUE(ready.has_value());
  EXPECT_EQ(ready->status, 503u) << ready->text();
  EXPECT_EQ(b->Get("/healthz")->status, 200u);
}

}  // namespace
}  // namespace tessera::testing
