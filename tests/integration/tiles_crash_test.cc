// Tiled jobs with real processes on both backends (SQLite + files; a real redis-server + a
// shared directory): a tile worker SIGKILLed mid-job, the coordinator SIGKILLed while storing
// tile inputs, and an assembler SIGKILLed mid-assembly.
// The job must complete with output byte-identical to `tessera process --tiles off`, and the
// workers' JSON logs must show that no tile finished before the kill was computed again.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

#include "core/file_io.h"
#include "support/image_testing.h"
#include "support/redis_server.h"
#include "support/subprocess.h"
#include "support/temp_dir.h"
#include "support/tessera_process.h"

namespace tessera::testing {
namespace {
namespace fs = std::filesystem;
using std::chrono::seconds;

class TilesCrashTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "redis") {
      RedisServerOptions options;
      options.appendonly = true;
      options.appendfsync = "always";
      redis_ = std::make_unique<RedisServer>(options);
      Status started = redis_->Start();
      ASSERT_TRUE(started.has_value()) << started.error().ToString();
    }
  }

  fs::path data() const { return dir_.path() / "data"; }

  std::vector<std::string> Args(std::vector<std::string> head) const {
    std::vector<std::string> b =
        redis_ == nullptr ? std::vector<std::string>{"--data-dir", data().string()}
                          : std::vector<std::string>{"--queue", redis_->url(), "--store",
                                                     "file://" + (data() / "blobs").string()};
    head.insert(head.end(), b.begin(), b.end());
    return head;
  }

  std::string MakeInput(int w, int h) {
    fs::path p = dir_.path() / "in" / "big.png";
    fs::create_directories(p.parent_path());
    EXPECT_TRUE(WriteFileAtomically(p, EncodeWithOpenCv(MakeTestPattern(w, h, 3), ".png")));
    return p.string();
  }

  std::string Submit(const std::string& file, const std::string& pipeline) {
    auto r = RunTessera(Args({"jobs", "submit", "--tiles", "on", "-p", pipeline, file}));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out.substr(0, r.out.find('\t'));
  }

  nlohmann::json Show(const std::string& id) {
    auto r = RunTessera(Args({"jobs", "show", id}));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.exit_code == 0 ? nlohmann::json::parse(r.out) : nlohmann::json::object();
  }

  std::unique_ptr<BackgroundProcess> StartWorker(const std::string& name, int tile_size,
                                                 int threads) {
    std::vector<std::string> args =
        Args({"worker", "--threads", std::to_string(threads), "--lease-ms", "1500", "--tile-size",
              std::to_string(tile_size)});
    return StartTessera(args, dir_.path() / ("logs-" + name));
  }

  std::vector<uint8_t> CleanRun(const std::string& input, const std::string& pipeline) {
    fs::path out = dir_.path() / "clean";  // no extension: the pipeline's format, unchanged
    auto r =
        RunTessera({"process", input, "-o", out.string(), "-p", pipeline, "--tiles", "off", "-q"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    auto bytes = ReadFile(out);
    return bytes ? *bytes : std::vector<uint8_t>{};
  }

  std::vector<uint8_t> JobResult(const std::string& id) {
    fs::path out = dir_.path() / "result.out";
    auto r = RunTessera(Args({"jobs", "result", id, "-o", out.string()}));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    auto bytes = ReadFile(out);
    return bytes ? *bytes : std::vector<uint8_t>{};
  }

  TempDir dir_;
  std::unique_ptr<RedisServer> redis_;
};

// The tiles named by `event` lines ("tile_run": computed; "tile_done": computed and recorded)
// in a worker's JSON log, with how often each appears.
std::map<int, int> Tiles(const std::string& log, const std::string& event) {
  std::map<int, int> tiles;
  std::regex line("\"event\":\"" + event + "\",\"job_id\":\"[0-9A-Z]{26}\",\"tile\":\"([0-9]+)\"");
  for (std::sregex_iterator it(log.begin(), log.end(), line), end; it != end; ++it) {
    ++tiles[std::stoi((*it)[1])];
  }
  return tiles;
}

int Count(const std::string& log, const std::string& event) {
  int n = 0;
  std::string needle = "\"event\":\"" + event + "\"";
  for (size_t at = log.find(needle); at != std::string::npos; at = log.find(needle, at + 1)) ++n;
  return n;
}

TEST_P(TilesCrashTest, TileWorkerKilledMidJobResumesWithoutRedoingFinishedTiles) {
  const std::string pipeline = "blur:sigma=4;sharpen;format:type=png";
  std::string input = MakeInput(1200, 900);
  std::string id = Submit(input, pipeline);
  constexpr int kTiles = 19 * 15;  // 64-pixel tiles

  auto a = StartWorker("a", 64, 1);
  ASSERT_TRUE(WaitFor([&] { return Count(a->Stderr(), "tile_done") >= 30; }, seconds(60)))
      << a->Stderr();
  a->Kill();
  std::map<int, int> done_by_a = Tiles(a->Stderr(), "tile_done");
  ASSERT_LT(static_cast<int>(done_by_a.size()), kTiles) << "the kill came after every tile";
  auto mid = Show(id);
  EXPECT_EQ(mid["state"], "running");
  EXPECT_EQ(mid["progress"]["total"], kTiles);
  EXPECT_GE(mid["progress"]["done"].get<int>(), static_cast<int>(done_by_a.size()));

  auto b = StartWorker("b", 64, 2);
  ASSERT_TRUE(WaitFor([&] { return Show(id)["state"] == "succeeded"; }, seconds(120)))
      << Show(id).dump() << b->Stderr();
  auto job = Show(id);
  EXPECT_EQ(job["progress"]["done"], kTiles);
  EXPECT_EQ(job["execution"], "tiled (halo 15): blur:sigma=4;sharpen");
  EXPECT_EQ(JobResult(id), CleanRun(input, pipeline));

  // No tile A finished was computed by B; every tile was finished by exactly one of them,
  // except at most the one A may have recorded in the instant before the kill without logging.
  std::map<int, int> run_by_b = Tiles(b->Stderr(), "tile_run");
  std::map<int, int> done_by_b = Tiles(b->Stderr(), "tile_done");
  for (const auto& [tile, n] : done_by_a) {
    EXPECT_EQ(n, 1) << "tile " << tile;
    EXPECT_EQ(run_by_b.count(tile), 0u) << "tile " << tile << " finished by A was redone by B";
  }
  for (const auto& [tile, n] : done_by_b) EXPECT_EQ(n, 1) << "tile " << tile;
  EXPECT_GE(done_by_a.size() + done_by_b.size(), static_cast<size_t>(kTiles - 1));
  EXPECT_LE(done_by_a.size() + done_by_b.size(), static_cast<size_t>(kTiles));
  EXPECT_EQ(Count(b->Stderr(), "assemble_start"), 1);
}

TEST_P(TilesCrashTest, AssemblerKilledMidAssemblyFinishesWithoutRecomputingTiles) {
  // A big PNG at the highest compression makes assembling (stream + encode) take a while.
  const std::string pipeline = "blur:sigma=2;format:type=png,compression=9";
  std::string input = MakeInput(3000, 2000);
  std::string id = Submit(input, pipeline);

  auto a = StartWorker("a", 256, 2);
  ASSERT_TRUE(WaitFor([&] { return Count(a->Stderr(), "assemble_start") >= 1; }, seconds(120)))
      << a->Stderr();
  a->Kill();
  ASSERT_NE(Show(id)["state"], "succeeded") << "the kill came after the assembly";
  EXPECT_EQ(Count(a->Stderr(), "job_succeeded"), 0);
  EXPECT_EQ(Tiles(a->Stderr(), "tile_done").size(), 12u * 8u);

  auto b = StartWorker("b", 256, 2);
  ASSERT_TRUE(WaitFor([&] { return Show(id)["state"] == "succeeded"; }, seconds(120)))
      << Show(id).dump() << b->Stderr();
  EXPECT_EQ(Tiles(b->Stderr(), "tile_run").size(), 0u) << "tiles were computed again";
  EXPECT_EQ(Count(b->Stderr(), "assemble_start"), 1);
  EXPECT_EQ(Show(id)["attempts"], 1);
  EXPECT_EQ(JobResult(id), CleanRun(input, pipeline));
}

// The coordinator (the job's process task) killed while it is still storing tile inputs: the
// redelivered coordinator stores only the inputs that are missing and skips tiles done meanwhile.
TEST_P(TilesCrashTest, CoordinatorKilledMidwayResumesWithoutRewritingStoredTiles) {
  const std::string pipeline = "blur:sigma=1;invert;format:type=png";
  std::string input = MakeInput(3000, 2000);
  std::string id = Submit(input, pipeline);
  constexpr int kTiles = 32 * 21;  // 96-pixel tiles
  fs::path inputs_dir = data() / "blobs" / "tiles" / id / "in";
  auto stored = [&] {
    std::error_code ec;
    int n = 0;
    for (auto it = fs::directory_iterator(inputs_dir, ec); !ec && it != fs::directory_iterator();
         it.increment(ec)) {
      ++n;
    }
    return n;
  };

  auto a = StartWorker("a", 96, 2);
  ASSERT_TRUE(WaitFor([&] { return stored() >= 100; }, seconds(60))) << a->Stderr();
  a->Kill();
  ASSERT_EQ(Count(a->Stderr(), "tiles_planned"), 0) << "the kill came after the coordinator";
  std::map<int, int> done_by_a = Tiles(a->Stderr(), "tile_done");

  auto b = StartWorker("b", 96, 2);
  ASSERT_TRUE(WaitFor([&] { return Show(id)["state"] == "succeeded"; }, seconds(180)))
      << Show(id).dump() << b->Stderr();
  EXPECT_EQ(JobResult(id), CleanRun(input, pipeline));
  EXPECT_EQ(Show(id)["progress"]["done"], kTiles);

  // B's coordinator found A's stored inputs and done tiles and did not write them again.
  std::smatch m;
  std::string log = b->Stderr();
  std::regex planned(
      R"re("event":"tiles_planned".*"tiles":"([0-9]+)","inputs_written":"([0-9]+)","already_done":"([0-9]+)")re");
  ASSERT_TRUE(std::regex_search(log, m, planned)) << log;
  EXPECT_EQ(std::stoi(m[1]), kTiles);
  std::printf("resumed coordinator: %s inputs written, %s tiles already done (A finished %zu)\n",
              m[2].str().c_str(), m[3].str().c_str(), done_by_a.size());
  EXPECT_LE(std::stoi(m[2]), kTiles - 100 + static_cast<int>(done_by_a.size()));
  EXPECT_GE(std::stoi(m[3]), static_cast<int>(done_by_a.size()));
  std::map<int, int> run_by_b = Tiles(log, "tile_run");
  for (const auto& [tile, n] : done_by_a) {
    EXPECT_EQ(run_by_b.count(tile), 0u) << "tile " << tile << " finished by A was redone by B";
  }
}

TEST_P(TilesCrashTest, CancelStopsTheRemainingTiles) {
  std::string input = MakeInput(1200, 900);
  std::string id = Submit(input, "blur:sigma=4;format:type=png");
  auto a = StartWorker("a", 48, 1);
  ASSERT_TRUE(WaitFor([&] { return Count(a->Stderr(), "tile_done") >= 5; }, seconds(60)))
      << a->Stderr();
  auto cancel = RunTessera(Args({"jobs", "cancel", id}));
  ASSERT_EQ(cancel.exit_code, 0) << cancel.err;
  int done_at_cancel = Count(a->Stderr(), "tile_done");
  // Every remaining tile task is consumed without being computed.
  ASSERT_TRUE(WaitFor(
      [&] {
        auto r = RunTessera(Args({"jobs", "stats"}));
        auto s = nlohmann::json::parse(r.out);
        return s["queue"]["ready_normal"] == 0 && s["queue"]["leased"] == 0;
      },
      seconds(60)));
  auto job = Show(id);
  EXPECT_EQ(job["state"], "cancelled");
  EXPECT_LT(job["progress"]["done"].get<int>(), 25 * 19);
  // At most the tile running when the cancel landed finished after it.
  EXPECT_LE(Count(a->Stderr(), "tile_done"), done_at_cancel + 1);
  EXPECT_EQ(Count(a->Stderr(), "assemble_start"), 0);
}

INSTANTIATE_TEST_SUITE_P(Backends, TilesCrashTest, ::testing::Values("sqlite", "redis"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace tessera::testing
