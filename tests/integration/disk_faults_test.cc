// Issue 18 item 7 (disk faults): a read-only or full store answered `POST /v1/jobs` with 500 `io`
// and no Retry-After, and running jobs got about 15 s of retries in all, so a disk full for
// 20 s ended jobs dead. Against a real `tessera serve` whose blob store is a small tmpfs that
// the test fills up and remounts read-only (mounting needs CAP_SYS_ADMIN: skipped without it).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>
#include <thread>

#include "api/http/client.h"
#include "support/image_testing.h"
#include "support/serve_process.h"
#include "support/temp_dir.h"

namespace tessera::testing {
namespace {

namespace fs = std::filesystem;
using api::http::HttpClient;
using nlohmann::json;
using std::chrono::milliseconds;

// A tmpfs of `size` mounted at `dir` for the test's lifetime.
class TmpfsMount {
 public:
  TmpfsMount(fs::path dir, std::string size) : dir_(std::move(dir)), options_("size=" + size) {
    fs::create_directories(dir_);
    mounted_ = ::mount("tmpfs", dir_.c_str(), "tmpfs", 0, options_.c_str()) == 0;
    if (!mounted_) error_ = std::strerror(errno);
  }
  ~TmpfsMount() {
    if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
  }
  TmpfsMount(const TmpfsMount&) = delete;
  TmpfsMount& operator=(const TmpfsMount&) = delete;

  bool mounted() const { return mounted_; }
  const std::string& error() const { return error_; }

  bool SetReadOnly(bool read_only) {
    unsigned long flags = MS_REMOUNT | (read_only ? MS_RDONLY : 0);
    return ::mount("tmpfs", dir_.c_str(), "tmpfs", flags, options_.c_str()) == 0;
  }

  // Writes a filler file until the file system is full.
  void Fill() {
    int fd = ::open((dir_ / "filler").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    ASSERT_GE(fd, 0) << std::strerror(errno);
    std::vector<char> chunk(1 << 16, 'x');
    while (::write(fd, chunk.data(), chunk.size()) > 0) {
    }
    int err = errno;
    // Whatever is left is smaller than one chunk: fill it byte by byte.
    while (::write(fd, chunk.data(), 1) > 0) {
    }
    ::close(fd);
    ASSERT_EQ(err, ENOSPC);
  }
  void Free() { fs::remove(dir_ / "filler"); }

 private:
  fs::path dir_;
  std::string options_;
  bool mounted_ = false;
  std::string error_;
};

std::vector<uint8_t> Small() { return EncodeWithOpenCv(MakeTestPattern(64, 48, 3), ".png"); }

Result<api::http::ClientResponse> PostJob(HttpClient& c, const std::string& pipeline,
                                          const std::vector<uint8_t>& image) {
  return c.Send({.method = "POST",
                 .target = "/v1/jobs?pipeline=" + HttpClient::Encode(pipeline),
                 .body = image});
}

json JobOf(HttpClient& c, const std::string& id) {
  auto r = c.Get("/v1/jobs/" + id);
  return r ? json::parse(r->text(), nullptr, false) : json::object();
}

class DiskFaultsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    blobs_ = std::make_unique<TmpfsMount>(dir_.path() / "blobs", "64m");
    if (!blobs_->mounted()) GTEST_SKIP() << "cannot mount a tmpfs here: " << blobs_->error();
  }
  std::vector<std::string> StoreArgs() {
    return {"--store", "file://" + (dir_.path() / "blobs").string()};
  }

  TempDir dir_;
  std::unique_ptr<TmpfsMount> blobs_;
};

// The answer a client can act on: 503, Retry-After, and a message that says what is wrong.
void ExpectRetryLater(const Result<api::http::ClientResponse>& r, const std::string& why) {
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 503u) << r->text();
  EXPECT_FALSE(r->header("retry-after").empty());
  json e = json::parse(r->text(), nullptr, false)["error"];
  EXPECT_EQ(e.value("code", ""), "unavailable") << e.dump();
  EXPECT_NE(e.value("message", "").find(why), std::string::npos) << e.dump();
}

TEST_F(DiskFaultsTest, SubmitToAFullOrReadOnlyStoreIs503WithRetryAfter) {
  auto args = StoreArgs();
  args.insert(args.end(), {"--workers", "1"});
  auto serve = ServeProcess::Start(dir_.path(), args);
  ASSERT_TRUE(serve);
  auto c = serve->Client();

  blobs_->Fill();
  ExpectRetryLater(PostJob(*c, "invert;format:type=png", Small()), "No space left on device");
  // A load balancer stops sending uploads to a node whose disk is full.
  auto ready = c->Get("/readyz");
  ASSERT_TRUE(ready.has_value());
  EXPECT_EQ(ready->status, 503u) << ready->text();
  blobs_->Free();
  ready = c->Get("/readyz");
  ASSERT_TRUE(ready.has_value());
  EXPECT_EQ(ready->status, 200u) << ready->text();
  auto accepted = PostJob(*c, "invert;format:type=png", Small());
  ASSERT_TRUE(accepted.has_value());
  EXPECT_EQ(accepted->status, 202u) << accepted->text();

  ASSERT_TRUE(blobs_->SetReadOnly(true)) << std::strerror(errno);
  ExpectRetryLater(PostJob(*c, "invert;format:type=png", Small()), "Read-only file system");
  ASSERT_TRUE(blobs_->SetReadOnly(false)) << std::strerror(errno);
  accepted = PostJob(*c, "invert;format:type=png", Small());
  ASSERT_TRUE(accepted.has_value());
  EXPECT_EQ(accepted->status, 202u) << accepted->text();
  // Once the disk is writable again, accepted work runs to the end.
  const std::string id = json::parse(accepted->text())["id"];
  ASSERT_TRUE(
      WaitFor([&] { return JobOf(*c, id).value("state", "") == "succeeded"; }, milliseconds(20000)))
      << JobOf(*c, id).dump();
}

TEST_F(DiskFaultsTest, ARunningJobOutlastsAFullDiskPastItsMaxAttempts) {
  auto args = StoreArgs();
  args.insert(args.end(),
              {"--workers", "1", "--max-attempts", "2", "--storage-retry-window-ms", "120000"});
  auto serve = ServeProcess::Start(dir_.path(), args);
  ASSERT_TRUE(serve);
  auto c = serve->Client();

  // Slow enough to be caught running: the disk fills before its result is written.
  auto photo = EncodeWithOpenCv(MakeTestPattern(1920, 1080, 3), ".png");
  auto accepted = PostJob(*c, "blur:sigma=12;blur:sigma=12;format:type=png", photo);
  ASSERT_TRUE(accepted.has_value());
  ASSERT_EQ(accepted->status, 202u) << accepted->text();
  const std::string id = json::parse(accepted->text())["id"];
  ASSERT_TRUE(
      WaitFor([&] { return JobOf(*c, id).value("state", "") == "running"; }, milliseconds(20000)));
  blobs_->Fill();

  // Two deliveries fail on the full disk (the old policy's whole budget); it keeps retrying.
  ASSERT_TRUE(WaitFor([&] { return JobOf(*c, id).value("attempts", 0) >= 3; }, milliseconds(60000)))
      << JobOf(*c, id).dump();
  json during = JobOf(*c, id);
  EXPECT_NE(during.value("state", ""), "dead") << during.dump();
  ASSERT_TRUE(during["error"].is_object()) << during.dump();
  EXPECT_EQ(during["error"].value("code", ""), "unavailable") << during.dump();

  blobs_->Free();
  ASSERT_TRUE(
      WaitFor([&] { return JobOf(*c, id).value("state", "") == "succeeded"; }, milliseconds(60000)))
      << JobOf(*c, id).dump();
  auto result = c->Get("/v1/jobs/" + id + "/result");
  ASSERT_TRUE(result.has_value());
  ASSERT_EQ(result->status, 200u);
  cv::Mat decoded = DecodeWithOpenCv(result->body);
  EXPECT_EQ(decoded.cols, 1920);
  EXPECT_EQ(decoded.rows, 1080);
}

}  // namespace
}  // namespace tessera::testing
