#include <utility>
// (<utility> before Asio: see server.cc)
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <optional>

#include "api/http/client.h"

namespace tessera::api::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

Result<ServerAddress> ParseServerUrl(std::string_view url) {
  constexpr std::string_view kScheme = "http://";
  if (url.substr(0, kScheme.size()) != kScheme) {
    return Unexpected(MakeError(
        ErrorCode::kBadRequest,
        "the server URL must start with http:// (got '" + std::string(url) + "')", "server"));
  }
  std::string_view rest = url.substr(kScheme.size());
  rest = rest.substr(0, rest.find('/'));
  ServerAddress a;
  size_t colon = rest.rfind(':');
  if (colon == std::string_view::npos) {
    a.host = std::string(rest);
  } else {
    a.host = std::string(rest.substr(0, colon));
    std::string port(rest.substr(colon + 1));
    char* end = nullptr;
    long p = std::strtol(port.c_str(), &end, 10);
    if (port.empty() || *end != '\0' || p < 1 || p > 65535) {
      return Unexpected(
          MakeError(ErrorCode::kBadRequest, "bad port in '" + std::string(url) + "'", "server"));
    }
    a.port = static_cast<int>(p);
  }
  if (a.host.empty()) {
    return Unexpected(
        MakeError(ErrorCode::kBadRequest, "no host in '" + std::string(url) + "'", "server"));
  }
  return a;
}

struct HttpClient::Impl {
  std::string host;
  int port;
  std::chrono::milliseconds timeout;
  asio::io_context ioc;
  std::optional<beast::tcp_stream> stream;
  beast::flat_buffer buffer;

  Status Connect() {
    tcp::resolver resolver(ioc);
    boost::system::error_code ec;
    auto results = resolver.resolve(host, std::to_string(port), ec);
    if (ec) {
      return MakeError(ErrorCode::kUnavailable, "cannot resolve " + host + ": " + ec.message());
    }
    stream.emplace(ioc);
    stream->expires_after(timeout);
    stream->connect(results, ec);
    if (ec) {
      stream.reset();
      return MakeError(ErrorCode::kUnavailable, "cannot connect to " + host + ":" +
                                                    std::to_string(port) + ": " + ec.message());
    }
    buffer.clear();
    return OkStatus();
  }

  // One attempt on the current connection; `retryable` says the connection had gone stale
  // before the server could have read the request.
  Result<ClientResponse> Exchange(const ClientRequest& r, bool* retryable) {
    *retryable = false;
    bhttp::request<bhttp::vector_body<uint8_t>> req;
    req.method_string(r.method);
    req.target(r.target);
    req.version(11);
    req.set(bhttp::field::host, host + ":" + std::to_string(port));
    req.set(bhttp::field::user_agent, "tessera-client");
    for (const auto& [k, v] : r.headers) req.set(k, v);
    req.body().assign(r.body.begin(), r.body.end());
    req.prepare_payload();

    boost::system::error_code ec;
    stream->expires_after(timeout);
    bhttp::write(*stream, req, ec);
    if (!ec) {
      // Beast reads max(512, free capacity) bytes at a time: room for large bodies.
      buffer.reserve(256 << 10);
      bhttp::response_parser<bhttp::vector_body<uint8_t>> parser;
      parser.body_limit(std::numeric_limits<uint64_t>::max());
      bhttp::read(*stream, buffer, parser, ec);
      if (!ec) {
        auto res = parser.release();
        ClientResponse out;
        out.status = res.result_int();
        for (const auto& f : res) {
          std::string name(f.name_string());
          for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
          out.headers[name] = std::string(f.value());
        }
        out.body = std::move(res.body());
        if (!res.keep_alive()) stream.reset();
        return out;
      }
      *retryable = ec == bhttp::error::end_of_stream || ec == asio::error::connection_reset ||
                   ec == asio::error::eof;
    } else {
      *retryable = ec == asio::error::broken_pipe || ec == asio::error::connection_reset;
    }
    stream.reset();
    return Unexpected(MakeError(ErrorCode::kUnavailable, r.method + " " + r.target + " to " + host +
                                                             ":" + std::to_string(port) +
                                                             " failed: " + ec.message()));
  }
};

HttpClient::HttpClient(std::string host, int port, std::chrono::milliseconds timeout)
    : impl_(std::make_unique<Impl>()) {
  impl_->host = std::move(host);
  impl_->port = port;
  impl_->timeout = timeout;
}

HttpClient::~HttpClient() = default;

Result<ClientResponse> HttpClient::Send(const ClientRequest& request) {
  bool reused = impl_->stream.has_value();
  if (!reused) {
    if (auto ok = impl_->Connect(); !ok) return Unexpected(ok.error());
  }
  bool retryable = false;
  auto r = impl_->Exchange(request, &retryable);
  if (!r && reused && retryable) {
    // The server closed an idle keep-alive connection: once more on a fresh one.
    if (auto ok = impl_->Connect(); !ok) return Unexpected(ok.error());
    r = impl_->Exchange(request, &retryable);
  }
  return r;
}

Result<ClientResponse> HttpClient::Get(const std::string& target) {
  ClientRequest r;
  r.target = target;
  return Send(r);
}

std::string HttpClient::Encode(std::string_view value) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : value) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

}  // namespace tessera::api::http
