// Runs this same tessera binary (or another program) as a child process and reports what it
// used: exit status, standard output, and its resource usage (CPU time and peak RSS, its own
// and that of the descendants it waited for), for `tessera bench`.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "core/result.h"

namespace tessera::cli {

struct ChildUsage {
  int exit_code = -1;                    // 128 + signal number when killed by a signal
  std::string out;                       // everything written to stdout
  std::chrono::duration<double> cpu{0};  // user + system
  uint64_t peak_rss_bytes = 0;           // the largest single process among it and its children
};

// The path of the running executable (/proc/self/exe resolved).
std::string SelfExecutable();

// Runs argv (argv[0] a path) to completion with stdout captured and stderr sent to
// `stderr_path` (empty: inherited). kInternal if it cannot be started.
Result<ChildUsage> RunChild(const std::vector<std::string>& argv,
                            const std::string& stderr_path = {});

// Starts argv in the background with stdout and stderr appended to `log_path`; returns its pid.
Result<pid_t> SpawnChild(const std::vector<std::string>& argv, const std::string& log_path);

}  // namespace tessera::cli
