// Durable jobs with real processes on both backends (embedded SQLite + files, and a real
// redis-server + shared directory): `tessera worker` SIGKILLed mid-task, stopped with SIGTERM
// mid-task, two worker processes sharing 1000 jobs, and (Redis) the server SIGKILLed and
// restarted mid-run. Every accepted job must finish, once, with output identical to a clean run.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <thread>

#include "core/file_io.h"
#include "support/image_testing.h"
#include "support/redis_server.h"
#include "support/subprocess.h"
#include "support/temp_dir.h"
#include "support/tessera_process.h"

namespace tessera::testing {
namespace {
namespace fs = std::filesystem;
using std::chrono::milliseconds;
using std::chrono::seconds;

class JobsCrashTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "redis") {
      RedisServerOptions options;
      options.appendonly = true;
      options.appendfsync = "always";  // every acknowledged write survives a SIGKILL
      redis_ = std::make_unique<RedisServer>(options);
      Status started = redis_->Start();
      ASSERT_TRUE(started.has_value()) << started.error().ToString();
    }
  }

  fs::path data() const { return dir_.path() / "data"; }
  fs::path logs() const { return dir_.path() / "logs"; }

  std::vector<std::string> Backend() const {
    if (redis_ == nullptr) return {"--data-dir", data().string()};
    return {"--queue", redis_->url(), "--store", "file://" + (data() / "blobs").string()};
  }

  std::vector<std::string> Args(std::vector<std::string> head) const {
    auto b = Backend();
    head.insert(head.end(), b.begin(), b.end());
    return head;
  }

  // Writes `n` PNG inputs of size w x h and returns their paths.
  std::vector<std::string> MakeInputs(int n, int w, int h) {
    std::vector<std::string> paths;
    for (int i = 0; i < n; ++i) {
      cv::Mat m = MakeTestPattern(w + i, h, 3);
      fs::path p = dir_.path() / "in" / ("img" + std::to_string(i) + ".png");
      fs::create_directories(p.parent_path());
      EXPECT_TRUE(WriteFileAtomically(p, EncodeWithOpenCv(m, ".png")).has_value());
      paths.push_back(p.string());
    }
    return paths;
  }

  // Submits files; returns job ids in file order.
  std::vector<std::string> Submit(const std::vector<std::string>& files,
                                  const std::string& pipeline) {
    std::vector<std::string> args = Args({"jobs", "submit", "-p", pipeline});
    args.insert(args.end(), files.begin(), files.end());
    auto r = RunTessera(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::vector<std::string> ids;
    std::istringstream lines(r.out);
    std::string line;
    while (std::getline(lines, line)) ids.push_back(line.substr(0, line.find('\t')));
    EXPECT_EQ(ids.size(), files.size());
    return ids;
  }

  nlohmann::json Stats() {
    auto r = RunTessera(Args({"jobs", "stats"}));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.exit_code == 0 ? nlohmann::json::parse(r.out) : nlohmann::json::object();
  }

  int64_t CountInState(const std::string& state) {
    auto s = Stats();
    return s.contains("jobs") ? s["jobs"][state].get<int64_t>() : -1;
  }

  nlohmann::json Show(const std::string& id) {
    auto r = RunTessera(Args({"jobs", "show", id}));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return nlohmann::json::parse(r.out);
  }

  std::unique_ptr<BackgroundProcess> StartWorker(std::vector<std::string> extra) {
    std::vector<std::string> args = Args({"worker"});
    args.insert(args.end(), extra.begin(), extra.end());
    return StartTessera(args, logs());
  }

  // The bytes `tessera process` produces for the same input and pipeline: the clean run.
  std::vector<uint8_t> CleanRun(const std::string& input, const std::string& pipeline) {
    fs::path out = dir_.path() / "clean" / fs::path(input).stem();  // no extension: format kept
    auto r = RunTessera({"process", input, "-o", out.string(), "-p", pipeline, "-q"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    auto bytes = ReadFile(out);
    return bytes ? *bytes : std::vector<uint8_t>{};
  }

  std::vector<uint8_t> JobResult(const std::string& id) {
    fs::path out = dir_.path() / "results" / id;
    auto r = RunTessera(Args({"jobs", "result", id, "-o", out.string()}));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    auto bytes = ReadFile(out);
    return bytes ? *bytes : std::vector<uint8_t>{};
  }

  TempDir dir_;
  std::unique_ptr<RedisServer> redis_;
};

TEST_P(JobsCrashTest, WorkerKilledMidTaskEveryJobCompletesIdentically) {
  const std::string pipeline = "blur:sigma=6;sharpen;format:type=png";
  auto inputs = MakeInputs(10, 1400, 1000);
  auto ids = Submit(inputs, pipeline);
  ASSERT_EQ(CountInState("queued"), 10);

  auto first = StartWorker({"--threads", "2", "--lease-ms", "1500"});
  ASSERT_TRUE(WaitFor([&] { return CountInState("running") > 0; }, seconds(60))) << first->Stderr();
  first->Kill();  // SIGKILL: no chance to ack, release or deregister
  int64_t done_before = CountInState("succeeded");
  ASSERT_LT(done_before, 10) << "the kill came too late to interrupt anything";

  auto second = StartWorker({"--threads", "2", "--lease-ms", "1500"});
  ASSERT_TRUE(WaitFor([&] { return CountInState("succeeded") == 10; }, seconds(180)))
      << Stats().dump() << second->Stderr();

  int redelivered = 0;
  for (size_t i = 0; i < ids.size(); ++i) {
    auto job = Show(ids[i]);
    EXPECT_EQ(job["state"], "succeeded");
    redelivered += job["attempts"].get<int>() > 1;
    EXPECT_EQ(JobResult(ids[i]), CleanRun(inputs[i], pipeline)) << "job " << ids[i];
  }
  EXPECT_GE(redelivered, 1) << "no job was interrupted by the SIGKILL";
  auto stats = Stats();
  EXPECT_EQ(stats["queue"]["leased"], 0);
  EXPECT_EQ(stats["queue"]["dead"], 0);
}

TEST_P(JobsCrashTest, SigtermFinishesRunningTasksAndExitsZero) {
  const std::string pipeline = "blur:sigma=5;format:type=png";
  auto inputs = MakeInputs(6, 1200, 900);
  auto ids = Submit(inputs, pipeline);
  auto worker = StartWorker({"--threads", "2", "--drain-timeout-ms", "60000"});
  ASSERT_TRUE(WaitFor([&] { return CountInState("running") > 0; }, seconds(60)));
  worker->Signal(SIGTERM);
  auto code = worker->Wait(seconds(90));
  ASSERT_TRUE(code.has_value()) << "worker did not exit after SIGTERM";
  EXPECT_EQ(*code, 0) << worker->Stderr();
  // Nothing it started was abandoned: no job is left running and none needed a second attempt.
  EXPECT_EQ(CountInState("running"), 0);
  EXPECT_GE(CountInState("succeeded"), 1);
  EXPECT_NE(worker->Stderr().find("worker_stopped"), std::string::npos);

  auto again = StartWorker({"--threads", "2"});
  ASSERT_TRUE(WaitFor([&] { return CountInState("succeeded") == 6; }, seconds(120)));
  for (const auto& id : ids) EXPECT_EQ(Show(id)["attempts"], 1) << id;
}

TEST_P(JobsCrashTest, TwoWorkerProcessesShareAThousandJobsEachRunOnce) {
  const std::string pipeline = "grayscale;format:type=png";
  const int kJobs = 1000;
  auto inputs = MakeInputs(4, 24, 16);
  std::vector<std::string> files;
  for (int i = 0; i < kJobs; ++i) files.push_back(inputs[i % inputs.size()]);
  auto ids = Submit(files, pipeline);
  ASSERT_EQ(ids.size(), static_cast<size_t>(kJobs));

  auto a = StartWorker({"--threads", "3"});
  auto b = StartWorker({"--threads", "3"});
  ASSERT_TRUE(WaitFor([&] { return CountInState("succeeded") == kJobs; }, seconds(300)))
      << Stats().dump();
  a->Signal(SIGTERM);
  b->Signal(SIGTERM);
  ASSERT_EQ(a->Wait(seconds(30)), 0);
  ASSERT_EQ(b->Wait(seconds(30)), 0);

  // Each job succeeded exactly once across both processes, and both did work.
  std::map<std::string, int> runs;
  int by_a = 0, by_b = 0;
  std::regex succeeded(R"re("event":"job_succeeded","job_id":"([0-9A-Z]{26})")re");
  for (auto* proc : {a.get(), b.get()}) {
    std::string err = proc->Stderr();
    for (std::sregex_iterator it(err.begin(), err.end(), succeeded), end; it != end; ++it) {
      ++runs[(*it)[1]];
      (proc == a.get() ? by_a : by_b)++;
    }
  }
  EXPECT_EQ(runs.size(), static_cast<size_t>(kJobs));
  for (const auto& [id, n] : runs) EXPECT_EQ(n, 1) << id;
  EXPECT_GT(by_a, 0);
  EXPECT_GT(by_b, 0);

  // Outputs are correct: results are the grey versions of their inputs.
  std::vector<std::vector<uint8_t>> expected;
  for (const auto& in : inputs) expected.push_back(CleanRun(in, pipeline));
  for (int i = 0; i < kJobs; ++i) {
    auto bytes = ReadFile(data() / "blobs" / "results" / ids[i]);
    ASSERT_TRUE(bytes.has_value()) << ids[i];
    ASSERT_EQ(*bytes, expected[i % inputs.size()]) << ids[i];
  }
  auto stats = Stats();
  EXPECT_EQ(stats["queue"]["leased"], 0);
  EXPECT_EQ(stats["queue"]["ready_normal"], 0);
  EXPECT_EQ(stats["queue"]["delayed"], 0);
}

TEST_P(JobsCrashTest, BadInputDiesAtOnceAndRetryRunsItAgain) {
  fs::path bad = dir_.path() / "in" / "bad.png";
  auto good = MakeInputs(1, 40, 30);
  // A valid header and structure with damaged pixel data: accepted at submit (header checks
  // pass), fails in the worker as corrupt_image, which no retry can fix.
  auto bytes = ReadFile(good[0]);
  ASSERT_TRUE(bytes.has_value());
  ASSERT_TRUE(WriteFileAtomically(bad, CorruptPngPixels(*bytes)).has_value());
  auto ids = Submit({bad.string()}, "blur:sigma=1;format:type=png");
  auto worker = StartWorker({"--threads", "1"});
  ASSERT_TRUE(WaitFor([&] { return CountInState("dead") == 1; }, seconds(60)));
  auto job = Show(ids[0]);
  EXPECT_EQ(job["error"]["code"], "corrupt_image");
  EXPECT_EQ(job["attempts"], 1);

  auto retried = RunTessera(Args({"jobs", "retry", ids[0]}));
  EXPECT_EQ(retried.exit_code, 0) << retried.err;
  ASSERT_TRUE(WaitFor([&] { return Show(ids[0])["state"] == "dead"; }, seconds(60)));
}

TEST_P(JobsCrashTest, CancelledQueuedJobNeverRuns) {
  auto inputs = MakeInputs(2, 40, 30);
  auto ids = Submit({inputs[0]}, "invert");
  auto cancel = RunTessera(Args({"jobs", "cancel", ids[0]}));
  ASSERT_EQ(cancel.exit_code, 0) << cancel.err;
  // A later job of the same priority, queued behind the cancelled one: once the worker has run
  // it, the worker was up and took work from the queue, and would have met the cancelled job
  // first.
  auto later = Submit({inputs[1]}, "invert");
  auto worker = StartWorker({"--threads", "1"});
  ASSERT_TRUE(WaitFor([&] { return Show(later[0])["state"] == "succeeded"; }, seconds(60)));
  EXPECT_EQ(Show(ids[0])["state"], "cancelled");
  EXPECT_EQ(Show(ids[0])["attempts"], 0);
  EXPECT_EQ(worker->Stderr().find(ids[0]), std::string::npos) << worker->Stderr();
  auto again = RunTessera(Args({"jobs", "cancel", ids[0]}));
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("conflict"), std::string::npos) << again.err;
}

TEST_P(JobsCrashTest, IdempotencyKeyReturnsTheSameJob) {
  auto inputs = MakeInputs(1, 40, 30);
  auto first =
      RunTessera(Args({"jobs", "submit", "--idempotency-key", "k-1", "-p", "invert", inputs[0]}));
  auto second =
      RunTessera(Args({"jobs", "submit", "--idempotency-key", "k-1", "-p", "invert", inputs[0]}));
  ASSERT_EQ(first.exit_code, 0) << first.err;
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(first.out.substr(0, 26), second.out.substr(0, 26));
  EXPECT_NE(second.out.find("existing"), std::string::npos);
  EXPECT_EQ(CountInState("queued"), 1);
}

TEST_P(JobsCrashTest, JobWaitingForAMissingCapabilitySaysSo) {
  auto inputs = MakeInputs(1, 40, 30);
  auto ids = Submit(inputs, "invert");
  auto worker = StartWorker({"--threads", "1", "--capabilities", "gpu"});
  ASSERT_TRUE(WaitFor([&] { return Stats()["workers"] == 1; }, seconds(30)));
  auto job = Show(ids[0]);
  EXPECT_EQ(job["state"], "queued");
  EXPECT_EQ(job["waiting_for"], nlohmann::json::array({"core"}));
}

// Redis only: the server is SIGKILLed and restarted (AOF, appendfsync always) while a worker is
// busy. No acknowledged job is lost, the worker reconnects by itself, and everything finishes.
TEST_P(JobsCrashTest, RedisRestartMidRunLosesNoAcknowledgedJob) {
  if (GetParam() != "redis") GTEST_SKIP() << "only Redis has a server to restart";
  const std::string pipeline = "blur:sigma=3;format:type=png";
  auto inputs = MakeInputs(3, 600, 400);
  std::vector<std::string> files;
  for (int i = 0; i < 40; ++i) files.push_back(inputs[i % inputs.size()]);
  auto ids = Submit(files, pipeline);
  ASSERT_EQ(ids.size(), 40u);
  auto worker = StartWorker({"--threads", "2", "--lease-ms", "2000"});
  ASSERT_TRUE(WaitFor([&] { return CountInState("succeeded") >= 5; }, seconds(60)));

  redis_->Kill();
  std::this_thread::sleep_for(milliseconds(300));
  Status restarted = redis_->Restart();
  ASSERT_TRUE(restarted.has_value()) << restarted.error().ToString();
  // Every job accepted before the crash is still known after it.
  nlohmann::json after = Stats();
  ASSERT_TRUE(after.contains("jobs")) << after.dump();
  int64_t known = 0;
  for (auto& [state, n] : after["jobs"].items()) known += n.get<int64_t>();
  EXPECT_EQ(known, 40);

  ASSERT_TRUE(WaitFor([&] { return CountInState("succeeded") == 40; }, seconds(180)))
      << Stats().dump() << worker->Stderr().substr(0, 4000);
  EXPECT_TRUE(worker->Running()) << "the worker should ride out the outage";
  std::vector<std::vector<uint8_t>> expected;
  for (const auto& in : inputs) expected.push_back(CleanRun(in, pipeline));
  for (size_t i = 0; i < ids.size(); ++i) {
    auto bytes = ReadFile(data() / "blobs" / "results" / ids[i]);
    ASSERT_TRUE(bytes.has_value()) << ids[i];
    EXPECT_EQ(*bytes, expected[i % inputs.size()]) << ids[i];
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, JobsCrashTest, ::testing::Values("sqlite", "redis"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace tessera::testing
