// tutti's clients against a real `tessera serve --compat tutti`: the cases of its handler,
// reader, worker and runner tests and its README's curl request, replayed over loopback as its
// clients send them (Go's mime/multipart, curl -F), with BASE_PATH and N_WORKERS from the
// environment; statuses, exact bodies, the 100 ms rule and the stored <id>.jpeg files.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <thread>

#include "api/http/client.h"
#include "core/file_io.h"
#include "support/image_testing.h"
#include "support/multipart_form.h"
#include "support/serve_process.h"
#include "support/subprocess.h"
#include "support/temp_dir.h"

namespace tessera::testing {
namespace {

using api::http::ClientResponse;
using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;
using SteadyClock = std::chrono::steady_clock;

constexpr const char* kTooLarge = "{\"error\":\"Image size exceeded - 8192 kB.\"}\n";
constexpr const char* kNotJpeg = "{\"error\":\"Unsupported mime type - Only .jpeg is allowed.\"}\n";
constexpr const char* kNoWorker = "{\"error\":\"No workers available - max idle time 100ms.\"}\n";

std::string AsString(std::span<const uint8_t> b) { return {b.begin(), b.end()}; }
std::string Jpeg(int w, int h) { return AsString(EncodeWithOpenCv(MakeTestPattern(w, h), ".jpg")); }
std::vector<uint8_t> Bytes(const std::string& s) { return {s.begin(), s.end()}; }

bool IsUuidV4(const std::string& s) {
  return std::regex_match(
      s, std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"));
}

// Sets environment variables for the servers this test starts, and restores them.
class ScopedEnv {
 public:
  ScopedEnv(std::vector<std::pair<std::string, std::string>> vars) : vars_(std::move(vars)) {
    for (const auto& [k, v] : vars_) setenv(k.c_str(), v.c_str(), 1);
  }
  ~ScopedEnv() {
    for (const auto& [k, v] : vars_) unsetenv(k.c_str());
  }

 private:
  std::vector<std::pair<std::string, std::string>> vars_;
};

class TuttiTest : public ::testing::Test {
 protected:
  // A server with BASE_PATH=<tmp>/images and N_WORKERS=`workers`, as tutti was started.
  void Start(int workers) {
    images_ = dir_.path() / "images";
    std::filesystem::create_directories(images_);
    ScopedEnv env({{"BASE_PATH", images_.string()}, {"N_WORKERS", std::to_string(workers)}});
    serve_ = ServeProcess::Start(dir_.path(), {"--compat", "tutti", "--workers", "0"});
    ASSERT_NE(serve_, nullptr);
    client_ = serve_->Client();
  }
  ClientResponse Upload(const std::string& data, const std::string& type = "image/jpeg") {
    return PostMultipart(*client_, "/upload", {{"image", "image.jpeg", type, data}});
  }
  std::filesystem::path Stored(const std::string& id) const { return images_ / (id + ".jpeg"); }
  bool WaitStored(const std::string& id) {
    return WaitFor([&] { return std::filesystem::exists(Stored(id)); }, seconds(30));
  }

  TempDir dir_;
  std::filesystem::path images_;
  std::unique_ptr<ServeProcess> serve_;
  std::unique_ptr<api::http::HttpClient> client_;
};

// handler_test "Successful Rescaling" and rescale_test "rescale small image": 200 with a
// UUID v4 at once, then the file, byte-identical to the upload.
TEST_F(TuttiTest, SmallImageIsAcceptedAndStoredUnchanged) {
  Start(2);
  const std::string photo = Jpeg(1920, 1080);
  auto r = Upload(photo);
  ASSERT_EQ(r.status, 200u) << r.text();
  EXPECT_EQ(r.header("content-type"), "application/json");
  ASSERT_EQ(r.text().back(), '\n');
  json j = json::parse(r.text());
  ASSERT_EQ(j.size(), 1u);
  const std::string id = j["image_id"];
  EXPECT_TRUE(IsUuidV4(id)) << id;
  ASSERT_TRUE(WaitStored(id));
  auto stored = ReadFile(Stored(id));
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(*stored, Bytes(photo));
}

// rescale_test "rescale big image": wider than 1920 becomes 1920 wide with the height
// truncated (3001x2000 -> 1920x1279, where rounding would give 1280), nearest-neighbour, JPEG.
TEST_F(TuttiTest, WideImageIsRescaledTo1920WithTruncatedHeight) {
  Start(1);
  const std::string photo = Jpeg(3001, 2000);
  auto r = Upload(photo);
  ASSERT_EQ(r.status, 200u) << r.text();
  const std::string id = json::parse(r.text())["image_id"];
  ASSERT_TRUE(WaitStored(id));
  auto stored = ReadFile(Stored(id));
  ASSERT_TRUE(stored.has_value());
  cv::Mat decoded = DecodeWithOpenCv(*stored);
  EXPECT_EQ(decoded.cols, 1920);
  EXPECT_EQ(decoded.rows, 1279);
  EXPECT_EQ(*stored,
            EngineOutput(Bytes(photo),
                         "resize:w=1920,h=1279,fit=fill,kernel=nearest;format:type=jpeg,q=75"));
}

// handler_test "Image Too Large" and reader_test "Size Above Treshold".
TEST_F(TuttiTest, BodyOverTheLimitIs413) {
  Start(1);
  std::string big = Jpeg(16, 16);
  big.resize(8192 * 1024, '\0');
  auto r = Upload(big);
  EXPECT_EQ(r.status, 413u);
  EXPECT_EQ(r.text(), kTooLarge);
}

// handler_test / reader_test "Wrong Mime Type" (the simulator's text file, labelled plain/text).
TEST_F(TuttiTest, WrongMimeTypeIs400) {
  Start(1);
  auto r = Upload("Random text.\n", "plain/text");
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(r.header("content-type"), "text/plain; charset=utf-8");
  EXPECT_EQ(r.text(), kNotJpeg);
  // Labelled image/jpeg but not a JPEG: refused here too (tutti answered 200 and lost it).
  r = Upload("Random text.\n", "image/jpeg");
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(r.text(), kNotJpeg);
}

// tutti's reader: anything that keeps it from reading a file part `image` is its 413.
TEST_F(TuttiTest, MissingImagePartIsTutti413) {
  Start(1);
  auto r = PostMultipart(*client_, "/upload", {{"file", "a.jpg", "image/jpeg", Jpeg(8, 8)}});
  EXPECT_EQ(r.status, 413u);
  EXPECT_EQ(r.text(), kTooLarge);
  r = PostMultipart(*client_, "/upload", {{"image", "", "", "not a file part"}});
  EXPECT_EQ(r.status, 413u);
  EXPECT_EQ(r.text(), kTooLarge);
  const std::string raw = Jpeg(8, 8);
  auto plain = client_->Send({.method = "POST",
                              .target = "/upload",
                              .headers = {{"Content-Type", "image/jpeg"}},
                              .body = {reinterpret_cast<const uint8_t*>(raw.data()), raw.size()}});
  ASSERT_TRUE(plain.has_value());
  EXPECT_EQ(plain->status, 413u);
  EXPECT_EQ(plain->text(), kTooLarge);
}

TEST_F(TuttiTest, OtherMethodsAndHealth) {
  Start(1);
  auto r = client_->Get("/upload");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 405u);
  EXPECT_EQ(r->text(), "Method not allowed.\n");
  auto health = client_->Get("/health");
  ASSERT_TRUE(health.has_value());
  EXPECT_EQ(health->status, 200u);
  EXPECT_TRUE(health->body.empty());
}

// handler_test "Timeout exceeded": every worker busy, no slot within 100 ms -> 429 after at
// least 100 ms, and the upload is not accepted.
TEST_F(TuttiTest, NoIdleWorkerWithin100msIs429) {
  Start(1);
  const std::string heavy = Jpeg(6000, 4000);
  ASSERT_LE(heavy.size(), 8000000u);
  auto first = Upload(heavy);
  ASSERT_EQ(first.status, 200u) << first.text();
  const auto sent = SteadyClock::now();
  auto second = Upload(Jpeg(100, 100));
  const auto waited = SteadyClock::now() - sent;
  ASSERT_EQ(second.status, 429u) << second.text();
  EXPECT_EQ(second.text(), kNoWorker);
  EXPECT_GE(waited, milliseconds(100));
  EXPECT_TRUE(WaitStored(json::parse(first.text())["image_id"]));
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(images_),
                          std::filesystem::directory_iterator()),
            1);
}

// A body declared as 20 MiB of which 9 MiB are sent: tutti's 413 comes from the declared
// length, before the body, and the connection is closed once the client stops sending.
TEST_F(TuttiTest, DeclaredLengthOverTheLimitIsAnsweredAtOnce) {
  Start(1);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(serve_->port()));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  const std::string head = std::string("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Type: ") +
                           "multipart/form-data; boundary=" + kFormBoundary +
                           "\r\nContent-Length: " + std::to_string(20 << 20) + "\r\n\r\n";
  ASSERT_EQ(send(fd, head.data(), head.size(), MSG_NOSIGNAL), static_cast<ssize_t>(head.size()));
  const auto started = SteadyClock::now();
  std::thread sender([fd] {
    std::string chunk(1 << 20, 'x');
    for (int i = 0; i < 9; ++i) {
      if (send(fd, chunk.data(), chunk.size(), MSG_NOSIGNAL) < 0) break;
    }
  });
  std::string answer;
  bool closed = false;
  std::optional<SteadyClock::duration> answered;
  while (SteadyClock::now() - started < seconds(20)) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 200) <= 0) continue;
    char buf[4096];
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) {
      closed = true;
      break;
    }
    answer.append(buf, static_cast<size_t>(n));
    if (!answered && answer.find(kTooLarge) != std::string::npos) {
      answered = SteadyClock::now() - started;
    }
  }
  const auto took = SteadyClock::now() - started;
  shutdown(fd, SHUT_RDWR);
  sender.join();
  close(fd);
  EXPECT_EQ(answer.rfind("HTTP/1.1 413", 0), 0u) << answer;
  ASSERT_TRUE(answered.has_value()) << answer;
  EXPECT_LT(*answered, seconds(1));
  // The server reads the refused body while it keeps coming, then closes after a 5 s pause.
  EXPECT_TRUE(closed);
  EXPECT_LT(took, seconds(12));
}

// runner_test: uploads answered 200 are all stored when the server is stopped right after
// (SIGTERM drains the workers before exit).
TEST_F(TuttiTest, EveryAcceptedUploadIsStoredBeforeShutdown) {
  Start(2);
  std::vector<std::string> ids;
  const std::string photo = Jpeg(2400, 1600);
  for (int i = 0; i < 6; ++i) {
    auto r = Upload(photo);
    if (r.status == 200) ids.push_back(json::parse(r.text())["image_id"]);
  }
  ASSERT_FALSE(ids.empty());
  serve_->process().Signal(SIGTERM);
  auto code = serve_->process().Wait(seconds(30));
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0);
  for (const auto& id : ids) EXPECT_TRUE(std::filesystem::exists(Stored(id))) << id;
}

// tutti held accepted images in memory: a crash after the 200 lost them. Here they wait in the
// spool (<data-dir>/tutti-spool) until stored, and a restarted server stores them.
TEST_F(TuttiTest, AcceptedUploadSurvivesACrash) {
  Start(1);
  auto r = Upload(Jpeg(6000, 4000));
  ASSERT_EQ(r.status, 200u) << r.text();
  const std::string id = json::parse(r.text())["image_id"];
  serve_->process().Kill();
  const bool stored_before_crash = std::filesystem::exists(Stored(id));
  const auto spool = dir_.path() / "data" / "tutti-spool";
  EXPECT_TRUE(stored_before_crash || std::filesystem::exists(spool / (id + ".jpeg")));

  Start(1);
  ASSERT_TRUE(WaitStored(id));
  cv::Mat decoded = DecodeWithOpenCv(*ReadFile(Stored(id)));
  EXPECT_EQ(decoded.cols, 1920);
  EXPECT_EQ(decoded.rows, 1280);
  ASSERT_TRUE(WaitFor([&] { return std::filesystem::is_empty(spool); }, seconds(10)));
  if (!stored_before_crash) {
    EXPECT_EQ(LogLines(serve_->process().Stderr(), "tutti_recovered").size(), 1u);
  }
}

// Without BASE_PATH the images go to the blob store's tutti/ folder.
TEST(TuttiStorageTest, WithoutBasePathTheBlobStoreHoldsTheImages) {
  TempDir dir;
  auto serve = ServeProcess::Start(dir.path(), {"--compat", "tutti", "--workers", "0"});
  ASSERT_NE(serve, nullptr);
  auto c = serve->Client();
  const std::string photo = Jpeg(300, 200);
  auto r = PostMultipart(*c, "/upload", {{"image", "a.jpg", "image/jpeg", photo}});
  ASSERT_EQ(r.status, 200u) << r.text();
  const std::string id = json::parse(r.text())["image_id"];
  auto path = dir.path() / "data" / "blobs" / "tutti" / (id + ".jpeg");
  ASSERT_TRUE(WaitFor([&] { return std::filesystem::exists(path); }, seconds(30)));
  EXPECT_EQ(*ReadFile(path), Bytes(photo));
}

// tutti refused to start without an existing BASE_PATH.
TEST(TuttiStorageTest, MissingBasePathStopsServe) {
  TempDir dir;
  auto out =
      RunTessera({"serve", "--port", "0", "--data-dir", (dir.path() / "d").string(), "--compat",
                  "tutti", "--tutti-base-path", (dir.path() / "nowhere").string()});
  EXPECT_EQ(out.exit_code, 1);
  EXPECT_NE(out.err.find("does not exist."), std::string::npos) << out.err;
}

}  // namespace
}  // namespace tessera::testing
