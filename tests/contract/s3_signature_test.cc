// The AWS Signature V4 of the requests tessera's S3 store sends, checked against an independent
// calculation (tests/s3/sigv4.py, the documented algorithm in Python's standard library). The
// S3 test server, s3rver, does not verify V4 signatures, so without this a wrong canonical
// request (a query not sorted, a header not signed, the wrong payload hash) would pass every
// other test and fail only against AWS or MinIO.
//
// The "server" here is a loopback socket that records each request and answers 200.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "core/file_io.h"
#include "store/s3/s3_blob_store.h"
#include "store/s3/s3_presign.h"
#include "support/subprocess.h"
#include "support/temp_dir.h"

namespace tessera::store {
namespace {

struct Captured {
  std::string method, target;
  std::map<std::string, std::string> headers;  // lower-case names
};

// Accepts connections on a loopback port and answers every request with `body` (200; 206 with
// its first 10 bytes for a ranged read).
class RecordingServer {
 public:
  explicit RecordingServer(std::string body) : body_(std::move(body)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(::listen(fd_, 4), 0);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~RecordingServer() {
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  int port() const { return port_; }
  std::vector<Captured> requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }

 private:
  void Serve() {
    for (;;) {
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      std::string buf;
      char chunk[65536];
      for (;;) {
        size_t end = buf.find("\r\n\r\n");
        if (end != std::string::npos) {
          Captured r = Parse(buf.substr(0, end));
          size_t length =
              std::stoul(r.headers.count("content-length") ? r.headers["content-length"] : "0");
          while (buf.size() < end + 4 + length) {
            ssize_t n = ::read(c, chunk, sizeof chunk);
            if (n <= 0) break;
            buf.append(chunk, static_cast<size_t>(n));
          }
          buf.erase(0, std::min(buf.size(), end + 4 + length));
          {
            std::lock_guard lock(mu_);
            requests_.push_back(r);
          }
          // 206 for ranged reads; a HEAD answer has headers only.
          const bool ranged = r.headers.count("range") > 0;
          const std::string body = ranged ? body_.substr(0, 10) : body_;
          std::string answer = std::string("HTTP/1.1 ") +
                               (ranged ? "206 Partial Content" : "200 OK") +
                               "\r\nContent-Length: " + std::to_string(body.size()) +
                               "\r\nETag: \"x\"\r\n\r\n" + (r.method == "HEAD" ? "" : body);
          if (::write(c, answer.data(), answer.size()) < 0) break;
          continue;
        }
        ssize_t n = ::read(c, chunk, sizeof chunk);
        if (n <= 0) break;
        buf.append(chunk, static_cast<size_t>(n));
      }
      ::close(c);
    }
  }

  static Captured Parse(const std::string& head) {
    Captured r;
    size_t line_end = head.find("\r\n");
    std::string first = head.substr(0, line_end);
    r.method = first.substr(0, first.find(' '));
    r.target = first.substr(first.find(' ') + 1, first.rfind(' ') - first.find(' ') - 1);
    size_t pos = line_end + 2;
    while (pos < head.size()) {
      size_t next = head.find("\r\n", pos);
      if (next == std::string::npos) next = head.size();
      std::string line = head.substr(pos, next - pos);
      size_t colon = line.find(':');
      if (colon != std::string::npos) {
        std::string name = line.substr(0, colon);
        for (char& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        size_t v = line.find_first_not_of(' ', colon + 1);
        r.headers[name] = v == std::string::npos ? "" : line.substr(v);
      }
      pos = next + 2;
    }
    return r;
  }

  std::string body_;
  int fd_ = -1;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::vector<Captured> requests_;
};

// The signature sigv4.py computes for `r`, and the one `r` carries.
std::pair<std::string, std::string> Signatures(const Captured& r, const std::string& secret,
                                               const std::string& region,
                                               const std::filesystem::path& scratch) {
  static const std::regex auth(
      "AWS4-HMAC-SHA256 Credential=([^/]+)/(\\d{8})/([^/]+)/s3/aws4_request, "
      "SignedHeaders=([^,]+), Signature=([0-9a-f]{64})");
  std::smatch m;
  const std::string header = r.headers.count("authorization") ? r.headers.at("authorization") : "";
  EXPECT_TRUE(std::regex_match(header, m, auth)) << header;
  if (m.empty()) return {};
  EXPECT_EQ(m[3], region);
  const size_t q = r.target.find('?');
  nlohmann::json in = {{"method", r.method},
                       {"path", r.target.substr(0, q)},
                       {"query", q == std::string::npos ? "" : r.target.substr(q + 1)},
                       {"headers", r.headers},
                       {"signed_headers", m[4].str()},
                       {"secret_key", secret},
                       {"region", region},
                       {"service", "s3"}};
  const auto file = scratch / "request.json";
  const std::string text = in.dump();
  EXPECT_TRUE(
      WriteFileAtomically(file, {reinterpret_cast<const uint8_t*>(text.data()), text.size()}));
  auto out = testing::RunProcess(
      {"/usr/bin/python3", std::string(TESSERA_S3_SERVER_DIR) + "/sigv4.py", file.string()});
  EXPECT_EQ(out.exit_code, 0) << out.err;
  std::string expected = out.out.substr(0, out.out.find('\n'));
  return {expected, m[5].str()};
}

TEST(S3Signature, EveryKindOfRequestCarriesAValidSignatureV4) {
  const std::string list_body =
      "<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key>p/a b</Key></Contents>"
      "<UploadId>up/load+id=</UploadId></ListBucketResult>";
  RecordingServer server(list_body);
  testing::TempDir dir;
  auto options =
      ParseS3Url("s3://sig-bucket/p?endpoint=http://127.0.0.1:" + std::to_string(server.port()) +
                     "&region=eu-central-1&part_size_mb=5&multipart_threshold_mb=5",
                 {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "token/+="}, nullptr);
  ASSERT_TRUE(options.has_value());
  S3BlobStore store(*options);

  const std::vector<uint8_t> bytes(1000, 'x');
  EXPECT_TRUE(store.Put("dir/object.png", bytes).has_value());       // PUT, unsigned payload
  EXPECT_TRUE(store.Get("dir/object.png", UINT64_MAX).has_value());  // GET
  EXPECT_TRUE(store.GetRange("dir/object.png", 5, 10).has_value());  // GET with Range
  EXPECT_TRUE(store.Stat("dir/object.png").has_value());             // HEAD
  EXPECT_TRUE(store.Delete("dir/object.png").has_value());           // DELETE
  EXPECT_TRUE(store.List("dir/", 5).has_value());                    // GET ?list-type=2&...
  // Multipart: POST ?uploads=, two PUT ?partNumber=N&uploadId=..., POST ?uploadId=... (XML).
  const std::vector<uint8_t> large(6 << 20, 'y');
  Status multipart = store.Put("dir/large.bin", large);
  EXPECT_TRUE(multipart.has_value()) << multipart.error().ToString();

  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 10u);
  for (const Captured& r : requests) {
    auto [expected, sent] =
        Signatures(r, "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "eu-central-1", dir.path());
    EXPECT_FALSE(sent.empty()) << r.method << " " << r.target;
    EXPECT_EQ(sent, expected) << r.method << " " << r.target;
    EXPECT_EQ(r.headers.at("x-amz-security-token"), "token/+=");
  }
  EXPECT_EQ(requests[0].headers.at("x-amz-content-sha256"), "UNSIGNED-PAYLOAD");
  EXPECT_EQ(requests[1].headers.at("x-amz-content-sha256"),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  // The listing's query is sent in canonical order and encoding.
  EXPECT_EQ(requests[5].target, "/sig-bucket/?list-type=2&max-keys=5&prefix=p%2Fdir%2F");
  EXPECT_EQ(requests[6].target, "/sig-bucket/p/dir/large.bin?uploads=");
  EXPECT_EQ(requests[7].target,
            "/sig-bucket/p/dir/large.bin?partNumber=1&uploadId=up%2Fload%2Bid%3D");
  EXPECT_EQ(requests[9].method, "POST");
  EXPECT_EQ(requests[9].headers.at("content-type"), "application/xml");
}

// Presigned URLs are the very strings botocore makes (Thumbify's get_file_url) at the same
// moment: same order, same encoding, same signature.
TEST(S3Signature, PresignedGetUrlIsBotocores) {
  struct Case {
    std::string endpoint, bucket, key, access, secret, region;
    int64_t epoch;
    int expires;
  };
  const Case cases[] = {
      {"http://localhost:9000", "thumbifybucket", "photo_thumb.jpg", "s3user", "s3password",
       "us-east-1", 1764676800, 3600},
      {"http://127.0.0.1:9000", "thumbifybucket", "my photo_thumb.jpg", "s3user", "s3password",
       "us-east-1", 1800000000, 3600},
      {"https://minio.example:8443", "b-1", "a/b+c~\xc3\xbc=&.png", "AKIDEXAMPLE",
       "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "eu-central-1", 1700000123, 60},
  };
  for (const Case& c : cases) {
    auto options =
        ParseS3Url("s3://" + c.bucket + "?endpoint=" + c.endpoint + "&region=" + c.region,
                   {c.access, c.secret, ""}, nullptr);
    ASSERT_TRUE(options.has_value()) << options.error().ToString();
    const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(c.epoch));
    const std::string ours = PresignedGetUrl(*options, c.key, std::chrono::seconds(c.expires), now);
    auto reference = testing::RunProcess(
        {"/usr/bin/python3", std::string(TESSERA_S3_SERVER_DIR) + "/presign_reference.py",
         c.endpoint, c.bucket, c.key, c.access, c.secret, c.region, std::to_string(c.epoch),
         std::to_string(c.expires)});
    ASSERT_EQ(reference.exit_code, 0) << reference.err;
    EXPECT_EQ(ours, reference.out.substr(0, reference.out.find('\n'))) << c.key;
  }
}

TEST(S3Signature, PresignedUrlWithoutCredentialsIsThePlainObjectUrl) {
  auto options = ParseS3Url("s3://pub?endpoint=http://127.0.0.1:9000", {},
                            [](const char*) { return static_cast<const char*>(nullptr); });
  ASSERT_TRUE(options.has_value());
  EXPECT_EQ(PresignedGetUrl(*options, "a b.png", std::chrono::seconds(60),
                            std::chrono::system_clock::now()),
            "http://127.0.0.1:9000/pub/a%20b.png");
}

}  // namespace
}  // namespace tessera::store
