// HttpClient: a small blocking HTTP/1.1 client over Boost.Beast, with one keep-alive connection
// that is reopened when the server closes it. Used by `tessera submit` and by tests that drive
// a server over loopback. Plain http:// only.
//
// Thread-safety: one client per thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/result.h"

namespace tessera::api::http {

struct ClientResponse {
  unsigned status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::vector<uint8_t> body;

  std::string text() const { return {body.begin(), body.end()}; }
  std::string header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? "" : it->second;
  }
};

struct ClientRequest {
  std::string method = "GET";
  std::string target = "/";
  std::vector<std::pair<std::string, std::string>> headers;
  std::span<const uint8_t> body;
};

// "http://host:port" → host and port. kBadRequest otherwise.
struct ServerAddress {
  std::string host;
  int port = 80;
};
Result<ServerAddress> ParseServerUrl(std::string_view url);

class HttpClient {
 public:
  HttpClient(std::string host, int port,
             std::chrono::milliseconds timeout = std::chrono::seconds(60));
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // kUnavailable when the server cannot be reached or the connection fails mid-request.
  Result<ClientResponse> Send(const ClientRequest& request);
  Result<ClientResponse> Get(const std::string& target);

  // Percent-encodes a query value.
  static std::string Encode(std::string_view value);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tessera::api::http
