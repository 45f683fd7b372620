// The Django distributed pipeline's clients against a real `tessera serve --compat django`: every
// request its README, daily guides, k8s/demo.py and k8s/stress_test.py send, over loopback, with
// the seed's status codes, body shapes, field names and types; batches run on real workers, and a
// batch no live worker can run waits until one that can registers.
#include <gtest/gtest.h>

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <set>

#include "api/http/client.h"
#include "core/file_io.h"
#include "support/image_testing.h"
#include "support/serve_process.h"
#include "support/temp_dir.h"
#include "support/tessera_process.h"

namespace tessera::testing {
namespace {

namespace fs = std::filesystem;
using api::http::ClientResponse;
using api::http::HttpClient;
using nlohmann::json;
using std::chrono::seconds;

ClientResponse Must(Result<ClientResponse> r) {
  EXPECT_TRUE(r.has_value()) << r.error().ToString();
  return r ? *r : ClientResponse{};
}

json Body(const ClientResponse& r) { return json::parse(r.text(), nullptr, false); }

// POST with a raw body and the given Content-Type ("" sends none); `curl -d` without -H sends
// application/x-www-form-urlencoded, which the seed read as JSON all the same.
ClientResponse Post(HttpClient& c, const std::string& target, const std::string& body,
                    const std::string& content_type = "application/json") {
  std::vector<uint8_t> bytes(body.begin(), body.end());
  std::vector<std::pair<std::string, std::string>> headers;
  if (!content_type.empty()) headers.push_back({"Content-Type", content_type});
  return Must(c.Send({.method = "POST", .target = target, .headers = headers, .body = bytes}));
}

ClientResponse PostForm(HttpClient& c, const std::string& target,
                        const std::vector<std::array<std::string, 3>>& parts) {
  const std::string boundary = "----django7MA4YWxkTrZu0gW";
  std::string body;
  for (const auto& [name, filename, data] : parts) {
    body += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"";
    if (!filename.empty()) body += "; filename=\"" + filename + "\"";
    body += "\r\n\r\n" + data + "\r\n";
  }
  body += "--" + boundary + "--\r\n";
  return Post(c, target, body, "multipart/form-data; boundary=" + boundary);
}

// Noise compresses badly, so a modest JPEG passes the seed's "> 100 KB" sample filter.
std::vector<uint8_t> NoisyJpeg(int w, int h) {
  cv::Mat m(h, w, CV_8UC3);
  cv::randu(m, cv::Scalar::all(0), cv::Scalar::all(255));
  return EncodeWithOpenCv(m, ".jpg");
}

// Every key path of a JSON object ("workers.workers_detail[].id"), arrays by their first item.
void KeyPaths(const json& j, const std::string& prefix, std::set<std::string>& out) {
  if (j.is_object()) {
    for (const auto& [k, v] : j.items()) {
      const std::string p = prefix.empty() ? k : prefix + "." + k;
      out.insert(p);
      KeyPaths(v, p, out);
    }
  } else if (j.is_array() && !j.empty() && j[0].is_object()) {
    KeyPaths(j[0], prefix + "[]", out);
  }
}

class CompatDjangoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    samples_ = dir_.path() / "static" / "images";
    fs::create_directories(samples_);
    sample_4k_ = NoisyJpeg(640, 480);
    ASSERT_GT(sample_4k_.size(), 100'000u);
    ASSERT_TRUE(WriteFileAtomically(samples_ / "sample_4k.jpg", sample_4k_));
    ASSERT_TRUE(WriteFileAtomically(samples_ / "misurina-sunset.jpg", NoisyJpeg(500, 400)));
  }

  std::unique_ptr<ServeProcess> Serve(std::vector<std::string> extra) {
    std::vector<std::string> args = {"--compat", "django", "--django-sample-dir",
                                     samples_.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    auto s = ServeProcess::Start(dir_.path(), args);
    EXPECT_NE(s, nullptr);
    return s;
  }

  // A separate `tessera worker` on the same data directory with WORKER_CAPABILITIES set.
  std::unique_ptr<BackgroundProcess> Worker(const std::string& capabilities,
                                            const std::string& id) {
    setenv("WORKER_CAPABILITIES", capabilities.c_str(), 1);
    auto w = StartTessera({"worker", "--data-dir", (dir_.path() / "data").string(), "--threads",
                           "1", "--worker-id", id},
                          dir_.path());
    unsetenv("WORKER_CAPABILITIES");
    return w;
  }

  json WaitForStatus(HttpClient& c, const std::string& task, const std::set<std::string>& want) {
    json status;
    EXPECT_TRUE(WaitFor(
        [&] {
          status = Body(Must(c.Get("/api/task/" + task + "/status/")));
          return want.count(status.value("status", "")) > 0;
        },
        seconds(60)))
        << status.dump();
    return status;
  }

  TempDir dir_;
  fs::path samples_;
  std::vector<uint8_t> sample_4k_;
};

// ---- Day 1 -----------------------------------------------------------------------------------

TEST_F(CompatDjangoTest, HealthAndDayOneRoutes) {
  auto serve = Serve({"--workers", "0"});
  ASSERT_TRUE(serve);
  auto c = serve->Client();
  for (const char* path : {"/api/health/", "/api/"}) {
    auto r = Must(c->Get(path));
    ASSERT_EQ(r.status, 200u) << path;
    json j = Body(r);
    EXPECT_EQ(j["status"], "healthy");
    EXPECT_EQ(j["service"], "Django Image Server");
    EXPECT_EQ(j["version"], "1.0.0");
    EXPECT_EQ(j["endpoints"], json({{"health", "/"},
                                    {"4k_image", "/api/image/4k/"},
                                    {"image_info", "/api/image/info/"},
                                    {"slow_image", "/api/image/slow/"}}));
    EXPECT_TRUE(j["timestamp"].is_number_float());
    EXPECT_EQ(j["message"], "Django Image Processing API is running");
  }

  auto r = Must(c->Get("/api/image/info/"));
  ASSERT_EQ(r.status, 200u) << r.text();
  json info = Body(r);
  EXPECT_EQ(info["status"], "found");
  EXPECT_EQ(info["filename"], "sample_4k.jpg");
  EXPECT_EQ(info["path"], (samples_ / "sample_4k.jpg").string());
  EXPECT_EQ(info["size_bytes"], sample_4k_.size());
  EXPECT_TRUE(info["size_mb"].is_number());
  EXPECT_EQ(info["is_4k_size"], false);
  EXPECT_EQ(info["endpoints"]["download"], "/api/image/4k/");
  EXPECT_EQ(info["endpoints"]["slow_version"], "/api/image/slow/");

  r = Must(c->Get("/api/image/4k/"));
  ASSERT_EQ(r.status, 200u);
  EXPECT_EQ(r.body, sample_4k_);
  EXPECT_EQ(r.header("content-type"), "image/jpeg");
  EXPECT_EQ(r.header("x-io-type"), "I/O-bound");
  EXPECT_FALSE(r.header("x-file-size-mb").empty());
  EXPECT_FALSE(r.header("x-processing-time").empty());

  const auto start = std::chrono::steady_clock::now();
  r = Must(c->Get("/api/image/slow/?delay=0.4"));
  ASSERT_EQ(r.status, 200u);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(400));
  EXPECT_EQ(r.body, sample_4k_);
  EXPECT_EQ(r.header("x-simulated-delay"), "0.4");
  EXPECT_EQ(r.header("x-io-type"), "I/O-bound + Processing");
  EXPECT_GE(std::stod(r.header("x-processing-time")), 0.4);
  EXPECT_EQ(Must(c->Get("/api/image/slow/?delay=abc")).status, 400u);

  r = Must(c->Get("/api/stats/"));
  ASSERT_EQ(r.status, 200u);
  json stats = Body(r);
  EXPECT_GE(stats["system"]["cpu_cores"].get<int>(), 1);
  EXPECT_TRUE(stats["system"]["cpu_usage_percent"].is_number());
  EXPECT_GT(stats["system"]["memory_total_gb"].get<double>(), 0);
  EXPECT_TRUE(stats["system"]["memory_used_percent"].is_number());
  EXPECT_GE(stats["system"]["active_threads"].get<int>(), 1);
  for (const char* k : {"threading", "multiprocessing", "async"}) {
    EXPECT_TRUE(stats["recommendations"][k].is_string()) << k;
  }

  r = Must(c->Get("/api/metrics/"));
  ASSERT_EQ(r.status, 200u);
  json m = Body(r);
  EXPECT_EQ(m["status"], "success");
  for (const char* k :
       {"cpu_usage", "cpu_count", "memory_usage", "memory_available_gb", "memory_total_gb",
        "queue_length", "processing_tasks", "active_workers", "busy_workers", "worker_utilization",
        "completed_tasks", "failed_tasks", "total_tasks", "success_rate", "collection_time"}) {
    EXPECT_TRUE(m["metrics"][k].is_number()) << k;
  }
  EXPECT_TRUE(m["metrics"]["timestamp"].is_string());
  EXPECT_EQ(m["metrics"]["active_workers"], 0);
  EXPECT_EQ(m["scaling_recommendation"]["action"], "maintain");
  for (const char* k :
       {"current_workers", "recommended_workers", "reason", "confidence", "urgency", "note"}) {
    EXPECT_TRUE(m["scaling_recommendation"].contains(k)) << k;
  }
  EXPECT_EQ(m["scaling_config"]["max_workers"], 8);
  EXPECT_TRUE(m["timestamp"].is_number());
}

TEST_F(CompatDjangoTest, TheApiIsAlsoMountedAtTheRootAndSamplesAreStatic) {
  auto serve = Serve({"--workers", "0"});
  ASSERT_TRUE(serve);
  auto c = serve->Client();
  for (const char* path : {"/", "/health/"}) {
    auto r = Must(c->Get(path));
    EXPECT_EQ(r.status, 200u) << path;
    EXPECT_EQ(Body(r)["service"], "Django Image Server") << path;
  }
  EXPECT_EQ(Must(c->Get("/image/4k/")).body, sample_4k_);
  EXPECT_EQ(Body(Must(c->Get("/workers/status/")))["system_status"], "no_workers");
  auto r = Post(*c, "/process-batch/distributed/", R"({"filters": ["blur"], "count": 1})");
  ASSERT_EQ(r.status, 200u) << r.text();
  EXPECT_EQ(
      Body(Must(c->Get("/task/" + Body(r)["task_id"].get<std::string>() + "/status/")))["status"],
      "pending");
  r = Must(c->Get("/static/images/sample_4k.jpg"));
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.header("content-type"), "image/jpeg");
  EXPECT_EQ(r.body, sample_4k_);
  EXPECT_EQ(Must(c->Get("/static/images/..%2F..%2Fdata%2Ftessera.db")).status, 404u);
  EXPECT_EQ(Must(c->Get("/static/images/nothing.jpg")).status, 404u);
}

TEST_F(CompatDjangoTest, MissingSampleAnswersTheSeeds404) {
  fs::remove(samples_ / "sample_4k.jpg");
  // A link out of the directory is never followed.
  fs::create_symlink(dir_.path() / "outside.jpg", samples_ / "sample_4k.jpg");
  ASSERT_TRUE(WriteFileAtomically(dir_.path() / "outside.jpg", sample_4k_));
  auto serve = Serve({"--workers", "0"});
  ASSERT_TRUE(serve);
  auto c = serve->Client();
  auto r = Must(c->Get("/api/image/info/"));
  EXPECT_EQ(r.status, 404u);
  EXPECT_EQ(Body(r)["error"], "Imagen no encontrada");
  EXPECT_EQ(Body(r)["expected_path"], (samples_ / "sample_4k.jpg").string());
  r = Must(c->Get("/api/image/4k/"));
  EXPECT_EQ(r.status, 404u);
  EXPECT_EQ(Body(r)["error"], "Imagen 4K no encontrada");
  r = Post(*c, "/api/process-batch/distributed/", R"({"images":["../../outside.jpg"]})");
  EXPECT_EQ(r.status, 400u) << r.text();
  r = Post(*c, "/api/process-batch/distributed/", R"({"images":["sample_4k.jpg"]})");
  EXPECT_EQ(r.status, 404u) << r.text();
}

// ---- Day 2 -----------------------------------------------------------------------------------

TEST_F(CompatDjangoTest, DayTwoRoutesRunAndTimeEveryMode) {
  auto serve = Serve({"--workers", "2"});
  ASSERT_TRUE(serve);
  auto c = serve->Client();
  const std::string url = "/api/process-batch/";

  // README "DÍA 2" requests, exactly as sent.
  auto r = Post(*c, url + "sequential/",
                R"({"filters": ["resize", "blur"], "filter_params": {"resize": {"width": 800, )"
                R"("height": 600}, "blur": {"radius": 3.0}}})");
  ASSERT_EQ(r.status, 200u) << r.text();
  json j = Body(r);
  EXPECT_EQ(j["method"], "sequential");
  EXPECT_EQ(j["processed_count"], 5);
  EXPECT_EQ(j["filters_used"], json({"resize", "blur"}));
  EXPECT_GT(j["total_time"].get<double>(), 0);
  EXPECT_TRUE(j["avg_time_per_image"].is_number());
  EXPECT_EQ(j["performance"], "🐌 LENTO - sin concurrencia");
  EXPECT_EQ(j["success_count"], 5);

  r = Post(*c, url + "threading/", R"({"filters": ["sharpen", "edges"]})");
  ASSERT_EQ(r.status, 200u) << r.text();
  j = Body(r);
  EXPECT_EQ(j["method"], "threading");
  EXPECT_EQ(j["processed_count"], 5);
  EXPECT_EQ(j["success_count"], 5);
  EXPECT_TRUE(j["speedup_estimate"].is_string());
  EXPECT_EQ(j["performance"], "⚡ RÁPIDO - con threading");

  r = Post(*c, url + "multiprocessing/",
           R"({"filters": ["brightness"], "filter_params": {"brightness": {"factor": 1.5}}})");
  ASSERT_EQ(r.status, 200u) << r.text();
  j = Body(r);
  EXPECT_EQ(j["method"], "🔄 Multiprocessing");
  EXPECT_EQ(j["results"]["processed"], 3);
  EXPECT_EQ(j["results"]["success_count"], 3);
  EXPECT_EQ(j["results"]["success_rate"], "100.0%");
  EXPECT_NE(j["results"]["throughput"].get<std::string>().find(" images/sec"), std::string::npos);
  EXPECT_EQ(j["images_processed"], 3);
  EXPECT_EQ(j["process_info"]["mp_workers"], 2);  // the embedded pool's threads
  EXPECT_EQ(j["process_info"]["filter_type"], "I/O-bound");

  r = Post(*c, url + "compare-all/", R"({"filters": ["resize", "blur"]})");
  ASSERT_EQ(r.status, 200u) << r.text();
  j = Body(r);
  EXPECT_EQ(j["test_info"]["images_count"], 5);
  EXPECT_EQ(j["test_info"]["threading_workers"], 4);
  for (const char* mode : {"sequential", "threading", "multiprocessing"}) {
    EXPECT_EQ(j["results"][mode]["success_count"], 5) << mode;
    EXPECT_GT(j["results"][mode]["time"].get<double>(), 0) << mode;
    EXPECT_TRUE(j["results"][mode]["throughput"].is_number()) << mode;
  }
  EXPECT_TRUE(j["results"]["threading"]["speedup"].is_number());
  const std::set<std::string> winners = {"sequential", "threading", "multiprocessing"};
  EXPECT_TRUE(winners.count(j["performance"]["winner"].get<std::string>()));
  EXPECT_TRUE(j["performance"]["recommendation"].is_string());
  EXPECT_EQ(j["api_info"]["endpoint"], "/api/process-batch/compare-all/");
  EXPECT_EQ(j["api_info"]["available_images"], 2);
  EXPECT_EQ(j["api_info"]["images_used"].size(), 5u);

  r = Post(*c, url + "stress/", R"({"filters": ["sharpen", "edges"], "num_iterations": 5})");
  ASSERT_EQ(r.status, 200u) << r.text();
  j = Body(r);
  EXPECT_EQ(j["stress_test_results"]["images_processed"], 20);
  EXPECT_EQ(j["stress_test_results"]["success_count"], 20);
  EXPECT_EQ(j["stress_test_results"]["error_count"], 0);
  EXPECT_EQ(j["system_info"]["method"], "Multiprocessing");
  EXPECT_EQ(j["system_info"]["stress_level"], "HIGH");
  EXPECT_TRUE(j["performance_analysis"]["bottleneck"].is_string());

  // Daily-guide requests: curl -d without a Content-Type, the Day-2 filter names.
  r = Post(*c, url + "compare/", R"({"count": 3, "filters": ["resize", "blur", "brightness"]})",
           "application/x-www-form-urlencoded");
  ASSERT_EQ(r.status, 200u) << r.text();
  j = Body(r);
  EXPECT_EQ(j["comparison"]["sequential"]["processed"], 3);
  EXPECT_EQ(j["comparison"]["threading"]["processed"], 3);
  EXPECT_EQ(j["comparison"]["threading"]["method"], "🚀 Paralelo");
  EXPECT_EQ(j["results"]["speedup"].get<std::string>().back(), 'x');
  EXPECT_EQ(j["images_processed"], 3);
  r = Post(*c, url + "multiprocessing/",
           R"({"count": 2, "filters": ["heavy_sharpen", "edge_detection"]})",
           "application/x-www-form-urlencoded");
  ASSERT_EQ(r.status, 200u) << r.text();
  EXPECT_EQ(Body(r)["process_info"]["filter_type"], "CPU-intensive");
  r = Post(*c, url + "stress/", R"({"count": 51, "filters": ["sharpen"]})");
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(Body(r), json({{"error", "Límite excedido. Máximo permitido: 50"}, {"requested", 51}}));
}

// ---- Day 3: distributed ----------------------------------------------------------------------

TEST_F(CompatDjangoTest, DistributedJsonBatchCompletesOnTheSampleImages) {
  auto serve = Serve({"--workers", "1"});
  ASSERT_TRUE(serve);
  auto c = serve->Client();
  auto r = Post(*c, "/api/process-batch/distributed/",
                R"({"filters": ["resize", "sharpen", "edges"], "filter_params": {"resize": )"
                R"({"width": 1024, "height": 768}}})");
  ASSERT_EQ(r.status, 200u) << r.text();
  json j = Body(r);
  EXPECT_EQ(j["success"], true);
  EXPECT_EQ(j["method"], "distributed");
  EXPECT_EQ(j["status"], "enqueued");
  EXPECT_TRUE(j["processing_time"].is_number());
  EXPECT_EQ(j["worker_info"]["active_workers"], 1);
  EXPECT_EQ(j["message"],
            "Task queued successfully - check status with /api/task-status/{task_id}");
  EXPECT_EQ(j["distributed_stats"],
            json({{"queue_used", true}, {"fault_tolerant", true}, {"scalable", true}}));
  EXPECT_EQ(j["image_count"], 2);  // the seed's default count
  const std::string task = j["task_id"];

  json status = WaitForStatus(*c, task, {"completed", "failed"});
  ASSERT_EQ(status["status"], "completed") << status.dump();
  EXPECT_EQ(status["task_id"], task);
  EXPECT_TRUE(status["created_at"].is_number_float());
  EXPECT_TRUE(status["started_at"].is_number_float());
  EXPECT_TRUE(status["completed_at"].is_number_float());
  EXPECT_GE(status["total_duration"].get<double>(), 0);
  const json& result = status["result"];
  EXPECT_EQ(result["images_processed"], 2);
  EXPECT_EQ(result["images_successful"], 2);
  EXPECT_EQ(result["images_failed"], 0);
  EXPECT_EQ(result["filters_applied"], json({"resize", "sharpen", "edges"}));
  ASSERT_EQ(result["results"].size(), 2u);
  // Sample names sort misurina-sunset.jpg before sample_4k.jpg; count 2 takes both.
  EXPECT_EQ(result["results"][1]["image_path"], (samples_ / "sample_4k.jpg").string());
  auto out = Must(c->Get(result["results"][1]["result_url"].get<std::string>()));
  ASSERT_EQ(out.status, 200u);
  EXPECT_EQ(
      out.body,
      EngineOutput(sample_4k_, "resize:w=1024,h=768,fit=fill,enlarge=true;sharpen:amount=1;edges"));
  EXPECT_EQ(status["raw_task_data"]["status"], "completed");
  EXPECT_TRUE(status["raw_task_data"]["data"].is_string());

  // k8s/demo.py and k8s/stress_test.py: requests.post(json=payload), expecting 200.
  r = Post(*c, "/api/process-batch/distributed/",
           json({{"filters", {"resize", "blur", "sharpen", "edges"}},
                 {"filter_params",
                  {{"resize", {{"width", 2048}, {"height", 2048}}},
                   {"blur", {{"radius", 5.0}}},
                   {"sharpen", {{"factor", 2.0}}}}},
                 {"count", 2}})
               .dump());
  ASSERT_EQ(r.status, 200u) << r.text();
  EXPECT_EQ(Body(r)["task_id"].get<std::string>().size(), 26u);
  // Their curl fallback: {"filters":["resize","blur"],"count":2}.
  r = Post(*c, "/api/process-batch/distributed/", R"({"filters":["resize","blur"],"count":2})");
  ASSERT_EQ(r.status, 200u) << r.text();
  // FIXES_SUMMARY.md: {"filters": ["resize"], "count": 2}; the guides' sharpen intensity.
  r = Post(*c, "/api/process-batch/distributed/",
           R"({"filters": ["sharpen", "edges"], "filter_params": {"sharpen": {"intensity": 3}, )"
           R"("edges": {"threshold1": 50, "threshold2": 150}}})");
  ASSERT_EQ(r.status, 200u) << r.text();
  status = WaitForStatus(*c, Body(r)["task_id"], {"completed", "failed"});
  EXPECT_EQ(status["status"], "completed") << status.dump();

  // The 32 keys of /api/workers/status/. Counters reach the registry with the next heartbeat.
  json workers;
  EXPECT_TRUE(WaitFor(
      [&] {
        auto w = Must(c->Get("/api/workers/status/"));
        workers = Body(w);
        return w.status == 200 && workers["performance"]["total_tasks_completed"] >= 2;
      },
      seconds(20)))
      << workers.dump();
  std::set<std::string> keys;
  KeyPaths(workers, "", keys);
  const std::set<std::string> want = {"success",
                                      "timestamp",
                                      "system_status",
                                      "workers",
                                      "workers.active_count",
                                      "workers.total_registered",
                                      "workers.workers_detail",
                                      "workers.workers_detail[].id",
                                      "workers.workers_detail[].status",
                                      "workers.workers_detail[].capabilities",
                                      "workers.workers_detail[].last_heartbeat",
                                      "workers.workers_detail[].tasks_completed",
                                      "workers.workers_detail[].tasks_failed",
                                      "workers.workers_detail[].uptime",
                                      "workers.workers_detail[].health",
                                      "queue_stats",
                                      "queue_stats.pending_tasks",
                                      "queue_stats.total_tasks_processed",
                                      "queue_stats.task_status_breakdown",
                                      "queue_stats.task_status_breakdown.pending",
                                      "queue_stats.task_status_breakdown.processing",
                                      "queue_stats.task_status_breakdown.completed",
                                      "queue_stats.task_status_breakdown.failed",
                                      "system_capabilities",
                                      "performance",
                                      "performance.total_tasks_completed",
                                      "performance.total_failures",
                                      "performance.success_rate",
                                      "recommendations",
                                      "recommendations.scaling",
                                      "recommendations.monitoring",
                                      "recommendations.maintenance"};
  EXPECT_EQ(want.size(), 32u);
  EXPECT_EQ(keys, want) << workers.dump();
  EXPECT_EQ(workers["system_status"], "healthy");
  EXPECT_EQ(workers["workers"]["active_count"], 1);
  const json& one = workers["workers"]["workers_detail"][0];
  EXPECT_EQ(one["capabilities"], json({"resize", "blur", "brightness", "sharpen", "edges"}));
  EXPECT_TRUE(one["last_heartbeat"].is_number_float());
  EXPECT_GE(one["tasks_completed"].get<int>(), 2);
  EXPECT_EQ(one["health"], "healthy");
  EXPECT_TRUE(workers["performance"]["success_rate"].is_string());
  EXPECT_EQ(workers["system_capabilities"].size(), 5u);
}

TEST_F(CompatDjangoTest, SpecialisedWorkersLeaveATaskWaitingNeverLost) {
  auto serve = Serve({"--workers", "0"});
  ASSERT_TRUE(serve);
  auto c = serve->Client();
  // README "Worker Failure": no worker at all; the task is pending and says why.
  auto r = Post(*c, "/api/process-batch/distributed/", R"({"filters": ["sharpen"]})");
  ASSERT_EQ(r.status, 200u) << r.text();
  EXPECT_EQ(Body(r)["worker_info"]["active_workers"], 0);
  const std::string sharpen_task = Body(r)["task_id"];
  json status = Body(Must(c->Get("/api/task/" + sharpen_task + "/status/")));
  EXPECT_EQ(status["status"], "pending");
  EXPECT_EQ(status["explanation"], "No workers available to process task");
  EXPECT_TRUE(status["started_at"].is_null());
  EXPECT_EQ(status["raw_task_data"]["started_at"], "None");
  auto workers = Body(Must(c->Get("/api/workers/status/")));
  EXPECT_EQ(workers["system_status"], "no_workers");

  // README "Worker Specialization": worker-1 runs resize, blur, brightness only.
  auto w1 = Worker("resize,blur,brightness", "worker-1");
  ASSERT_TRUE(WaitFor(
      [&] { return Body(Must(c->Get("/api/workers/status/")))["workers"]["active_count"] == 1; },
      seconds(20)));
  r = Post(*c, "/api/process-batch/distributed/", R"({"filters": ["resize", "blur"]})");
  ASSERT_EQ(r.status, 200u) << r.text();
  status = WaitForStatus(*c, Body(r)["task_id"], {"completed", "failed"});
  EXPECT_EQ(status["status"], "completed") << status.dump();
  // The sharpen task was not taken by worker-1 and not failed: it waits, and says for what.
  status = Body(Must(c->Get("/api/task/" + sharpen_task + "/status/")));
  EXPECT_EQ(status["status"], "pending") << status.dump();
  EXPECT_EQ(status["waiting_for"], json({"sharpen"}));
  EXPECT_NE(status["explanation"].get<std::string>().find("['sharpen']"), std::string::npos);
  EXPECT_FALSE(status.contains("failure_type"));
  workers = Body(Must(c->Get("/api/workers/status/")));
  EXPECT_EQ(workers["workers"]["workers_detail"][0]["id"], "worker-1");
  EXPECT_EQ(workers["workers"]["workers_detail"][0]["capabilities"],
            json({"resize", "blur", "brightness"}));

  // README: five sharpen batches at once while only worker-1 is up; none is taken or failed.
  std::vector<std::string> more;
  for (int i = 0; i < 5; ++i) {
    r = Post(*c, "/api/process-batch/distributed/", R"({"filters": ["sharpen"]})");
    ASSERT_EQ(r.status, 200u) << r.text();
    more.push_back(Body(r)["task_id"]);
  }
  for (const auto& t : more) {
    EXPECT_EQ(Body(Must(c->Get("/api/task/" + t + "/status/")))["status"], "pending");
  }

  // worker-2 can sharpen: every waiting task completes.
  auto w2 = Worker("sharpen,edges", "worker-2");
  status = WaitForStatus(*c, sharpen_task, {"completed", "failed"});
  EXPECT_EQ(status["status"], "completed") << status.dump();
  for (const auto& t : more) {
    EXPECT_EQ(WaitForStatus(*c, t, {"completed", "failed"})["status"], "completed");
  }
  workers = Body(Must(c->Get("/api/workers/status/")));
  EXPECT_EQ(workers["workers"]["active_count"], 2);
  EXPECT_EQ(workers["system_capabilities"],
            json({"blur", "brightness", "edges", "resize", "sharpen"}));
}

TEST_F(CompatDjangoTest, FailuresAndErrorsInTheSeedsShapes) {
  auto serve = Serve({"--workers", "1"});
  ASSERT_TRUE(serve);
  auto c = serve->Client();
  // An uploaded image whose header reads but whose body does not decode: the job fails.
  auto broken = CorruptPngPixels(EncodeWithOpenCv(MakeTestPattern(300, 300), ".png"));
  auto r = PostForm(
      *c, "/api/process-batch/distributed/",
      {{{"images", "x.png", std::string(broken.begin(), broken.end())}, {"filters", "", "edges"}}});
  ASSERT_EQ(r.status, 200u) << r.text();
  json status = WaitForStatus(*c, Body(r)["task_id"], {"completed", "failed"});
  EXPECT_EQ(status["status"], "failed") << status.dump();
  EXPECT_EQ(status["failure_type"], "job_failure");
  EXPECT_EQ(status["failure_reason"], "processing_error");
  EXPECT_EQ(status["explanation"], "Error durante el procesamiento de la imagen");
  EXPECT_EQ(status["error"].get<std::string>().rfind("All 1 images failed. Errors: ['", 0), 0u);
  EXPECT_TRUE(status["completed_at"].is_number_float());
  EXPECT_EQ(status["raw_task_data"]["error"], status["error"]);

  r = Post(*c, "/api/process-batch/distributed/", "{not json");
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(r.text(), R"({"error":"Invalid JSON in request body"})");
  r = Post(*c, "/api/process-batch/distributed/", R"({"filters": ["emboss"]})");
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(
      r.text(),
      R"({"error":"Unknown filter 'emboss'. Allowed: resize, blur, brightness, sharpen, edges"})");
  r = Post(*c, "/api/process-batch/distributed/",
           R"({"filters": ["blur"], "filter_params": {"blur": {"radius": 9000}}})");
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(Body(r)["error"].get<std::string>().rfind("Invalid filter_params: ", 0), 0u);
  r = PostForm(*c, "/api/process-batch/distributed/", {{{"filters", "", "blur"}}});
  EXPECT_EQ(r.text(), R"({"error":"No images provided"})");
  r = PostForm(*c, "/api/process-batch/distributed/",
               {{{"images", "a.jpg", std::string(sample_4k_.begin(), sample_4k_.end())}}});
  EXPECT_EQ(r.text(), R"({"error":"No filters specified"})");

  auto missing = Must(c->Get("/api/task/01J000000000000000000000ZZ/status/"));
  EXPECT_EQ(missing.status, 404u);
  EXPECT_EQ(Body(missing), json({{"error", "Task 01J000000000000000000000ZZ not found"},
                                 {"suggestion", "Verifique que el task_id sea correcto"}}));
  EXPECT_EQ(Must(c->Get("/api/task/../../etc/status/")).status, 404u);
}

}  // namespace
}  // namespace tessera::testing
