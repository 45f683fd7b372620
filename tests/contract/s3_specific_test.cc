// S3BlobStore behaviour beyond the BlobStore contract, against a real s3rver: addressing,
// configuration errors (denied credentials, missing bucket) that come back at once and are not
// retried, and faults (server down, restarted mid-call, silent) that are retried within a
// bounded time.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "store/s3/s3_blob_store.h"
#include "support/s3_server.h"

namespace tessera::store {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

std::vector<uint8_t> Bytes(const std::string& s) { return {s.begin(), s.end()}; }

S3Options Options(const testing::S3Server& server, const std::string& extra = "") {
  auto options = ParseS3Url(server.StoreUrl("specific", extra), {}, nullptr);
  EXPECT_TRUE(options.has_value()) << options.error().ToString();
  return *options;
}

int64_t MillisSince(Clock::time_point start) {
  return std::chrono::duration_cast<milliseconds>(Clock::now() - start).count();
}

class S3Store : public ::testing::Test {
 protected:
  void SetUp() override {
    Status started = server_.Start();
    ASSERT_TRUE(started.has_value()) << started.error().ToString() << started.error().detail;
  }
  testing::S3Server server_;
};

TEST_F(S3Store, VirtualHostAddressingReachesTheSameObjects) {
  S3BlobStore path_style(Options(server_));
  ASSERT_TRUE(path_style.Put("vh/a", Bytes("from path-style")).has_value());

  auto vhost = ParseS3Url("s3://" + server_.bucket() + "/specific?endpoint=http://s3.localhost:" +
                              std::to_string(server_.port()) +
                              "&path_style=0&access_key=S3RVER&secret_key=S3RVER",
                          {}, nullptr);
  ASSERT_TRUE(vhost.has_value());
  EXPECT_FALSE(vhost->path_style);
  S3BlobStore virtual_host(*vhost);
  auto got = virtual_host.Get("vh/a", UINT64_MAX);
  ASSERT_TRUE(got.has_value()) << got.error().ToString();
  EXPECT_EQ(*got, Bytes("from path-style"));
  ASSERT_TRUE(virtual_host.Put("vh/b", Bytes("from virtual-host")).has_value());
  EXPECT_EQ(*path_style.Get("vh/b", UINT64_MAX), Bytes("from virtual-host"));
}

// s3rver refuses an unknown access key (it does not check signatures, see s3_server.h).
TEST_F(S3Store, DeniedCredentialsAreAClearConfigurationErrorWithoutRetries) {
  S3Options options = Options(server_);
  options.credentials = {"WRONGKEY", "WRONGSECRET", ""};
  options.max_attempts = 5;
  S3BlobStore store(options);
  auto start = Clock::now();
  Status put = store.Put("denied", Bytes("x"));
  ASSERT_FALSE(put.has_value());
  EXPECT_EQ(put.error().code, ErrorCode::kInternal);
  EXPECT_NE(put.error().message.find("denied"), std::string::npos) << put.error().message;
  EXPECT_NE(put.error().message.find("InvalidAccessKeyId"), std::string::npos);
  EXPECT_NE(put.error().message.find("'" + server_.bucket() + "'"), std::string::npos);
  EXPECT_NE(put.error().message.find(server_.endpoint()), std::string::npos);
  EXPECT_EQ(store.attempts(), 1u) << "a refusal must not be retried";

  // HEAD answers carry no body; the status alone still gives the same kind of error.
  auto stat = store.Stat("denied");
  ASSERT_FALSE(stat.has_value());
  EXPECT_EQ(stat.error().code, ErrorCode::kInternal);
  EXPECT_EQ(store.Get("denied", UINT64_MAX).error().code, ErrorCode::kInternal);
  EXPECT_EQ(store.List("", SIZE_MAX).error().code, ErrorCode::kInternal);
  EXPECT_EQ(store.Ping().error().code, ErrorCode::kInternal);
  EXPECT_EQ(store.attempts(), 5u);
  EXPECT_LT(MillisSince(start), 2000);
}

TEST_F(S3Store, MissingBucketIsAConfigurationErrorNamingIt) {
  S3Options options = Options(server_);
  options.bucket = "no-such-bucket";
  S3BlobStore store(options);
  auto got = store.Get("k", UINT64_MAX);
  ASSERT_FALSE(got.has_value());
  const std::vector<Error> errors = {store.Put("k", Bytes("x")).error(), store.Ping().error(),
                                     got.error()};
  for (const Error& e : errors) {
    EXPECT_EQ(e.code, ErrorCode::kInternal);
    EXPECT_NE(e.message.find("no-such-bucket"), std::string::npos) << e.message;
  }
  EXPECT_EQ(store.attempts(), 3u);
}

TEST_F(S3Store, StoppedServerIsUnavailableAfterBoundedRetries) {
  S3Options options = Options(server_);
  options.max_attempts = 3;
  options.backoff_base = milliseconds(50);
  options.backoff_cap = milliseconds(200);
  S3BlobStore store(options);
  ASSERT_TRUE(server_.Stop().has_value());
  auto start = Clock::now();
  Status put = store.Put("down", Bytes("x"));
  ASSERT_FALSE(put.has_value());
  EXPECT_EQ(put.error().code, ErrorCode::kUnavailable) << put.error().ToString();
  EXPECT_EQ(store.attempts(), 3u);
  EXPECT_LT(MillisSince(start), 2000);
}

// The server goes away between two calls and comes back while the second is backing off: the
// call succeeds, and so does everything after it on the same (pooled) connections.
TEST_F(S3Store, ServerRestartedMidRunIsRetriedUntilItAnswers) {
  S3Options options = Options(server_);
  options.max_attempts = 12;
  options.backoff_base = milliseconds(200);
  options.backoff_cap = milliseconds(2000);
  S3BlobStore store(options);
  ASSERT_TRUE(store.Put("before", Bytes("one")).has_value());
  ASSERT_TRUE(server_.Stop().has_value());
  // The server is started from this thread: a child started with PR_SET_PDEATHSIG dies with the
  // thread that forked it.
  const uint64_t before = store.attempts();
  Status put;
  std::thread writer([&] { put = store.Put("after", Bytes("two")); });
  std::this_thread::sleep_for(milliseconds(500));
  Status restarted = server_.Start();
  writer.join();
  ASSERT_TRUE(restarted.has_value()) << restarted.error().ToString();
  ASSERT_TRUE(put.has_value()) << put.error().ToString();
  EXPECT_GT(store.attempts() - before, 1u) << "the first attempt met a stopped server";
  EXPECT_EQ(*store.Get("before", UINT64_MAX), Bytes("one"));
  EXPECT_EQ(*store.Get("after", UINT64_MAX), Bytes("two"));
}

// A server that accepts connections and never answers: each attempt ends at the time bound.
TEST_F(S3Store, SilentServerTimesOut) {
  int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(listener, 16), 0);
  ASSERT_EQ(::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  // The kernel completes the handshakes (backlog 16); nobody ever reads or answers.

  auto options = ParseS3Url(
      "s3://silent-bucket?endpoint=http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) +
          "&access_key=a&secret_key=b&timeout_ms=300&max_attempts=2",
      {}, nullptr);
  ASSERT_TRUE(options.has_value());
  options->backoff_base = milliseconds(10);
  options->backoff_cap = milliseconds(10);
  S3BlobStore store(*options);
  auto start = Clock::now();
  auto got = store.Get("k", UINT64_MAX);
  const int64_t took = MillisSince(start);
  ::close(listener);
  ASSERT_FALSE(got.has_value());
  EXPECT_EQ(got.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(got.error().message.find("timed out"), std::string::npos) << got.error().message;
  EXPECT_EQ(store.attempts(), 2u);
  // Two attempts of 300 ms; libcurl checks the bound about once a second at worst.
  EXPECT_GE(took, 600);
  EXPECT_LT(took, 4000);
}

// HTTPS: a server whose certificate no trusted CA signed is refused (a configuration error, not
// retried); with ca_file= naming its CA the same server is used.
TEST(S3StoreTls, CertificatesAreCheckedAndAPrivateCaCanBeNamed) {
  testing::S3ServerOptions tls_options;
  tls_options.tls = true;
  testing::S3Server server(tls_options);
  Status started = server.Start();
  ASSERT_TRUE(started.has_value()) << started.error().ToString() << started.error().detail;

  auto untrusted = ParseS3Url(server.StoreUrl("tls"), {}, nullptr);
  ASSERT_TRUE(untrusted.has_value());
  S3BlobStore refused(*untrusted);
  Status put = refused.Put("k", Bytes("secret"));
  ASSERT_FALSE(put.has_value());
  EXPECT_EQ(put.error().code, ErrorCode::kInternal) << put.error().ToString();
  EXPECT_NE(put.error().message.find("certificate"), std::string::npos) << put.error().message;
  EXPECT_EQ(refused.attempts(), 1u);

  auto trusted =
      ParseS3Url(server.StoreUrl("tls", "&ca_file=" + server.certificate().string()), {}, nullptr);
  ASSERT_TRUE(trusted.has_value());
  S3BlobStore store(*trusted);
  Status ok = store.Put("k", Bytes("secret"));
  ASSERT_TRUE(ok.has_value()) << ok.error().ToString();
  EXPECT_EQ(*store.Get("k", UINT64_MAX), Bytes("secret"));
}

TEST_F(S3Store, KeysLiveUnderTheConfiguredPrefix) {
  S3BlobStore store(Options(server_));
  ASSERT_TRUE(store.Put("inputs/x", Bytes("x")).has_value());
  // s3rver keeps object KEY of BUCKET as BUCKET/KEY._S3rver_object.
  EXPECT_TRUE(std::filesystem::exists(server_.data_dir() / server_.bucket() / "specific" /
                                      "inputs" / "x._S3rver_object"));
}

}  // namespace
}  // namespace tessera::store
