// A real redis-server for tests: started on a free loopback port with its own temp directory,
// killed when the object dies. Restart keeps the port and the directory, so data the server
// persisted (its append-only file) is loaded again.
//
// A missing redis-server binary is an error from Start (tests report it as a failure, never as
// a skip): the Redis implementations are only tested if the server is installed.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>

#include "core/result.h"
#include "support/temp_dir.h"

namespace tessera::testing {

struct RedisServerOptions {
  bool appendonly = true;
  std::string appendfsync = "everysec";  // "always", "everysec" or "no"
  std::string password;                  // empty: no requirepass
  std::string maxmemory_policy = "noeviction";
  std::chrono::milliseconds start_timeout{10'000};
};

class RedisServer {
 public:
  explicit RedisServer(RedisServerOptions options = {});
  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  // Starts the server (on a new free port the first time, the same port afterwards) and waits
  // until it answers PING. Errors: kUnavailable with the end of the server's log.
  Status Start();
  // SIGTERM, then waits for the exit (Redis flushes its append-only file on the way out).
  Status Stop();
  // SIGKILL by PID, then waits: a crash, with whatever reached the disk.
  void Kill();
  // Stop, then Start on the same port and directory.
  Status Restart();

  bool running() const { return pid_ > 0; }
  int port() const { return port_; }
  const std::filesystem::path& dir() const { return dir_.path(); }
  // redis://[:password@]127.0.0.1:port
  std::string url() const;

  // The executable: $TESSERA_REDIS_SERVER if set, else /usr/bin/redis-server.
  static std::string BinaryPath();

 private:
  Status SpawnAndWait();
  void WaitForExit();
  std::string LogTail() const;

  const RedisServerOptions options_;
  TempDir dir_;
  int port_ = 0;
  pid_t pid_ = 0;
};

}  // namespace tessera::testing
