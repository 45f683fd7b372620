// Flags that configure a worker pool, shared by `tessera worker` and the pool embedded in
// `tessera serve`.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "worker/worker.h"

namespace tessera::cli {

struct WorkerFlags {
  worker::WorkerOptions options;
  std::string capabilities = "core";
  int64_t lease_ms = 30'000;
  int64_t job_deadline_ms = 600'000;
  int max_attempts = 5;
  int64_t storage_retry_window_ms = 600'000;
  int64_t retention_hours = 24 * 7;
  bool no_detect = false;  // refuse the "detect" capability even when models are available
  TilingFlags tiling;      // tile size and threshold for the jobs this pool coordinates

  // `threads_flag` names the option for the pool size ("--threads" or "--workers").
  void Register(CLI::App& cmd, const std::string& threads_flag, int min_threads);
  // The options with the flags applied and the engine options given. Adds the "detect"
  // capability when the face model's file is found (call EngineFlags::ConfigureModels first)
  // unless --no-detect.
  worker::WorkerOptions ToOptions(const engine::ProcessOptions& engine) const;
};

std::vector<std::string> SplitCommas(const std::string& s);

}  // namespace tessera::cli
