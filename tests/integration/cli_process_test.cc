// The real `tessera` binary driven as a user would: files and directory trees in, outputs
// mirrored and written atomically, one clear line per bad file, exit status and --help.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "core/file_io.h"
#include "support/image_testing.h"
#include "support/subprocess.h"
#include "support/temp_dir.h"

namespace tessera::testing {
namespace {
namespace fs = std::filesystem;

void WriteBytes(const fs::path& p, const std::vector<uint8_t>& bytes) {
  fs::create_directories(p.parent_path());
  ASSERT_TRUE(WriteFileAtomically(p, bytes).has_value());
}

cv::Mat DecodeFile(const fs::path& p) {
  auto bytes = ReadFile(p);
  EXPECT_TRUE(bytes.has_value()) << p;
  return bytes ? DecodeWithOpenCv(*bytes) : cv::Mat();
}

std::vector<fs::path> FilesUnder(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) out.push_back(fs::relative(e.path(), dir));
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(CliProcess, SingleFileResizeWritesTheResult) {
  TempDir dir;
  WriteBytes(dir.path() / "in.png", EncodeWithOpenCv(MakeTestPattern(400, 300), ".png"));
  auto r = RunTessera({"process", (dir.path() / "in.png").string(), "-o",
                       (dir.path() / "out.png").string(), "-p", "resize:w=200", "-q"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  cv::Mat out = DecodeFile(dir.path() / "out.png");
  EXPECT_EQ(out.cols, 200);
  EXPECT_EQ(out.rows, 150);
}

TEST(CliProcess, OutputNameChoosesTheFormat) {
  TempDir dir;
  WriteBytes(dir.path() / "in.png", EncodeWithOpenCv(MakeTestPattern(64, 48), ".png"));
  auto r = RunTessera({"process", (dir.path() / "in.png").string(), "-o",
                       (dir.path() / "out.webp").string(), "-p", "blur:sigma=1", "-q"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto bytes = ReadFile(dir.path() / "out.webp");
  ASSERT_TRUE(bytes.has_value());
  ASSERT_GT(bytes->size(), 12u);
  EXPECT_EQ(std::string(bytes->begin() + 8, bytes->begin() + 12), "WEBP");
}

TEST(CliProcess, DirectoryTreeIsMirroredAndBadFilesAreReportedOnce) {
  TempDir dir;
  fs::path in = dir.path() / "in", out = dir.path() / "out";
  WriteBytes(in / "a.png", EncodeWithOpenCv(MakeTestPattern(50, 40), ".png"));
  WriteBytes(in / "sub" / "b.jpg", EncodeWithOpenCv(MakeTestPattern(30, 20), ".jpg"));
  WriteBytes(in / "sub" / "deeper" / "c.png", EncodeWithOpenCv(MakeTestPattern(10, 10), ".png"));
  WriteBytes(in / "sub" / "broken.jpg", {0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J', 'F'});
  WriteBytes(in / "notes.txt", {'h', 'i'});
  WriteBytes(in / ".hidden" / "skip.png", EncodeWithOpenCv(MakeTestPattern(5, 5), ".png"));

  auto r = RunTessera(
      {"process", in.string(), "-o", out.string(), "-p", "grayscale;format:type=png", "-j", "2"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  // Exactly one line per bad file, each naming the file and a typed error code.
  EXPECT_NE(r.err.find("broken.jpg: corrupt_image"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("notes.txt: unsupported_media"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("processed 5 images (2 failed)"), std::string::npos) << r.err;

  std::vector<fs::path> want = {"a.png", "sub/b.png", "sub/deeper/c.png"};
  EXPECT_EQ(FilesUnder(out), want);  // also proves no temporary files were left behind
  cv::Mat b = DecodeFile(out / "sub" / "b.png");
  EXPECT_EQ(b.channels(), 1);
  EXPECT_EQ(b.cols, 30);
}

TEST(CliProcess, WithoutFormatStepTheInputFormatAndNameAreKept) {
  TempDir dir;
  fs::path in = dir.path() / "in", out = dir.path() / "out";
  WriteBytes(in / "x.jpg", EncodeWithOpenCv(MakeTestPattern(40, 40), ".jpg"));
  auto r = RunTessera({"process", in.string(), "-o", out.string(), "-p", "flip", "-q"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto bytes = ReadFile(out / "x.jpg");
  ASSERT_TRUE(bytes.has_value());
  EXPECT_EQ((*bytes)[0], 0xFF);
  EXPECT_EQ((*bytes)[1], 0xD8);
}

TEST(CliProcess, BadPipelineIsAUsageErrorNamingTheField) {
  TempDir dir;
  WriteBytes(dir.path() / "in.png", EncodeWithOpenCv(MakeTestPattern(8, 8), ".png"));
  auto r = RunTessera({"process", (dir.path() / "in.png").string(), "-o",
                       (dir.path() / "o.png").string(), "-p", "blur:sigma=-1"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("bad_pipeline: blur.sigma"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir.path() / "o.png"));
}

TEST(CliProcess, MissingInputIsReported) {
  TempDir dir;
  auto r = RunTessera(
      {"process", (dir.path() / "nope.png").string(), "-o", (dir.path() / "o.png").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("no such file"), std::string::npos) << r.err;
}

TEST(CliProcess, LimitsComeFromFlagsAndEnvironment) {
  TempDir dir;
  WriteBytes(dir.path() / "in.png", EncodeWithOpenCv(MakeTestPattern(100, 100), ".png"));
  auto flag = RunTessera({"process", (dir.path() / "in.png").string(), "-o",
                          (dir.path() / "o.png").string(), "--max-pixels", "9999"});
  EXPECT_EQ(flag.exit_code, 1);
  EXPECT_NE(flag.err.find("too_many_pixels"), std::string::npos) << flag.err;

  auto env = RunProcess({"/usr/bin/env", "TESSERA_MAX_PIXELS=9999", TESSERA_BINARY, "process",
                         (dir.path() / "in.png").string(), "-o", (dir.path() / "o.png").string()});
  EXPECT_EQ(env.exit_code, 1);
  EXPECT_NE(env.err.find("too_many_pixels"), std::string::npos) << env.err;

  std::ofstream(dir.path() / "tessera.toml") << "[process]\nmax-pixels = 9999\n";
  auto cfg = RunTessera({"--config", (dir.path() / "tessera.toml").string(), "process",
                         (dir.path() / "in.png").string(), "-o", (dir.path() / "o.png").string()});
  EXPECT_EQ(cfg.exit_code, 1) << cfg.err;
  EXPECT_NE(cfg.err.find("too_many_pixels"), std::string::npos) << cfg.err;
  EXPECT_FALSE(fs::exists(dir.path() / "o.png"));
}

TEST(CliOps, JsonListsEveryOpWithParameters) {
  auto r = RunTessera({"ops", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  std::set<std::string> names;
  for (const auto& op : j) names.insert(op["name"].get<std::string>());
  for (const char* want :
       {"resize", "thumbnail", "crop", "rotate", "flip", "blur", "sharpen", "edges", "brightness",
        "contrast", "saturation", "gamma", "grayscale", "invert", "detect", "redact", "format"}) {
    EXPECT_TRUE(names.count(want)) << want;
  }
  const auto& resize = j[0];
  EXPECT_EQ(resize["params"][0]["name"], "w");
  EXPECT_EQ(resize["params"][0]["type"], "int");
  EXPECT_EQ(resize["params"][0]["min"], 1);
}

TEST(CliProbe, PrintsHeaderFactsAsJson) {
  TempDir dir;
  WriteBytes(dir.path() / "in.png", EncodeWithOpenCv(MakeTestPattern(33, 22, 4), ".png"));
  auto r = RunTessera({"probe", (dir.path() / "in.png").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["format"], "png");
  EXPECT_EQ(j["width"], 33);
  EXPECT_EQ(j["height"], 22);
  EXPECT_EQ(j["bands"], 4);
  EXPECT_EQ(j["has_alpha"], true);
}

TEST(CliHelp, EveryCommandHasHelp) {
  for (const char* cmd : {"process", "probe", "ops"}) {
    auto r = RunTessera({cmd, "--help"});
    EXPECT_EQ(r.exit_code, 0) << cmd;
    EXPECT_NE(r.out.find("Usage"), std::string::npos) << cmd << r.out;
  }
  auto top = RunTessera({"--help"});
  EXPECT_EQ(top.exit_code, 0);
}

}  // namespace
}  // namespace tessera::testing
