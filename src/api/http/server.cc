// <utility> must come before Boost.Asio: Boost 1.74's coroutine header uses std::exchange
// without including it (GCC 12).
#include <utility>
// (keep the include above first)
#include <sys/socket.h>

#include <array>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <set>

#include "api/http/framing.h"
#include "api/http/received_message.h"
#include "api/http/server.h"
#include "api/request_identity.h"
#include "core/clock.h"
#include "core/ids.h"
#include "core/log.h"

namespace tessera::api::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::awaitable;
using asio::use_awaitable;
using tcp = asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

namespace {

constexpr uint64_t kBodyReadChunk = 256 << 10;
// Request line plus headers; over it the answer is 431.
constexpr uint32_t kHeaderLimitBytes = 16 << 10;
constexpr size_t kIdleBufferBytes = 16 << 10;
// Lingering close (as nginx's lingering_timeout and lingering_time): a refused body is read and
// discarded while it keeps arriving, until it pauses this long or this much time has passed.
constexpr std::chrono::seconds kLingerIdle{5};
constexpr std::chrono::seconds kLingerMax{30};

using BeastHead = bhttp::request<bhttp::empty_body>;

bool HasBody(const bhttp::request_parser<bhttp::empty_body>& p) {
  return p.chunked() || (p.content_length() && *p.content_length() > 0);
}

}  // namespace

struct HttpServer::Impl {
  Impl(HttpServer& owner, ServerOptions o, const Router& r, ServerHooks h)
      : server(owner),
        options(std::move(o)),
        router(r),
        hooks(std::move(h)),
        pool(static_cast<size_t>(std::max(1, options.blocking_threads))),
        acceptor(ioc) {}

  // Sessions register their stream so Shutdown can close the idle ones.
  struct Session {
    beast::tcp_stream* stream = nullptr;
    bool busy = false;
    bool linger = false;  // closing with a request body unread: drain it first
  };

  HttpServer& server;
  const ServerOptions options;
  const Router& router;
  const ServerHooks hooks;
  asio::io_context ioc;
  asio::thread_pool pool;
  tcp::acceptor acceptor;
  std::vector<std::thread> io_threads;
  std::mutex mu;
  std::condition_variable idle_cv;
  std::set<std::shared_ptr<Session>> sessions;  // guarded by mu
  std::atomic<uint64_t> body_bytes_in_flight{0};
  bool stopped = false;

  awaitable<void> Accept();
  awaitable<void> Serve(tcp::socket socket);
  awaitable<void> RejectBusy(tcp::socket socket);
  // One request on a connection; false: close the connection. The steps below, in order.
  awaitable<bool> HandleOne(beast::tcp_stream& stream, beast::flat_buffer& buffer, Session& session,
                            bool first);

  // A request on its way through HandleOne: what it asked for and what the log will say.
  struct Exchange {
    beast::tcp_stream& stream;
    Session& session;
    RequestRecord record;
    SteadyClock::time_point received;
    unsigned version = 11;
    std::string target;  // as sent, query included
    size_t query_at = std::string::npos;
    std::string path;  // percent-decoded, without the query
    bool has_body = false;
    bool body_consumed = false;  // set once the body has been read in full
    bool client_keep_alive = false;
  };
  // An answer given without reading the body, and whether the connection may stay open.
  struct Refusal {
    HttpResponse response;
    bool keep_alive = false;
  };
  // The body read: the whole request, or an answer refusing it, or neither (connection broken).
  struct BodyRead {
    std::optional<ReceivedMessage> request;
    std::optional<HttpResponse> refusal;
  };

  // false: nothing more to do on this connection (closed, timed out, or answered 400/431).
  awaitable<bool> ReadHead(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                           bhttp::request_parser<bhttp::empty_body>& head, Session& session,
                           bool first);
  Exchange StartExchange(beast::tcp_stream& stream, Session& session,
                         const bhttp::request_parser<bhttp::empty_body>& head);
  static std::optional<HttpResponse> FramingRefusal(const BeastHead& h, unsigned version);
  static HttpResponse RouteMiss(const RouteMatch& match, const Exchange& x);  // 404 or 405
  // The route's own error shape for the server's refusals (Route::error_response).
  static HttpResponse Shaped(const Route& route, const Error& e);
  static HttpResponse TooLarge(const Route& route);
  // A missing API key (401) or a declared length over the route's limit (413).
  std::optional<Refusal> RefuseBeforeBody(const Route& route,
                                          const bhttp::request_parser<bhttp::empty_body>& head,
                                          const Exchange& x);
  // Consumes `head` (Beast's parsers move only into a parser of another body type).
  awaitable<BodyRead> ReadBody(const Route& route, bhttp::request_parser<bhttp::empty_body>& head,
                               beast::flat_buffer& buffer, Exchange& x, uint64_t reserved);
  // nullopt: the client closed the connection while a blocking handler ran.
  awaitable<std::optional<HttpResponse>> RunHandler(const Route& route, HttpRequest& request,
                                                    Exchange& x);
  // Writes the answer and reports the request; returns whether the connection stays open.
  awaitable<bool> Finish(Exchange& x, HttpResponse r, bool keep_alive);
  awaitable<void> Write(beast::tcp_stream& stream, HttpResponse response,
                        const std::string& request_id, bool keep_alive, unsigned version);

  void SetBusy(Session& s, bool busy) {
    std::lock_guard<std::mutex> lock(mu);
    s.busy = busy;
  }
};

awaitable<void> HttpServer::Impl::Accept() {
  for (;;) {
    boost::system::error_code ec;
    tcp::socket socket = co_await acceptor.async_accept(asio::make_strand(ioc),
                                                        asio::redirect_error(use_awaitable, ec));
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
      // Out of descriptors (EMFILE) and the like: back off instead of spinning on accept.
      Log(LogLevel::kWarn, "http_accept_failed", {{"error", ec.message()}});
      asio::steady_timer pause(acceptor.get_executor(), std::chrono::milliseconds(50));
      co_await pause.async_wait(asio::redirect_error(use_awaitable, ec));
      continue;
    }
    if (server.draining_.load()) {
      socket.close(ec);
      continue;
    }
    auto executor = socket.get_executor();
    if (server.connections_.load() >= options.max_connections) {
      asio::co_spawn(executor, RejectBusy(std::move(socket)), asio::detached);
      continue;
    }
    server.connections_.fetch_add(1);
    asio::co_spawn(executor, Serve(std::move(socket)), asio::detached);
  }
}

awaitable<void> HttpServer::Impl::RejectBusy(tcp::socket socket) {
  beast::tcp_stream stream(std::move(socket));
  HttpResponse r = ErrorResponse(
      MakeError(ErrorCode::kUnavailable, "the server is at its connection limit; retry later"));
  co_await Write(stream, std::move(r), NewId(SystemClock::Get()), false, 11);
}

awaitable<void> HttpServer::Impl::Serve(tcp::socket socket) {
  beast::tcp_stream stream(std::move(socket));
  auto session = std::make_shared<Session>();
  session->stream = &stream;
  {
    std::lock_guard<std::mutex> lock(mu);
    sessions.insert(session);
  }
  beast::flat_buffer buffer;
  bool first = true;
  try {
    while (!server.draining_.load()) {
      bool keep = co_await HandleOne(stream, buffer, *session, first);
      first = false;
      if (!keep) break;
    }
  } catch (const std::exception& e) {
    Log(LogLevel::kDebug, "http_session_error", {{"error", e.what()}});
  }
  boost::system::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  if (session->linger) {
    // The client may still be sending the body we refused. Closing now would reset the
    // connection and could destroy our answer (413, 401, ...) before the client reads it, so
    // read and discard while it keeps coming, as nginx's lingering close does (a loaded client
    // can take seconds to push a few MiB).
    const auto give_up = SteadyClock::now() + kLingerMax;
    std::array<char, 16384> scratch;
    while (!ec && SteadyClock::now() < give_up) {
      stream.expires_after(
          std::min<SteadyClock::duration>(kLingerIdle, give_up - SteadyClock::now()));
      co_await stream.async_read_some(asio::buffer(scratch),
                                      asio::redirect_error(use_awaitable, ec));
    }
  }
  stream.socket().close(ec);
  {
    std::lock_guard<std::mutex> lock(mu);
    sessions.erase(session);
  }
  server.connections_.fetch_sub(1);
  idle_cv.notify_all();
}

// One request, in the order its checks run: read the head; refuse bad framing, an unknown
// route or method, a missing API key, a declared length over the route's limit or over the
// server's body budget, all before any of the body is read; read the body; run the handler.
awaitable<bool> HttpServer::Impl::HandleOne(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                            Session& session, bool first) {
  bhttp::request_parser<bhttp::empty_body> head;
  if (!co_await ReadHead(stream, buffer, head, session, first)) co_return false;

  SetBusy(session, true);
  struct BusyReset {
    Impl& impl;
    Session& s;
    ~BusyReset() {
      impl.SetBusy(s, false);
      impl.idle_cv.notify_all();
    }
  } busy_reset{*this, session};
  server.in_flight_.fetch_add(1);
  if (hooks.on_request_start) hooks.on_request_start();
  struct InFlight {
    std::atomic<int>& n;
    ~InFlight() { n.fetch_sub(1); }
  } in_flight{server.in_flight_};

  Exchange x = StartExchange(stream, session, head);
  if (auto bad = FramingRefusal(head.get(), x.version)) {
    session.linger = true;
    co_return co_await Finish(x, std::move(*bad), false);
  }
  RouteMatch match = router.Match(MethodOf(head.get().method()), x.path);
  if (match.route == nullptr) {
    co_return co_await Finish(x, RouteMiss(match, x), x.client_keep_alive && !x.has_body);
  }
  const Route& route = *match.route;
  x.record.route = route.pattern;
  if (auto refusal = RefuseBeforeBody(route, head, x)) {
    co_return co_await Finish(x, std::move(refusal->response), refusal->keep_alive);
  }

  // Reserve this body's bytes in the global budget before reading any of it.
  const uint64_t reserve =
      head.content_length() ? *head.content_length() : (x.has_body ? route.max_body_bytes : 0);
  if (body_bytes_in_flight.fetch_add(reserve) + reserve > options.max_body_bytes_in_flight &&
      reserve > 0) {
    body_bytes_in_flight.fetch_sub(reserve);
    Error e =
        MakeError(ErrorCode::kUnavailable, "the server holds too many request bodies; retry later");
    co_return co_await Finish(x, Shaped(route, e), false);
  }
  struct BodyReservation {
    std::atomic<uint64_t>& total;
    uint64_t n;
    ~BodyReservation() { total.fetch_sub(n); }
  } reservation{body_bytes_in_flight, reserve};

  BodyRead body = co_await ReadBody(route, head, buffer, x, reserve);
  if (body.refusal) co_return co_await Finish(x, std::move(*body.refusal), false);
  if (!body.request) co_return false;  // the connection broke
  ReceivedMessage& raw = *body.request;

  HttpRequest request;
  request.method = MethodOf(raw.beast.method());
  request.path = x.path;
  if (x.query_at != std::string::npos) {
    request.query = ParseQuery(std::string_view(x.target).substr(x.query_at + 1));
  }
  request.path_params = std::move(match.params);
  request.request_id = x.record.request_id;
  request.remote = x.record.remote;
  request.received = x.received;
  request.body_read = SteadyClock::now();
  request.raw = &raw;

  std::optional<HttpResponse> response = co_await RunHandler(route, request, x);
  if (!response) co_return false;  // the client left; nothing to answer
  co_return co_await Finish(x, std::move(*response), x.client_keep_alive);
}

awaitable<bool> HttpServer::Impl::ReadHead(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                           bhttp::request_parser<bhttp::empty_body>& head,
                                           Session& session, bool first) {
  head.header_limit(kHeaderLimitBytes);
  // The route's own limit is applied once the route is known; until then any length is read
  // as a number only.
  head.body_limit(std::numeric_limits<std::uint64_t>::max());
  stream.expires_after(first ? options.header_timeout : options.idle_timeout);
  boost::system::error_code ec;
  co_await bhttp::async_read_header(stream, buffer, head, asio::redirect_error(use_awaitable, ec));
  if (!ec) co_return true;
  if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout ||
      ec == asio::error::operation_aborted || ec == asio::error::eof ||
      ec == asio::error::connection_reset) {
    co_return false;
  }
  // Malformed request line or headers: say so once and close.
  const Error e =
      ec == bhttp::error::header_limit
          ? MakeError(ErrorCode::kHeadersTooLarge,
                      "the request line and headers are over the limit of " +
                          std::to_string(kHeaderLimitBytes) + " bytes",
                      "headers")
          : MakeError(ErrorCode::kBadRequest, "malformed HTTP request: " + ec.message());
  session.linger = true;  // the rest of what the client sent is unread
  co_await Write(stream, ErrorResponse(e), NewId(SystemClock::Get()), false, 11);
  co_return false;
}

HttpServer::Impl::Exchange HttpServer::Impl::StartExchange(
    beast::tcp_stream& stream, Session& session,
    const bhttp::request_parser<bhttp::empty_body>& head) {
  const auto& h = head.get();
  Exchange x{.stream = stream, .session = session};
  x.received = SteadyClock::now();
  x.version = h.version();
  x.has_body = HasBody(head);
  x.client_keep_alive = head.keep_alive();
  x.target.assign(h.target().data(), h.target().size());
  x.query_at = x.target.find('?');
  x.path = PercentDecode(std::string_view(x.target).substr(0, x.query_at), false);
  x.record.request_id =
      RequestIdOrNew(std::string_view(h["X-Request-Id"].data(), h["X-Request-Id"].size()));
  x.record.method = std::string(h.method_string().data(), h.method_string().size());
  x.record.target = x.path;
  x.record.route = "unmatched";
  boost::system::error_code ec;
  auto peer = stream.socket().remote_endpoint(ec);
  if (!ec) x.record.remote = peer.address().to_string();
  return x;
}

std::optional<HttpResponse> HttpServer::Impl::FramingRefusal(const BeastHead& h, unsigned version) {
  std::vector<std::string_view> encodings;
  for (auto [it, end] = h.equal_range(bhttp::field::transfer_encoding); it != end; ++it) {
    encodings.emplace_back(it->value().data(), it->value().size());
  }
  const bool has_length = h.find(bhttp::field::content_length) != h.end();
  auto bad = FramingError(encodings, has_length, version);
  if (!bad) return std::nullopt;
  return ErrorResponse(MakeError(ErrorCode::kBadRequest, *bad, "Transfer-Encoding"));
}

HttpResponse HttpServer::Impl::RouteMiss(const RouteMatch& match, const Exchange& x) {
  if (!match.path_known) {
    return ErrorResponse(MakeError(ErrorCode::kNotFound, "no route for " + x.path, "path"));
  }
  std::string allow;
  for (const auto& m : match.allowed) allow += (allow.empty() ? "" : ", ") + m;
  HttpResponse r = ErrorResponse(MakeError(
      ErrorCode::kMethodNotAllowed,
      x.record.method + " is not allowed on " + x.path + " (allowed: " + allow + ")", "method"));
  r.SetHeader("Allow", allow);
  return r;
}

HttpResponse HttpServer::Impl::Shaped(const Route& route, const Error& e) {
  HttpResponse native = ErrorResponse(e);
  return route.error_response ? route.error_response(e, std::move(native)) : native;
}

HttpResponse HttpServer::Impl::TooLarge(const Route& route) {
  std::string message =
      "request body is over the limit of " + std::to_string(route.max_body_bytes) + " bytes";
  if (!route.max_body_flag.empty()) message += " (" + std::string(route.max_body_flag) + ")";
  return Shaped(route, MakeError(ErrorCode::kTooLarge, std::move(message), "body"));
}

std::optional<HttpServer::Impl::Refusal> HttpServer::Impl::RefuseBeforeBody(
    const Route& route, const bhttp::request_parser<bhttp::empty_body>& head, const Exchange& x) {
  const auto& h = head.get();
  if (route.needs_key &&
      !BearerKeyAccepted(std::string_view(h["Authorization"].data(), h["Authorization"].size()),
                         options.api_keys)) {
    Error e =
        MakeError(ErrorCode::kUnauthorized,
                  "a valid API key is required (Authorization: Bearer <key>)", "Authorization");
    HttpResponse native = ErrorResponse(e);
    native.SetHeader("WWW-Authenticate", "Bearer");
    HttpResponse r = route.error_response ? route.error_response(e, std::move(native)) : native;
    return Refusal{std::move(r), x.client_keep_alive && !x.has_body};
  }
  if (head.content_length() && *head.content_length() > route.max_body_bytes) {
    return Refusal{TooLarge(route), false};
  }
  return std::nullopt;
}

awaitable<HttpServer::Impl::BodyRead> HttpServer::Impl::ReadBody(
    const Route& route, bhttp::request_parser<bhttp::empty_body>& head, beast::flat_buffer& buffer,
    Exchange& x, uint64_t reserved) {
  BodyRead out;
  boost::system::error_code ec;
  auto& stream = x.stream;
  if (x.has_body && beast::iequals(head.get()[bhttp::field::expect], "100-continue")) {
    bhttp::response<bhttp::empty_body> cont{bhttp::status::continue_, x.version};
    stream.expires_after(options.write_timeout);
    co_await bhttp::async_write(stream, cont, asio::redirect_error(use_awaitable, ec));
    if (ec) co_return out;
  }
  bhttp::request_parser<bhttp::vector_body<uint8_t>> parser{std::move(head)};
  parser.body_limit(route.max_body_bytes);
  if (x.has_body) {
    // Beast reads max(512, free capacity) bytes at a time: give it room, or a large upload
    // costs a system call (and a timer update) per 512 bytes.
    buffer.reserve(static_cast<size_t>(std::min<uint64_t>(reserved, kBodyReadChunk)));
    // The body timeout is our own timer, not the stream's expiry: an expired stream closes its
    // socket, and the client would never read the 408.
    stream.expires_never();
    struct Watch {
      bool done = false;
      bool fired = false;
    };
    auto watch = std::make_shared<Watch>();
    asio::steady_timer deadline(stream.get_executor(), options.body_timeout);
    deadline.async_wait([watch, &stream](boost::system::error_code wait_ec) {
      if (wait_ec || watch->done) return;
      watch->fired = true;
      boost::system::error_code ignored;
      stream.socket().cancel(ignored);
    });
    co_await bhttp::async_read(stream, buffer, parser, asio::redirect_error(use_awaitable, ec));
    watch->done = true;
    deadline.cancel();
    if (ec == bhttp::error::body_limit) {
      out.refusal = TooLarge(route);
      co_return out;
    }
    if (ec && watch->fired) {
      out.refusal =
          Shaped(route, MakeError(ErrorCode::kRequestTimeout,
                                  "the request body did not arrive within " +
                                      std::to_string(options.body_timeout.count()) + " ms",
                                  "body"));
      co_return out;
    }
    if (ec && ec.category() == bhttp::make_error_code(bhttp::error::bad_chunk).category()) {
      // A body that breaks HTTP's framing (a bad or oversized chunk size, say): answered, then
      // the connection is closed, since where the next request would begin is unknown.
      out.refusal = Shaped(route, MakeError(ErrorCode::kBadRequest,
                                            "malformed request body: " + ec.message(), "body"));
      co_return out;
    }
    if (ec) co_return out;
    x.body_consumed = true;
  }
  out.request = ReceivedMessage{parser.release()};
  // Idle keep-alive connections keep only a small buffer.
  if (buffer.capacity() > kIdleBufferBytes && buffer.size() == 0) buffer.shrink_to_fit();
  x.record.bytes_in = out.request->beast.body().size();
  co_return out;
}

awaitable<std::optional<HttpResponse>> HttpServer::Impl::RunHandler(const Route& route,
                                                                    HttpRequest& request,
                                                                    Exchange& x) {
  auto run = [&route, &request]() -> HttpResponse {
    try {
      return route.handler(request);
    } catch (const std::exception& e) {
      Log(LogLevel::kError, "http_handler_threw",
          {{"request_id", request.request_id}, {"error", e.what()}});
      return ErrorResponse(MakeError(ErrorCode::kInternal, "internal error"));
    }
  };
  if (!route.blocking) co_return run();

  // While a blocking handler runs nobody reads the socket, so a client that gives up would go
  // unnoticed until the answer is written. Watch it: readable with nothing to read (EOF) or a
  // reset means the client is gone, and the handler's work is stopped (nginx's "client
  // prematurely closed connection"). Readable with data (a pipelined request) is not a
  // disconnect; the watch then ends.
  auto client_gone = std::make_shared<engine::StopSource>();
  request.client_gone = client_gone.get();
  auto watching = std::make_shared<bool>(true);
  auto& socket = x.stream.socket();
  const int fd = socket.native_handle();
  socket.async_wait(tcp::socket::wait_read,
                    [client_gone, watching, fd](boost::system::error_code wait_ec) {
                      if (!*watching || wait_ec == asio::error::operation_aborted) return;
                      char byte;
                      const ssize_t n = ::recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
                      if (wait_ec || n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
                        client_gone->RequestStop(
                            MakeError(ErrorCode::kCancelled, "the client closed the connection"));
                      }
                    });
  HttpResponse response = co_await asio::co_spawn(
      pool.get_executor(), [&run]() -> awaitable<HttpResponse> { co_return run(); }, use_awaitable);
  // Back on the session's strand, where the watch's handler also runs.
  *watching = false;
  boost::system::error_code ec;
  socket.cancel(ec);
  if (!client_gone->StopRequested()) co_return response;
  x.record.status = 499;  // nginx's code for a request its client abandoned
  x.record.duration =
      std::chrono::duration_cast<std::chrono::microseconds>(SteadyClock::now() - x.received);
  Log(LogLevel::kInfo, "http_client_gone",
      {{"request_id", x.record.request_id}, {"route", x.record.route}});
  if (hooks.on_request_end) hooks.on_request_end(x.record);
  co_return std::nullopt;
}

awaitable<bool> HttpServer::Impl::Finish(Exchange& x, HttpResponse r, bool keep_alive) {
  if (x.has_body && !x.body_consumed) x.session.linger = true;
  x.record.status = r.status;
  x.record.bytes_out = r.body.size();
  x.record.duration =
      std::chrono::duration_cast<std::chrono::microseconds>(SteadyClock::now() - x.received);
  keep_alive = keep_alive && !server.draining_.load();
  co_await Write(x.stream, std::move(r), x.record.request_id, keep_alive, x.version);
  if (hooks.on_request_end) hooks.on_request_end(x.record);
  co_return keep_alive;
}

awaitable<void> HttpServer::Impl::Write(beast::tcp_stream& stream, HttpResponse r,
                                        const std::string& request_id, bool keep_alive,
                                        unsigned version) {
  bhttp::response<bhttp::vector_body<uint8_t>> res{static_cast<bhttp::status>(r.status),
                                                   version == 10 ? 10u : 11u};
  res.set(bhttp::field::server, "tessera");
  if (!r.content_type.empty()) res.set(bhttp::field::content_type, r.content_type);
  res.set("X-Request-Id", request_id);
  for (auto& [name, value] : r.headers) res.set(name, value);
  res.body() = std::move(r.body);
  res.keep_alive(keep_alive);
  res.prepare_payload();
  stream.expires_after(options.write_timeout);
  boost::system::error_code ec;
  co_await bhttp::async_write(stream, res, asio::redirect_error(use_awaitable, ec));
}

HttpServer::HttpServer(ServerOptions options, const Router& router, ServerHooks hooks)
    : impl_(std::make_unique<Impl>(*this, std::move(options), router, std::move(hooks))) {}

HttpServer::~HttpServer() { Shutdown(std::chrono::milliseconds(0)); }

Result<int> HttpServer::Start() {
  auto& impl = *impl_;
  boost::system::error_code ec;
  auto address = asio::ip::make_address(impl.options.host, ec);
  if (ec) {
    return Unexpected(MakeError(ErrorCode::kBadRequest,
                                "'" + impl.options.host + "' is not an IP address", "host"));
  }
  tcp::endpoint endpoint(address, static_cast<unsigned short>(impl.options.port));
  impl.acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl.acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl.acceptor.bind(endpoint, ec);
  if (!ec) impl.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Unexpected(MakeError(ErrorCode::kUnavailable,
                                "cannot listen on " + impl.options.host + ":" +
                                    std::to_string(impl.options.port) + ": " + ec.message(),
                                "port"));
  }
  int port = impl.acceptor.local_endpoint().port();
  asio::co_spawn(impl.ioc, impl.Accept(), asio::detached);
  for (int i = 0; i < std::max(1, impl.options.io_threads); ++i) {
    impl.io_threads.emplace_back([&impl] { impl.ioc.run(); });
  }
  return port;
}

bool HttpServer::Shutdown(std::chrono::milliseconds grace) {
  auto& impl = *impl_;
  {
    std::lock_guard<std::mutex> lock(impl.mu);
    if (impl.stopped) return true;
    impl.stopped = true;
  }
  draining_.store(true);
  asio::post(impl.ioc, [&impl] {
    boost::system::error_code ec;
    impl.acceptor.close(ec);
  });
  const auto deadline = SteadyClock::now() + grace;
  bool clean = true;
  {
    std::unique_lock<std::mutex> lock(impl.mu);
    for (;;) {
      // Idle keep-alive connections are closed now; busy ones close after their response.
      for (const auto& s : impl.sessions) {
        if (s->busy) continue;
        // Runs on the session's strand; the session is still registered only while its
        // coroutine (and so its stream) is alive.
        asio::post(s->stream->get_executor(), [&impl, session = s] {
          std::lock_guard<std::mutex> guard(impl.mu);
          if (impl.sessions.count(session) == 0 || session->busy) return;
          boost::system::error_code ec;
          session->stream->socket().cancel(ec);
        });
      }
      if (impl.sessions.empty()) break;
      if (impl.idle_cv.wait_until(
              lock, std::min(deadline, SteadyClock::now() + std::chrono::milliseconds(50))) ==
              std::cv_status::timeout &&
          SteadyClock::now() >= deadline) {
        clean = impl.sessions.empty();
        break;
      }
    }
  }
  impl.ioc.stop();
  for (auto& t : impl.io_threads) {
    if (t.joinable()) t.join();
  }
  impl.pool.join();
  return clean;
}

}  // namespace tessera::api::http
