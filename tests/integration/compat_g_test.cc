// `tessera compat g`: the tile-blur service's command line, flags and output names, over a real
// redis-server and real processes (all-in-one, and coordinator / workers / assembler apart with
// a worker SIGKILLed mid-run). Every output must equal the whole-image, untiled
// `tessera process -p blur:k=K,rounding=truncate` of its input, pixel for pixel.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <string>
#include <vector>

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

bool SamePixels(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b) {
  cv::Mat ma = DecodeWithOpenCv(a);
  cv::Mat mb = DecodeWithOpenCv(b);
  if (ma.empty() || mb.empty() || ma.size() != mb.size() || ma.type() != mb.type()) return false;
  return cv::norm(ma.reshape(1), mb.reshape(1), cv::NORM_INF) == 0;
}

class CompatGTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Status started = redis_.Start();
    ASSERT_TRUE(started.has_value()) << started.error().ToString();
    fs::create_directories(in());
    // g's order: *.png, then *.jpg, then *.jpeg, each sorted; "blurred" names are skipped.
    Write("b.png", EncodeWithOpenCv(MakeTestPattern(300, 170, 3), ".png"));
    Write("a.png", EncodeWithOpenCv(MakeTestPattern(130, 250, 4), ".png"));
    Write("c.jpg", EncodeWithOpenCv(MakeTestPattern(257, 190, 3), ".jpg"));
    Write("d.jpeg", EncodeWithOpenCv(MakeTestPattern(90, 60, 1), ".png"));
    Write("old_blurred.png", EncodeWithOpenCv(MakeTestPattern(20, 20, 3), ".png"));
    Write("notes.txt", {'h', 'i'});
  }

  fs::path in() const { return dir_.path() / "data" / "input"; }
  fs::path out() const { return dir_.path() / "data" / "output"; }
  std::string redis_addr() const { return "127.0.0.1:" + std::to_string(redis_.port()); }

  void Write(const std::string& name, const std::vector<uint8_t>& bytes) {
    ASSERT_TRUE(WriteFileAtomically(in() / name, bytes).has_value());
  }

  std::vector<std::string> G(const std::string& mode, std::vector<std::string> extra = {}) const {
    std::vector<std::string> args = {"compat",
                                     "g",
                                     "-mode=" + mode,
                                     "-redis",
                                     redis_addr(),
                                     "-input=" + in().string(),
                                     "--output=" + out().string(),
                                     "-kernel=7",
                                     "-tile-size",
                                     "64"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }

  // Waits for img1..imgN_blurred.png and checks each against the untiled reference of the
  // input g numbers N.
  void ExpectOutputs(int kernel) {
    const std::vector<std::string> order = {"a.png", "b.png", "c.jpg", "d.jpeg"};
    for (size_t i = 0; i < order.size(); ++i) {
      fs::path output = out() / ("img" + std::to_string(i + 1) + "_blurred.png");
      ASSERT_TRUE(WaitFor([&] { return fs::exists(output); }, seconds(120))) << output;
      fs::path reference = dir_.path() / ("ref" + std::to_string(i) + ".png");
      auto r = RunTessera(
          {"process", (in() / order[i]).string(), "-o", reference.string(), "--tiles", "off", "-p",
           "blur:k=" + std::to_string(kernel) + ",rounding=truncate;format:type=png"});
      ASSERT_EQ(r.exit_code, 0) << r.err;
      auto got = ReadFile(output, 1 << 26);
      auto want = ReadFile(reference, 1 << 26);
      ASSERT_TRUE(got.has_value() && want.has_value());
      EXPECT_TRUE(SamePixels(*got, *want)) << order[i] << " -> " << output;
      EXPECT_EQ(DecodeWithOpenCv(*got).channels(), 4) << "g writes RGBA";
    }
    EXPECT_FALSE(fs::exists(out() / "img5_blurred.png"));
    for (const auto& entry : fs::directory_iterator(out())) {
      EXPECT_TRUE(entry.path().filename().string().ends_with("_blurred.png"))
          << "no temporary or partial file may stay: " << entry.path();
    }
  }

  TempDir dir_;
  RedisServer redis_;
};

TEST_F(CompatGTest, AllModeWritesGsOutputNamesWithTheWholeImageBlur) {
  auto all = StartTessera(G("all", {"-workers=2"}), dir_.path());
  ExpectOutputs(7);
  // Every written image leaves the pending list (the writer walks only that list).
  const fs::path pending = dir_.path() / "data" / ".tessera-store" / "compat" / "g" / "pending";
  EXPECT_TRUE(WaitFor([&] { return !fs::exists(pending) || fs::is_empty(pending); }, seconds(10)));
  all->Signal(SIGTERM);
  auto code = all->Wait(seconds(60));
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0) << all->Stderr();
  EXPECT_NE(all->Stderr().find("g_all_images_written"), std::string::npos);
  // The store defaults to a directory beside -output, on the volume g's processes share.
  EXPECT_TRUE(fs::exists(dir_.path() / "data" / ".tessera-store"));
}

TEST_F(CompatGTest, SeparateRolesSurviveAWorkerKilledMidRun) {
  auto coordinator = RunTessera(G("coordinator", {"-run=r1"}));
  ASSERT_EQ(coordinator.exit_code, 0) << coordinator.err;
  // The same run again queues nothing new (its jobs are found by their idempotency keys).
  auto again = RunTessera(G("coordinator", {"-run=r1"}));
  ASSERT_EQ(again.exit_code, 0) << again.err;

  // A short lease, so the killed worker's task comes back in seconds (g's is 30 s, as tessera's).
  ::setenv("TESSERA_LEASE_MS", "2000", 1);
  auto assembler = StartTessera(G("assembler"), dir_.path() / "asm");
  auto doomed = StartTessera(G("worker", {"-workers=1"}), dir_.path() / "w1");
  // Let it start on the tiles, then kill it: its leased task returns to the queue.
  ASSERT_TRUE(WaitFor([&] { return doomed->Stderr().find("tiles_planned") != std::string::npos; },
                      seconds(60)))
      << doomed->Stderr();
  doomed->Kill();
  auto survivor = StartTessera(
      G("worker", {"-workers=2",
                   "--store=" + ("file://" + (dir_.path() / "data" / ".tessera-store").string())}),
      dir_.path() / "w2");
  ExpectOutputs(7);
  for (auto* p : {assembler.get(), survivor.get()}) {
    p->Signal(SIGTERM);
    auto code = p->Wait(seconds(60));
    ASSERT_TRUE(code.has_value());
    EXPECT_EQ(*code, 0) << p->Stderr();
  }
}

TEST_F(CompatGTest, FlagsAreGosFlagPackage) {
  auto unknown = RunTessera({"compat", "g", "-colour=red"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("flag provided but not defined: -colour"), std::string::npos);
  EXPECT_NE(unknown.err.find("-kernel"), std::string::npos) << "usage follows";

  auto bad_int = RunTessera({"compat", "g", "-kernel", "big"});
  EXPECT_EQ(bad_int.exit_code, 2);
  EXPECT_NE(bad_int.err.find("invalid value \"big\" for flag -kernel"), std::string::npos);

  auto bad_mode = RunTessera({"compat", "g", "-mode=everything"});
  EXPECT_EQ(bad_mode.exit_code, 1);
  EXPECT_NE(bad_mode.err.find("Invalid mode: everything"), std::string::npos);

  auto help = RunTessera({"compat", "g", "-h"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.err.find("Usage of tessera compat g"), std::string::npos);

  auto empty = RunTessera({"compat", "g", "-mode=all", "-input=" + (dir_.path() / "none").string(),
                           "-output=" + out().string(), "-redis=" + redis_addr()});
  EXPECT_EQ(empty.exit_code, 1);
  EXPECT_NE(empty.err.find("No images found in"), std::string::npos);
}

}  // namespace
}  // namespace tessera::testing
