#include "api/compat/django/system_stats.h"

#include <fstream>
#include <sstream>
#include <string>
#include <thread>

namespace tessera::api::compat::django {
namespace {

struct CpuTimes {
  uint64_t busy = 0;
  uint64_t total = 0;
};

CpuTimes ReadCpu() {
  std::ifstream in("/proc/stat");
  std::string label;
  in >> label;
  CpuTimes t;
  uint64_t v = 0;
  for (int i = 0; i < 8 && in >> v; ++i) {
    t.total += v;
    if (i != 3 && i != 4) t.busy += v;  // idle and iowait are not busy
  }
  return t;
}

uint64_t MemInfoKb(const std::string& key) {
  std::ifstream in("/proc/meminfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key + ":", 0) == 0) {
      std::istringstream fields(line.substr(key.size() + 1));
      uint64_t kb = 0;
      fields >> kb;
      return kb;
    }
  }
  return 0;
}

int ProcessThreads() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("Threads:", 0) == 0) return std::stoi(line.substr(8));
  }
  return 0;
}

}  // namespace

HostStats SampleHost(std::chrono::milliseconds interval) {
  HostStats s;
  s.cpu_cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const CpuTimes a = ReadCpu();
  std::this_thread::sleep_for(interval);
  const CpuTimes b = ReadCpu();
  if (b.total > a.total) {
    s.cpu_percent =
        100.0 * static_cast<double>(b.busy - a.busy) / static_cast<double>(b.total - a.total);
  }
  s.memory_total_bytes = MemInfoKb("MemTotal") * 1024;
  s.memory_available_bytes = MemInfoKb("MemAvailable") * 1024;
  if (s.memory_total_bytes > 0) {
    s.memory_used_percent = 100.0 *
                            static_cast<double>(s.memory_total_bytes - s.memory_available_bytes) /
                            static_cast<double>(s.memory_total_bytes);
  }
  s.process_threads = ProcessThreads();
  return s;
}

}  // namespace tessera::api::compat::django
