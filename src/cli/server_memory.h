// Memory policy of the long-running processes, `tessera serve` and `tessera worker` (the CLI's
// one-shot commands keep glibc's defaults).
//
// Measured in bench/RESULTS.md ("Server memory", 2026-12-02): with glibc's defaults the server
// grows one malloc arena per thread that ever allocated (8 x cores), each keeping its freed
// heap, and gives nothing back when the load stops. The policy: few arenas, and when the
// process has been idle for a while, hand the engine's raster cache (engine/raster.h) and
// glibc's free heap back to the kernel.
#pragma once

#include <CLI/CLI.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

namespace tessera::cli {

struct ServerMemoryOptions {
  int malloc_arenas = 2;          // glibc M_ARENA_MAX; 0 keeps glibc's default (8 x cores)
  int64_t raster_cache_mb = 256;  // idle raster buffers kept for reuse (engine/raster.h), MiB
  // How often the process's CPU use is looked at; an interval in which the process used less
  // than idle_cpu_fraction of one core counts as idle, and the first idle interval after a busy
  // one trims. 0 disables trimming.
  std::chrono::milliseconds idle_check{2'000};
  double idle_cpu_fraction = 0.02;
};

// The flags that set the policy: --malloc-arenas, --raster-cache-mb, --idle-trim-ms.
struct MemoryFlags {
  ServerMemoryOptions options;
  int64_t idle_trim_ms = 2'000;  // 0: never trim

  void Register(CLI::App& cmd);
  ServerMemoryOptions ToOptions() const;
};

// Sets the allocator options and the raster cache limit. Call before any thread is started (arenas
// are per thread).
void ConfigureServerAllocator(const ServerMemoryOptions& options);

// A thread that trims memory when the process goes idle (see ServerMemoryOptions). Logs each
// trim (bytes of raster cache freed, RSS before and after). Stops in the destructor.
class IdleMemoryTrimmer {
 public:
  explicit IdleMemoryTrimmer(const ServerMemoryOptions& options);
  ~IdleMemoryTrimmer();
  IdleMemoryTrimmer(const IdleMemoryTrimmer&) = delete;
  IdleMemoryTrimmer& operator=(const IdleMemoryTrimmer&) = delete;

 private:
  void Run();

  ServerMemoryOptions options_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace tessera::cli
