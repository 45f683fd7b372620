// `tessera bench` as a user runs it: every mode (sequential, threads, tiled, worker processes on
// the embedded queue and on a real redis-server) over real files, each row of the table with
// its images done and none failed; and `--server` against a real `tessera serve`, whose status
// mix must match what each kind of request gets (200 valid, 422 oversized, 415 wrong type).
#include <gtest/gtest.h>

#include <regex>

#include "core/file_io.h"
#include "support/image_testing.h"
#include "support/redis_server.h"
#include "support/serve_process.h"
#include "support/subprocess.h"
#include "support/temp_dir.h"

namespace tessera::testing {
namespace {

namespace fs = std::filesystem;

class BenchCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(dir_.path() / "images");
    for (int i = 0; i < 3; ++i) {
      auto jpeg = EncodeWithOpenCv(MakeTestPattern(320 + 16 * i, 240, 3), ".jpg");
      ASSERT_TRUE(
          WriteFileAtomically(dir_.path() / "images" / ("p" + std::to_string(i) + ".jpg"), jpeg)
              .has_value());
    }
  }
  // The table row of `mode`, or empty.
  static std::string Row(const std::string& out, const std::string& mode) {
    std::smatch m;
    std::regex row("(^|\\n)(" + mode + " +[^\\n]*)");
    return std::regex_search(out, m, row) ? m[2].str() : "";
  }
  TempDir dir_;
};

TEST_F(BenchCommandTest, EveryModeRunsTheWholeBatch) {
  RedisServer redis;
  ASSERT_TRUE(redis.Start().has_value());
  auto run =
      RunTessera({"bench", (dir_.path() / "images").string(), "-p", "blur:sigma=2", "-n", "2",
                  "--redis", redis.url() + "/2", "--work-dir", (dir_.path() / "work").string()});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_NE(run.out.find("3 images"), std::string::npos) << run.out;
  for (const std::string mode : {"sequential", "threads", "tiled", "processes", "redis"}) {
    SCOPED_TRACE(mode);
    const std::string row = Row(run.out, mode);
    ASSERT_FALSE(row.empty()) << run.out;
    // mode, wall s, images/s, MP/s, speed-up, CPU s, CPU use, peak RSS, "MB", failed
    std::istringstream fields(row);
    std::string name, speedup, use, mb;
    double wall = 0, per_s = 0, mps = 0, cpu = 0, rss = 0;
    int failed = -1;
    fields >> name >> wall >> per_s >> mps >> speedup >> cpu >> use >> rss >> mb >> failed;
    EXPECT_GT(wall, 0) << row;
    // 3 images in `wall` seconds; wall is printed to the millisecond, so allow its rounding.
    EXPECT_NEAR(per_s * wall, 3.0, per_s * 0.0006 + 0.02) << row;
    EXPECT_GT(cpu, 0) << row;
    EXPECT_GT(rss, 10) << row;
    EXPECT_EQ(failed, 0) << row;
  }
  // The worker processes' jobs went through Redis.
  auto keys = RunProcess({"/usr/bin/redis-cli", "-p", std::to_string(redis.port()), "-n", "2",
                          "--scan", "--pattern", "*job*"});
  EXPECT_FALSE(keys.out.empty()) << keys.err;
}

TEST_F(BenchCommandTest, AnUnknownModeIsAUsageError) {
  auto run = RunTessera({"bench", (dir_.path() / "images").string(), "--modes", "sequential,warp"});
  EXPECT_EQ(run.exit_code, 2) << run.out << run.err;
  EXPECT_NE(run.err.find("unknown mode warp; allowed: sequential, threads, tiled"),
            std::string::npos)
      << run.err;
  run = RunTessera({"bench", (dir_.path() / "images").string(), "--modes", "redis"});
  EXPECT_EQ(run.exit_code, 2) << run.out << run.err;
  EXPECT_NE(run.err.find("needs --redis"), std::string::npos) << run.err;
}

TEST_F(BenchCommandTest, LoadAgainstAServerReportsEachKindsStatus) {
  auto serve = ServeProcess::Start(dir_.path(), {"--workers", "1"});
  ASSERT_TRUE(serve);
  auto run = RunTessera({"bench", "--server", serve->url(), (dir_.path() / "images").string(), "-c",
                         "2", "--requests", "30", "--duration-s", "60", "--mix",
                         "valid=1,oversized=1,wrong-type=1"});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_NE(run.out.find("load: 30 requests"), std::string::npos) << run.out;
  std::smatch m;
  EXPECT_TRUE(std::regex_search(run.out, m, std::regex("valid +200 +10\\b"))) << run.out;
  EXPECT_TRUE(std::regex_search(run.out, m, std::regex("oversized +422 +10\\b"))) << run.out;
  EXPECT_TRUE(std::regex_search(run.out, m, std::regex("wrong-type +415 +10\\b"))) << run.out;
  EXPECT_NE(run.out.find("p99"), std::string::npos) << run.out;
}

}  // namespace
}  // namespace tessera::testing
