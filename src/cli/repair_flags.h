// How often a `tessera serve` or `tessera worker` process repairs jobs left queued without a
// task (jobs/queued_job_repair.h).
#pragma once

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdint>

namespace tessera::cli {

struct RepairFlags {
  int64_t every_ms = 30'000;  // --repair-every-ms; also the age a job must reach to be repaired

  void Register(CLI::App& cmd);
  std::chrono::milliseconds every() const { return std::chrono::milliseconds(every_ms); }
};

}  // namespace tessera::cli
