// RedisClient: a thread-safe connection to one Redis server, over hiredis.
//
// One mutex-guarded connection per client object: commands from several threads are
// serialised (the scripts tessera runs are short, and Redis executes them one at a time anyway).
// The connection is opened lazily and re-opened after any I/O error or timeout, so a restarted
// server is picked up by the next command. A command that failed on the wire is retried once on
// a fresh connection only when the caller says it is safe to run twice (kIdempotent); otherwise
// the failure is returned as kUnavailable, because the server may or may not have applied it.
//
// Errors: kUnavailable for connection problems (refused, reset, timeout, LOADING); kInternal for
// protocol surprises and error replies; Redis's own text is in Error::detail.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

struct redisContext;

namespace tessera::queue {

// Where and how to reach Redis: redis://[[user]:password@]host[:port][/db].
struct RedisUrl {
  std::string host;
  int port = 6379;
  std::string username;  // empty: the default user
  std::string password;  // empty: no AUTH
  int db = 0;

  bool operator==(const RedisUrl&) const = default;
};

// Errors: kBadRequest naming what is wrong (scheme, host, port, db).
Result<RedisUrl> ParseRedisUrl(std::string_view url);

struct RedisClientOptions {
  RedisUrl url;
  std::chrono::milliseconds connect_timeout{2000};
  std::chrono::milliseconds command_timeout{5000};
};

// A reply, copied out of hiredis so that no hiredis type crosses this header.
struct RedisReply {
  enum class Type { kNil, kString, kStatus, kInteger, kArray, kError };
  Type type = Type::kNil;
  std::string str;  // kString, kStatus, kError
  int64_t integer = 0;
  std::vector<RedisReply> elements;

  bool is_nil() const { return type == Type::kNil; }
  bool is_array() const { return type == Type::kArray; }
};

// A Lua script run with EVALSHA, loaded on first use and again after NOSCRIPT (a restarted or
// flushed server). `name` appears in errors.
struct RedisScript {
  std::string name;
  std::string source;
};

// A script's ARGV. Each caller declares one struct per script whose fields follow the script's
// `local name = ARGV[n]` lines, in order and by name, and whose ToArgv() lists them so: the
// argument order is written on the C++ side there only.
using ScriptArgv = std::vector<std::string>;

// `head` followed by `tail`.
inline ScriptArgv Concat(ScriptArgv head, const ScriptArgv& tail) {
  head.insert(head.end(), tail.begin(), tail.end());
  return head;
}

enum class RedisRetry {
  kNever,       // a write whose repetition would be visible: report kUnavailable instead
  kIdempotent,  // a read, or a write that is a no-op the second time: retry once
};

class RedisClient {
 public:
  explicit RedisClient(RedisClientOptions options);
  ~RedisClient();
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;
  RedisClient(RedisClient&&) = delete;
  RedisClient& operator=(RedisClient&&) = delete;

  // Runs one command. An error reply is returned as an Error (kInternal, or kUnavailable for
  // LOADING/MASTERDOWN/BUSY), never as a reply of type kError.
  Result<RedisReply> Command(const std::vector<std::string>& argv,
                             RedisRetry retry = RedisRetry::kNever);

  // EVALSHA script KEYS... ARGV..., loading the script when the server does not know it.
  Result<RedisReply> Eval(const RedisScript& script, const std::vector<std::string>& keys,
                          const std::vector<std::string>& args,
                          RedisRetry retry = RedisRetry::kNever);

  // PING. OK if the server answers.
  Status Ping();

  const RedisClientOptions& options() const { return options_; }

 private:
  Status EnsureConnectedLocked();
  Result<RedisReply> CommandLocked(const std::vector<std::string>& argv, RedisRetry retry);
  Result<RedisReply> SendOnceLocked(const std::vector<std::string>& argv, bool* io_failed);
  Result<std::string> LoadScriptLocked(const RedisScript& script);
  void CloseLocked();

  const RedisClientOptions options_;
  std::mutex mu_;
  redisContext* context_ = nullptr;                // guarded by mu_
  std::map<std::string, std::string> script_sha_;  // source -> sha1; guarded by mu_
};

}  // namespace tessera::queue
