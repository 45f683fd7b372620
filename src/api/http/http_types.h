// The request and response values HTTP handlers see. Handlers never touch sockets: the server
// reads and limits the request, runs the handler (on a blocking-work thread when the route says
// so) and writes what it returns.
#pragma once

#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"
#include "engine/stop_token.h"

namespace tessera::api::http {

namespace bhttp = boost::beast::http;

using BeastRequest = bhttp::request<bhttp::vector_body<uint8_t>>;

struct HttpRequest {
  bhttp::verb method = bhttp::verb::get;
  std::string path;                                 // decoded path, no query
  std::multimap<std::string, std::string> query;    // decoded query parameters
  std::map<std::string, std::string> path_params;   // {id} and friends from the route pattern
  std::string request_id;                           // X-Request-Id given or made
  std::string remote;                               // peer address
  std::chrono::steady_clock::time_point received;   // when the headers were complete
  std::chrono::steady_clock::time_point body_read;  // when the whole body had arrived
  const BeastRequest* raw = nullptr;                // headers and body
  // Stopped (kCancelled) when the client closes its connection while a blocking handler runs;
  // handlers pass it to long work (SyncProcessor). Never null inside a handler.
  const engine::StopToken* client_gone = nullptr;

  // Empty when absent. Header names are case-insensitive.
  std::string_view Header(std::string_view name) const;
  std::span<const uint8_t> Body() const;
  // The first value of a query parameter, or nullptr.
  const std::string* Query(std::string_view name) const;
};

struct HttpResponse {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::vector<uint8_t> body;
  std::vector<std::pair<std::string, std::string>> headers;

  static HttpResponse Json(unsigned status, std::string_view json);
  static HttpResponse Bytes(unsigned status, std::string content_type, std::vector<uint8_t> body);
  void SetHeader(std::string name, std::string value);
};

// `{"error":{"code":"bad_pipeline","message":"...","field":"..."}}` with the status the code maps
// to; 429 and 503 carry Retry-After.
HttpResponse ErrorResponse(const Error& error);

// Percent-decodes a URL component ('+' becomes a space in query strings).
std::string PercentDecode(std::string_view s, bool plus_is_space);

// Splits "a=1&b=x%20y" into decoded pairs.
std::multimap<std::string, std::string> ParseQuery(std::string_view query);

}  // namespace tessera::api::http
