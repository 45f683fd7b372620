// HttpServer: HTTP/1.1 over Boost.Beast with C++20 coroutines. One coroutine per connection on
// its own strand; keep-alive; request bodies read only after the route, API key and declared
// length are accepted, and never past the route's limit; header, body, idle and write
// timeouts; a connection limit. Handlers of blocking routes run on a separate thread pool, so
// image work and database calls never run on an I/O thread.
//
// Shutdown(): stop accepting, close idle keep-alive connections, let in-flight requests finish
// (their responses say Connection: close) within the grace period, then stop.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "api/http/router.h"
#include "core/result.h"

namespace tessera::api::http {

struct ServerOptions {
  std::string host = "0.0.0.0";
  int port = 8080;  // 0: pick a free port (Start returns it)
  int io_threads = 1;
  int blocking_threads = 8;  // handler threads; sync image work is bounded separately
  int max_connections = 1024;
  std::chrono::milliseconds header_timeout{10'000};  // first request's headers
  std::chrono::milliseconds idle_timeout{30'000};    // keep-alive wait for the next request
  std::chrono::milliseconds body_timeout{60'000};    // whole body
  std::chrono::milliseconds write_timeout{60'000};
  // Request bodies held in memory at once, across all connections: a request whose declared
  // length (or, chunked, its route's limit) does not fit gets 503 before its body is read.
  uint64_t max_body_bytes_in_flight = 1ull << 30;
  std::vector<std::string> api_keys;  // empty: no key needed
};

// What the server reports about each request it answered, for logs and metrics.
struct RequestRecord {
  std::string request_id;
  std::string method;
  std::string route;  // the pattern, or "unmatched"
  std::string target;
  std::string remote;
  unsigned status = 0;
  uint64_t bytes_in = 0;
  uint64_t bytes_out = 0;
  std::chrono::microseconds duration{0};
};

struct ServerHooks {
  std::function<void()> on_request_start;
  std::function<void(const RequestRecord&)> on_request_end;
};

class HttpServer {
 public:
  HttpServer(ServerOptions options, const Router& router, ServerHooks hooks = {});
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts the I/O and handler threads. Returns the bound port. kUnavailable when
  // the address cannot be bound.
  Result<int> Start();

  // Graceful stop; returns false when requests were still running at the deadline.
  bool Shutdown(std::chrono::milliseconds grace);

  bool draining() const { return draining_.load(); }
  int connections() const { return connections_.load(); }
  int in_flight() const { return in_flight_.load(); }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::atomic<bool> draining_{false};
  std::atomic<int> connections_{0};
  std::atomic<int> in_flight_{0};
};

}  // namespace tessera::api::http
