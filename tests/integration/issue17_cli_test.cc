// Issue 17, the CLI tried as a new user: usage errors exit 2 as the README says (not CLI11's
// 101..109), unknown config keys are errors naming the key and the file, --config works after
// the subcommand, an unknown output extension is refused, and pixel-limit errors name their
// flags. The real binary, run as a process.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/file_io.h"
#include "support/image_testing.h"
#include "support/subprocess.h"
#include "support/temp_dir.h"
#include "support/tessera_process.h"

namespace tessera::testing {
namespace {
namespace fs = std::filesystem;

class Issue17Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(
        WriteFileAtomically(in_, EncodeWithOpenCv(MakeTestPattern(100, 100), ".png")).has_value());
  }
  fs::path Config(const std::string& text) {
    fs::path p = dir_.path() / "tessera.toml";
    std::ofstream(p) << text;
    return p;
  }

  TempDir dir_;
  const fs::path in_ = dir_.path() / "in.png";
  const fs::path out_ = dir_.path() / "out.png";
};

TEST_F(Issue17Cli, EveryUsageErrorExitsTwo) {
  const std::vector<std::vector<std::string>> usage_errors = {
      {"process", in_, "-o", out_, "--no-such-flag"},          // CLI11: 109
      {"process", in_},                                        // missing -o, CLI11: 106
      {"process", in_, "-o", out_, "-j", "0"},                 // out of range, CLI11: 105
      {"process", in_, "-o", out_, "-j", "two"},               // not a number, CLI11: 101
      {"--config", dir_.path() / "missing.toml", "ops"},       // no such file, CLI11: 103
      {"process", in_, "-o", out_, "--fail-on", "sometimes"},  // not a choice
      {},                                                      // no command
  };
  for (const auto& args : usage_errors) {
    auto r = RunTessera(args);
    EXPECT_EQ(r.exit_code, 2) << ::testing::PrintToString(args) << r.err;
    EXPECT_FALSE(r.err.empty()) << ::testing::PrintToString(args);
  }
  EXPECT_FALSE(fs::exists(out_));
  for (const std::vector<std::string>& ok :
       {std::vector<std::string>{"--help"}, {"--version"}, {"process", "--help"}}) {
    EXPECT_EQ(RunTessera(ok).exit_code, 0) << ::testing::PrintToString(ok);
  }
}

TEST_F(Issue17Cli, UnknownConfigKeyIsAnErrorNamingKeyAndFile) {
  fs::path file = Config("[process]\nmax-pixel = 9999\n");
  auto r = RunTessera({"--config", file, "process", in_, "-o", out_});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("'process.max-pixel'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(file.string()), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(out_));

  file = Config("[proces]\njobs = 2\n");
  r = RunTessera({"--config", file, "process", in_, "-o", out_});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("unknown section [proces]"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(out_));
}

TEST_F(Issue17Cli, ConfigIsAcceptedAfterTheSubcommand) {
  fs::path file = Config("[process]\nmax-pixels = 9999\n");
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"process", in_, "-o", out_, "--config", file},
        {"process", "--config=" + file.string(), in_, "-o", out_}}) {
    auto r = RunTessera(args);
    EXPECT_EQ(r.exit_code, 1) << r.err;  // the file's limit applied
    EXPECT_NE(r.err.find("too_many_pixels"), std::string::npos) << r.err;
  }
  EXPECT_FALSE(fs::exists(out_));
}

TEST_F(Issue17Cli, UnknownOutputExtensionIsRefusedListingTheAllowedOnes) {
  auto r = RunTessera({"process", in_, "-o", dir_.path() / "out.bmp", "-p", "invert"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("bad_request: output:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("'.bmp'"), std::string::npos) << r.err;
  for (const char* ext : {".jpg", ".png", ".webp", ".tif", ".gif", ".avif", ".heic"}) {
    EXPECT_NE(r.err.find(ext), std::string::npos) << ext << r.err;
  }
  EXPECT_FALSE(fs::exists(dir_.path() / "out.bmp"));

  // A format named in the pipeline is the user's choice, whatever the name.
  r = RunTessera({"process", in_, "-o", dir_.path() / "out.bin", "-p", "format:type=png"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  auto written = ReadFile(dir_.path() / "out.bin");
  ASSERT_TRUE(written.has_value());
  EXPECT_EQ(DecodeWithOpenCv(*written).cols, 100);
}

TEST_F(Issue17Cli, PixelLimitErrorsNameTheirFlagsInTiledRuns) {
  auto r = RunTessera(
      {"process", in_, "-o", out_, "-p", "blur:sigma=2", "--tiles", "on", "--max-pixels", "9999"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("too_many_pixels"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("(--max-pixels)"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--max-output-pixels"), std::string::npos) << r.err;

  r = RunTessera({"process", in_, "-o", out_, "--max-input-bytes", "10"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("(--max-input-bytes)"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(out_));
}

// `tessera submit` and `tessera jobs submit` spell their options alike: -o/--output (--out
// accepted), -w/--wait, --wait-timeout-ms (--timeout-s accepted, in seconds); both show the
// progress summary when waiting.
TEST_F(Issue17Cli, BothSubmitCommandsSpellTheirOptionsAlike) {
  for (const char* command : {"submit", "jobs submit"}) {
    std::vector<std::string> args = {command == std::string("submit") ? "submit" : "jobs"};
    if (args[0] == "jobs") args.push_back("submit");
    args.push_back("--help");
    auto help = RunTessera(args);
    EXPECT_EQ(help.exit_code, 0) << command;
    for (const char* flag : {"-o,--output", "-w,--wait", "--wait-timeout-ms"}) {
      EXPECT_NE(help.out.find(flag), std::string::npos) << command << ": " << flag << help.out;
    }
  }
  const std::string data = (dir_.path() / "data").string();
  // -o without --wait is refused by both, whichever spelling.
  auto r = RunTessera({"jobs", "submit", "--data-dir", data, in_, "-p", "invert", "--out", "o/"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("-o needs --wait"), std::string::npos) << r.err;
  r = RunTessera({"submit", in_, "-p", "invert", "--output", "o/"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("-o needs --wait"), std::string::npos) << r.err;
  // The two timeout spellings are one option: not both at once.
  r = RunTessera({"jobs", "submit", "--data-dir", data, in_, "-p", "invert", "--wait",
                  "--timeout-s", "1", "--wait-timeout-ms", "5"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  // --timeout-s is seconds: with no worker, the wait ends after 1 s, not the default 10 min.
  const auto started = std::chrono::steady_clock::now();
  r = RunTessera(
      {"jobs", "submit", "--data-dir", data, in_, "-p", "invert", "--wait", "--timeout-s", "1"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("did not finish in time"), std::string::npos) << r.err;
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(30));

  // With a worker: waits, downloads into --out, and prints the progress summary.
  auto worker = StartTessera({"worker", "--data-dir", data, "--threads", "1"}, dir_.path());
  const fs::path results = dir_.path() / "results";
  r = RunTessera({"jobs", "submit", "--data-dir", data, in_, "-p", "invert;format:type=png", "-w",
                  "--out", results.string(), "--wait-timeout-ms", "60000"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(fs::exists(results / "in.png")) << r.err;
  EXPECT_NE(r.err.find("processed 1 images (0 failed)"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace tessera::testing
