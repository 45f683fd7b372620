// Request framing against a real `tessera serve` over raw sockets: every request whose body
// length a proxy could read differently (RFC 9112 §6.1) is answered 400 and the connection is
// closed, so nothing hidden in its body is ever run as a request of its own.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <string>

#include "core/file_io.h"
#include "support/serve_process.h"
#include "support/temp_dir.h"

namespace tessera::testing {
namespace {

struct Exchange {
  std::string answer;   // everything the server sent
  bool closed = false;  // the server closed the connection

  int Responses() const {
    int n = 0;
    // Status lines: "HTTP/1.x NNN " at the start of the stream or of a line.
    for (size_t at = answer.find("HTTP/1."); at != std::string::npos;
         at = answer.find("HTTP/1.", at + 1)) {
      if ((at == 0 || answer[at - 1] == '\n') && at + 12 <= answer.size() &&
          answer[at + 8] == ' ' && std::isdigit(static_cast<unsigned char>(answer[at + 9]))) {
        ++n;
      }
    }
    return n;
  }
  // The status code of the first response.
  std::string Status() const { return answer.size() >= 12 ? answer.substr(9, 3) : ""; }
};

// Sends `request` on a new connection and reads until the server closes it or 3 s pass.
Exchange Send(int port, const std::string& request) {
  Exchange x;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return x;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return x;
  }
  (void)send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    char buf[4096];
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) {
      x.closed = true;
      break;
    }
    x.answer.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return x;
}

// A request that would be run if the body were framed by its Content-Length... or not at all.
const std::string kHidden = "GET /v1/ops HTTP/1.1\r\nHost: x\r\n\r\n";

class HttpFramingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    serve_ = ServeProcess::Start(dir_.path(), {"--workers", "0"});
    ASSERT_NE(serve_, nullptr);
  }
  Exchange Post(const std::string& headers, const std::string& body) {
    return Send(serve_->port(), "POST /v1/process?pipeline=invert HTTP/1.1\r\nHost: x\r\n" +
                                    headers + "\r\n" + body);
  }
  void ExpectRefusedAndClosed(const Exchange& x, const std::string& why) {
    EXPECT_EQ(x.Status(), "400") << why << "\n" << x.answer;
    EXPECT_EQ(x.Responses(), 1) << why << "\n" << x.answer;
    EXPECT_TRUE(x.closed) << why;
    EXPECT_EQ(x.answer.find("\"ops\""), std::string::npos) << why;
  }

  TempDir dir_;
  std::unique_ptr<ServeProcess> serve_;
};

TEST_F(HttpFramingTest, UnknownCodingWithContentLengthIsRefusedNotFramedByTheLength) {
  ExpectRefusedAndClosed(Post("Transfer-Encoding: xchunked\r\nContent-Length: " +
                                  std::to_string(kHidden.size()) + "\r\n",
                              kHidden),
                         "xchunked + Content-Length");
}

TEST_F(HttpFramingTest, ChunkedWithContentLengthIsRefused) {
  ExpectRefusedAndClosed(
      Post("Transfer-Encoding: chunked\r\nContent-Length: 5\r\n", "0\r\n\r\n" + kHidden),
      "chunked + Content-Length");
}

TEST_F(HttpFramingTest, CodingsOtherThanChunkedAloneAreRefused) {
  for (const std::string te : {"gzip, chunked", "chunked, gzip", "chunked, chunked", "identity",
                               "xchunked", "chunked\r\nTransfer-Encoding: gzip"}) {
    ExpectRefusedAndClosed(Post("Transfer-Encoding: " + te + "\r\n", "0\r\n\r\n" + kHidden), te);
  }
}

TEST_F(HttpFramingTest, TransferEncodingInHttp10IsRefused) {
  ExpectRefusedAndClosed(Send(serve_->port(),
                              "POST /v1/process?pipeline=invert HTTP/1.0\r\nTransfer-Encoding: "
                              "chunked\r\n\r\n0\r\n\r\n"),
                         "HTTP/1.0");
}

TEST_F(HttpFramingTest, BadOrOversizedChunkSizesAreAnswered400AndClosed) {
  for (const std::string size : {"FFFFFFFFFFFFFFFFFFFF", "zz", "-1"}) {
    ExpectRefusedAndClosed(Post("Transfer-Encoding: chunked\r\n", size + "\r\nabc\r\n" + kHidden),
                           "chunk size " + size);
  }
}

// The framings that are allowed still work: a chunked upload, and a Content-Length one.
TEST_F(HttpFramingTest, ChunkedAndContentLengthBodiesAreProcessed) {
  auto png = ReadFile(std::filesystem::path(TESSERA_TEST_DATA) / "rgba.png");
  ASSERT_TRUE(png.has_value());
  const std::string body(png->begin(), png->end());
  char size[32];
  std::snprintf(size, sizeof(size), "%zx", body.size());
  auto chunked =
      Post("Transfer-Encoding: chunked\r\nContent-Type: image/png\r\nConnection: close\r\n",
           std::string(size) + "\r\n" + body + "\r\n0\r\n\r\n");
  EXPECT_EQ(chunked.Status(), "200") << chunked.answer.substr(0, 300);
  auto sized = Post("Content-Length: " + std::to_string(body.size()) +
                        "\r\nContent-Type: image/png\r\nConnection: close\r\n",
                    body);
  EXPECT_EQ(sized.Status(), "200") << sized.answer.substr(0, 300);
}

}  // namespace
}  // namespace tessera::testing
