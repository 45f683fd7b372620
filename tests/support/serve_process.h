// A real `tessera serve` process on a free loopback port, for tests that drive the HTTP API
// over the wire. The port is read from the server's "http_listening" log line.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "api/http/client.h"
#include "support/tessera_process.h"

namespace tessera::testing {

class ServeProcess {
 public:
  // Starts `tessera serve --host 127.0.0.1 --port 0 --data-dir <dir>/data` (and --grpc-port 0
  // unless `extra_args` choose) plus `extra_args`;
  // logs go to `dir`. Fails the test (ADD_FAILURE) and returns null if it does not listen
  // within 20 s.
  static std::unique_ptr<ServeProcess> Start(const std::filesystem::path& dir,
                                             const std::vector<std::string>& extra_args = {});

  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  BackgroundProcess& process() { return *process_; }
  std::unique_ptr<api::http::HttpClient> Client() const {
    return std::make_unique<api::http::HttpClient>("127.0.0.1", port_);
  }

 private:
  std::unique_ptr<BackgroundProcess> process_;
  int port_ = 0;
};

// The log lines (JSON objects) of `text` whose "event" is `event`.
std::vector<std::string> LogLines(const std::string& text, const std::string& event);

// The "port" of the first `event` log line ("http_listening", "grpc_listening"), or 0 while
// there is none.
int LoggedPort(const std::string& text, const std::string& event);

}  // namespace tessera::testing
