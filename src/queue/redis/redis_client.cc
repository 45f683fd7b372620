#include "queue/redis/redis_client.h"

#include <hiredis/hiredis.h>
#include <sys/time.h>

#include <charconv>
#include <optional>
#include <utility>

namespace tessera::queue {
namespace {

Error BadUrl(std::string message) {
  return MakeError(ErrorCode::kBadRequest, std::move(message), "redis_url");
}

std::optional<int> ParseSmallInt(std::string_view text, int max) {
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 0 || value > max) {
    return std::nullopt;
  }
  return value;
}

timeval ToTimeval(std::chrono::milliseconds ms) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
  return tv;
}

RedisReply CopyReply(const redisReply& r) {
  RedisReply out;
  switch (r.type) {
    case REDIS_REPLY_STRING:
      out.type = RedisReply::Type::kString;
      out.str.assign(r.str, r.len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = RedisReply::Type::kStatus;
      out.str.assign(r.str, r.len);
      break;
    case REDIS_REPLY_ERROR:
      out.type = RedisReply::Type::kError;
      out.str.assign(r.str, r.len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = RedisReply::Type::kInteger;
      out.integer = r.integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = RedisReply::Type::kArray;
      out.elements.reserve(r.elements);
      for (size_t i = 0; i < r.elements; ++i) out.elements.push_back(CopyReply(*r.element[i]));
      break;
    default: out.type = RedisReply::Type::kNil; break;
  }
  return out;
}

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

// Replies that mean "the server cannot serve right now" rather than "the request is wrong".
bool IsTransientErrorReply(std::string_view text) {
  return StartsWith(text, "LOADING") || StartsWith(text, "MASTERDOWN") ||
         StartsWith(text, "BUSY") || StartsWith(text, "TRYAGAIN") ||
         StartsWith(text, "CLUSTERDOWN");
}

bool IsAuthErrorReply(std::string_view text) {
  return StartsWith(text, "NOAUTH") || StartsWith(text, "WRONGPASS") || StartsWith(text, "NOPERM");
}

std::string CommandName(const std::vector<std::string>& argv) {
  return argv.empty() ? std::string("(empty)") : argv[0];
}

}  // namespace

Result<RedisUrl> ParseRedisUrl(std::string_view url) {
  constexpr std::string_view kScheme = "redis://";
  if (!StartsWith(url, kScheme)) {
    return BadUrl("a Redis URL starts with redis:// (rediss:// and unix sockets are unsupported)");
  }
  std::string_view rest = url.substr(kScheme.size());
  RedisUrl parsed;

  if (size_t at = rest.rfind('@'); at != std::string_view::npos) {
    std::string_view userinfo = rest.substr(0, at);
    rest = rest.substr(at + 1);
    size_t colon = userinfo.find(':');
    if (colon == std::string_view::npos) {
      return BadUrl("the part before @ must be :password or user:password");
    }
    parsed.username = std::string(userinfo.substr(0, colon));
    parsed.password = std::string(userinfo.substr(colon + 1));
    if (parsed.password.empty()) return BadUrl("the password after : is empty");
  }

  std::string_view hostport = rest;
  if (size_t slash = rest.find('/'); slash != std::string_view::npos) {
    hostport = rest.substr(0, slash);
    std::string_view db = rest.substr(slash + 1);
    if (!db.empty()) {
      auto value = ParseSmallInt(db, 1'000'000);
      if (!value) return BadUrl("the database after / must be a non-negative integer");
      parsed.db = *value;
    }
  }

  std::string_view host = hostport;
  if (size_t colon = hostport.rfind(':'); colon != std::string_view::npos) {
    host = hostport.substr(0, colon);
    auto port = ParseSmallInt(hostport.substr(colon + 1), 65535);
    if (!port || *port == 0) return BadUrl("the port must be an integer in 1..65535");
    parsed.port = *port;
  }
  if (host.empty()) return BadUrl("the host is empty");
  if (host.find_first_of("/?#[]") != std::string_view::npos) {
    return BadUrl("the host contains a character a host name cannot have");
  }
  parsed.host = std::string(host);
  return parsed;
}

RedisClient::RedisClient(RedisClientOptions options) : options_(std::move(options)) {}

RedisClient::~RedisClient() {
  std::lock_guard<std::mutex> lock(mu_);
  CloseLocked();
}

void RedisClient::CloseLocked() {
  if (context_ != nullptr) {
    redisFree(context_);
    context_ = nullptr;
  }
}

Status RedisClient::EnsureConnectedLocked() {
  if (context_ != nullptr) return OkStatus();
  const RedisUrl& url = options_.url;
  std::string where = url.host + ":" + std::to_string(url.port);
  redisContext* context =
      redisConnectWithTimeout(url.host.c_str(), url.port, ToTimeval(options_.connect_timeout));
  if (context == nullptr) {
    return MakeError(ErrorCode::kUnavailable, "cannot allocate a Redis connection to " + where);
  }
  if (context->err != 0) {
    std::string detail = context->errstr;
    redisFree(context);
    return MakeError(ErrorCode::kUnavailable, "cannot connect to Redis at " + where, {}, detail);
  }
  if (redisSetTimeout(context, ToTimeval(options_.command_timeout)) != REDIS_OK) {
    std::string detail = context->errstr;
    redisFree(context);
    return MakeError(ErrorCode::kUnavailable, "cannot set the Redis command timeout", {}, detail);
  }
  redisEnableKeepAlive(context);
  context_ = context;

  // AUTH and SELECT are part of connecting: a reconnect must restore them before any command.
  auto setup = [&](const std::vector<std::string>& argv) -> Status {
    bool io_failed = false;
    auto reply = SendOnceLocked(argv, &io_failed);
    if (!reply) {
      CloseLocked();
      return reply.error();
    }
    return OkStatus();
  };
  if (!url.password.empty()) {
    std::vector<std::string> auth = {"AUTH"};
    if (!url.username.empty()) auth.push_back(url.username);
    auth.push_back(url.password);
    if (auto s = setup(auth); !s) return s;
  }
  if (url.db != 0) {
    if (auto s = setup({"SELECT", std::to_string(url.db)}); !s) return s;
  }
  return OkStatus();
}

Result<RedisReply> RedisClient::SendOnceLocked(const std::vector<std::string>& argv,
                                               bool* io_failed) {
  *io_failed = false;
  std::vector<const char*> pointers;
  std::vector<size_t> lengths;
  pointers.reserve(argv.size());
  lengths.reserve(argv.size());
  for (const auto& a : argv) {
    pointers.push_back(a.data());
    lengths.push_back(a.size());
  }
  void* raw =
      redisCommandArgv(context_, static_cast<int>(argv.size()), pointers.data(), lengths.data());
  if (raw == nullptr) {
    // The context is unusable after an I/O error or timeout (a late reply would be read as the
    // answer to the next command), so it is always dropped.
    *io_failed = true;
    std::string detail = context_->errstr;
    CloseLocked();
    return MakeError(ErrorCode::kUnavailable, "Redis connection failed during " + CommandName(argv),
                     {}, detail);
  }
  std::unique_ptr<redisReply, void (*)(void*)> reply(static_cast<redisReply*>(raw),
                                                     freeReplyObject);
  RedisReply copied = CopyReply(*reply);
  if (copied.type == RedisReply::Type::kError) {
    ErrorCode code = IsTransientErrorReply(copied.str) ? ErrorCode::kUnavailable
                     : IsAuthErrorReply(copied.str)    ? ErrorCode::kUnauthorized
                                                       : ErrorCode::kInternal;
    return MakeError(code, "Redis rejected " + CommandName(argv), {}, copied.str);
  }
  return copied;
}

Result<RedisReply> RedisClient::CommandLocked(const std::vector<std::string>& argv,
                                              RedisRetry retry) {
  const int attempts = retry == RedisRetry::kIdempotent ? 2 : 1;
  Error last_error;
  for (int attempt = 0; attempt < attempts; ++attempt) {
    if (auto s = EnsureConnectedLocked(); !s) {
      last_error = s.error();
      continue;
    }
    bool io_failed = false;
    auto reply = SendOnceLocked(argv, &io_failed);
    if (reply || !io_failed) return reply;
    last_error = std::move(reply).error();
  }
  return last_error;
}

Result<RedisReply> RedisClient::Command(const std::vector<std::string>& argv, RedisRetry retry) {
  std::lock_guard<std::mutex> lock(mu_);
  return CommandLocked(argv, retry);
}

Result<std::string> RedisClient::LoadScriptLocked(const RedisScript& script) {
  auto reply = CommandLocked({"SCRIPT", "LOAD", script.source}, RedisRetry::kIdempotent);
  if (!reply) {
    Error error = std::move(reply).error();
    error.message = "cannot load Redis script " + script.name + ": " + error.message;
    return error;
  }
  if (reply->type != RedisReply::Type::kString) {
    return MakeError(ErrorCode::kInternal,
                     "SCRIPT LOAD of " + script.name + " did not answer with a sha1");
  }
  script_sha_[script.source] = reply->str;
  return reply->str;
}

Result<RedisReply> RedisClient::Eval(const RedisScript& script,
                                     const std::vector<std::string>& keys,
                                     const std::vector<std::string>& args, RedisRetry retry) {
  std::lock_guard<std::mutex> lock(mu_);
  std::string sha;
  if (auto it = script_sha_.find(script.source); it != script_sha_.end()) {
    sha = it->second;
  } else {
    auto loaded = LoadScriptLocked(script);
    if (!loaded) return std::move(loaded).error();
    sha = *loaded;
  }
  std::vector<std::string> argv;
  argv.reserve(3 + keys.size() + args.size());
  argv.push_back("EVALSHA");
  argv.push_back(sha);
  argv.push_back(std::to_string(keys.size()));
  argv.insert(argv.end(), keys.begin(), keys.end());
  argv.insert(argv.end(), args.begin(), args.end());

  auto reply = CommandLocked(argv, retry);
  if (!reply && StartsWith(reply.error().detail, "NOSCRIPT")) {
    // The server restarted or SCRIPT FLUSH ran: load again and run once more. NOSCRIPT means the
    // script did not run, so this is safe even for a non-idempotent script.
    auto loaded = LoadScriptLocked(script);
    if (!loaded) return std::move(loaded).error();
    argv[1] = *loaded;
    reply = CommandLocked(argv, retry);
  }
  if (!reply) {
    Error error = std::move(reply).error();
    error.message = "Redis script " + script.name + ": " + error.message;
    return error;
  }
  return reply;
}

Status RedisClient::Ping() {
  auto reply = Command({"PING"}, RedisRetry::kIdempotent);
  if (!reply) return std::move(reply).error();
  return OkStatus();
}

}  // namespace tessera::queue
