// Runs a real program (usually the tessera binary) and captures its exit status and output.
#pragma once

#include <string>
#include <vector>

namespace tessera::testing {

struct ProcessOutput {
  int exit_code = -1;  // 128 + signal number when killed by a signal
  std::string out;     // stdout
  std::string err;     // stderr
};

// Runs argv[0] with argv (no shell), waits for it, and captures stdout and stderr.
ProcessOutput RunProcess(const std::vector<std::string>& argv);

// Runs the tessera binary built next to the tests with the given arguments.
ProcessOutput RunTessera(const std::vector<std::string>& args);

}  // namespace tessera::testing
