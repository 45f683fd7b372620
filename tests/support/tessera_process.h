// A tessera (or any) process running in the background for a test: started with its output
// captured to files, stopped by PID with the signal the test chooses (SIGKILL for crash tests),
// and always killed when the object dies.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace tessera::testing {

class BackgroundProcess {
 public:
  // Starts argv[0] (a path) with argv; stdout and stderr go to files in `log_dir`.
  BackgroundProcess(const std::vector<std::string>& argv, const std::filesystem::path& log_dir);
  ~BackgroundProcess();
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;

  pid_t pid() const { return pid_; }
  // Sends `signal` (no wait).
  void Signal(int signal);
  // SIGKILL and reap.
  void Kill();
  // Waits up to `timeout` for exit; returns the exit code (128+signal if signalled) or nullopt.
  std::optional<int> Wait(std::chrono::milliseconds timeout);
  bool Running();
  std::string Stdout() const;
  std::string Stderr() const;

 private:
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
  std::filesystem::path out_, err_;
};

// Starts the tessera binary with `args`.
std::unique_ptr<BackgroundProcess> StartTessera(const std::vector<std::string>& args,
                                                const std::filesystem::path& log_dir);

// Polls `condition` every 20 ms until it holds or `timeout` passes; returns whether it held.
bool WaitFor(const std::function<bool()>& condition, std::chrono::milliseconds timeout);

}  // namespace tessera::testing
