#include "cli/server_memory.h"

#include <malloc.h>
#include <sys/resource.h>

#include <cstdio>
#include <string>

#include "core/log.h"
#include "engine/raster.h"

namespace tessera::cli {
namespace {

std::chrono::microseconds ProcessCpu() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto us = [](const timeval& t) {
    return std::chrono::seconds(t.tv_sec) + std::chrono::microseconds(t.tv_usec);
  };
  return us(u.ru_utime) + us(u.ru_stime);
}

// VmRSS in KiB, or -1.
long ResidentKb() {
  std::FILE* f = std::fopen("/proc/self/status", "r");
  if (f == nullptr) return -1;
  char line[256];
  long kb = -1;
  while (std::fgets(line, sizeof(line), f) != nullptr) {
    if (std::sscanf(line, "VmRSS: %ld kB", &kb) == 1) break;
  }
  std::fclose(f);
  return kb;
}

}  // namespace

void ConfigureServerAllocator(const ServerMemoryOptions& options) {
  if (options.malloc_arenas > 0) mallopt(M_ARENA_MAX, options.malloc_arenas);
  engine::SetRasterCacheLimit(static_cast<size_t>(options.raster_cache_mb) << 20);
}

IdleMemoryTrimmer::IdleMemoryTrimmer(const ServerMemoryOptions& options) : options_(options) {
  if (options_.idle_check.count() > 0) thread_ = std::thread([this] { Run(); });
}

IdleMemoryTrimmer::~IdleMemoryTrimmer() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void IdleMemoryTrimmer::Run() {
  const auto idle_cpu = std::chrono::duration_cast<std::chrono::microseconds>(
      options_.idle_check * options_.idle_cpu_fraction);
  auto last_cpu = ProcessCpu();
  bool busy_since_trim = false;
  std::unique_lock<std::mutex> lock(mu_);
  while (!cv_.wait_for(lock, options_.idle_check, [this] { return stop_; })) {
    auto cpu = ProcessCpu();
    bool idle = cpu - last_cpu < idle_cpu;
    last_cpu = cpu;
    if (!idle) {
      busy_since_trim = true;
      continue;
    }
    if (!busy_since_trim) continue;
    busy_since_trim = false;
    long before = ResidentKb();
    size_t cached = engine::TrimRasterCache();
    malloc_trim(0);
    long after = ResidentKb();
    last_cpu = ProcessCpu();  // the trim's own CPU is not load
    Log(LogLevel::kInfo, "memory_trimmed",
        {{"raster_cache_bytes", std::to_string(cached)},
         {"rss_kb_before", std::to_string(before)},
         {"rss_kb_after", std::to_string(after)}});
  }
}

void MemoryFlags::Register(CLI::App& cmd) {
  cmd.add_option("--malloc-arenas", options.malloc_arenas,
                 "glibc malloc arenas for this process (0: glibc's default, 8 per core)")
      ->envname("TESSERA_MALLOC_ARENAS")
      ->check(CLI::Range(0, 1024))
      ->capture_default_str();
  cmd.add_option("--raster-cache-mb", options.raster_cache_mb,
                 "idle raster buffers kept for the next images, MiB (0: none)")
      ->envname("TESSERA_RASTER_CACHE_MB")
      ->check(CLI::Range(int64_t{0}, int64_t{1} << 20))
      ->capture_default_str();
  cmd.add_option("--idle-trim-ms", idle_trim_ms,
                 "after this long with the process idle (under 2% of a core), return cached "
                 "raster buffers and free heap to the system (0: never)")
      ->envname("TESSERA_IDLE_TRIM_MS")
      ->check(CLI::Range(int64_t{0}, int64_t{3'600'000}))
      ->capture_default_str();
}

ServerMemoryOptions MemoryFlags::ToOptions() const {
  ServerMemoryOptions o = options;
  o.idle_check = std::chrono::milliseconds(idle_trim_ms);
  return o;
}

}  // namespace tessera::cli
