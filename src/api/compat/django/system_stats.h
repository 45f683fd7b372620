// Host figures for the Django pipeline's /api/stats/ and /api/metrics/, read from Linux's /proc
// (the seed used psutil): CPU use sampled over an interval, memory, and this process's threads.
#pragma once

#include <chrono>
#include <cstdint>

namespace tessera::api::compat::django {

struct HostStats {
  int cpu_cores = 1;
  double cpu_percent = 0;  // all cores, over the sampling interval
  uint64_t memory_total_bytes = 0;
  uint64_t memory_available_bytes = 0;
  double memory_used_percent = 0;
  int process_threads = 0;
};

// Blocks for `interval` while it samples the CPU counters.
HostStats SampleHost(std::chrono::milliseconds interval);

}  // namespace tessera::api::compat::django
