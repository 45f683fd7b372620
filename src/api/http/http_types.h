// The request and response values HTTP handlers see. Handlers never touch sockets: the server
// reads and limits the request, runs the handler (on a blocking-work thread when the route says
// so) and writes what it returns. The HTTP library's types stay behind these (received_message.h
// is the server's own).
#pragma once

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

// The methods routes are declared for; anything else a client sends is kOther (405 or 404).
enum class Method { kGet, kHead, kPost, kPut, kPatch, kDelete, kOptions, kOther };

// "GET", "POST", ...; "OTHER" for kOther.
std::string_view MethodName(Method method);

// The request as the server received it: headers and body (defined by the server).
struct ReceivedMessage;

struct HttpRequest {
  Method method = Method::kGet;
  std::string path;                                 // decoded path, no query
  std::multimap<std::string, std::string> query;    // decoded query parameters
  std::map<std::string, std::string> path_params;   // {id} and friends from the route pattern
  std::string request_id;                           // X-Request-Id given or made
  std::string remote;                               // peer address
  std::chrono::steady_clock::time_point received;   // when the headers were complete
  std::chrono::steady_clock::time_point body_read;  // when the whole body had arrived
  const ReceivedMessage* raw = nullptr;             // headers and body
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
