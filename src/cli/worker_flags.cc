#include "cli/worker_flags.h"

#include <algorithm>
#include <cstdlib>

#include "api/compat/django/filters.h"
#include "engine/detect/model_registry.h"

namespace tessera::cli {

std::vector<std::string> SplitCommas(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find(',', start);
    if (end == std::string::npos) end = s.size();
    if (end > start) out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

void WorkerFlags::Register(CLI::App& cmd, const std::string& threads_flag, int min_threads) {
  cmd.add_option("--worker-id", options.id, "worker id (default host-pid-random)")
      ->envname("TESSERA_WORKER_ID");
  cmd.add_option(threads_flag, options.threads, "tasks run at once")
      ->envname("TESSERA_WORKER_THREADS")
      ->check(CLI::Range(min_threads, 256))
      ->capture_default_str();
  cmd.add_option("--capabilities", capabilities, "comma-separated capabilities")
      ->envname("TESSERA_CAPABILITIES")
      ->capture_default_str();
  cmd.add_option("--lease-ms", lease_ms, "task lease; a silent worker loses it after this")
      ->envname("TESSERA_LEASE_MS")
      ->check(CLI::Range(int64_t{200}, int64_t{3'600'000}))
      ->capture_default_str();
  cmd.add_option("--job-deadline-ms", job_deadline_ms,
                 "a task still running this long is stopped and its job ends dead with "
                 "deadline_exceeded (0: no deadline)")
      ->envname("TESSERA_JOB_DEADLINE_MS")
      ->check(CLI::Range(int64_t{0}, int64_t{86'400'000}))
      ->capture_default_str();
  cmd.add_option("--max-attempts", max_attempts, "deliveries before a failing job dies")
      ->envname("TESSERA_MAX_ATTEMPTS")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();
  cmd.add_option("--storage-retry-window-ms", storage_retry_window_ms,
                 "a job failing on storage (disk full or read-only, store unreachable) keeps "
                 "retrying past --max-attempts until it has run this long")
      ->envname("TESSERA_STORAGE_RETRY_WINDOW_MS")
      ->check(CLI::Range(int64_t{0}, int64_t{86'400'000}))
      ->capture_default_str();
  cmd.add_option("--retention-hours", retention_hours,
                 "delete finished jobs and their images this long after they finish (0: keep)")
      ->envname("TESSERA_RETENTION_HOURS")
      ->capture_default_str();
  cmd.add_flag("--no-detect", no_detect,
               "do not take detection jobs even when detection models are available")
      ->envname("TESSERA_NO_DETECT");
  tiling.Register(cmd, /*with_mode=*/false);
}

worker::WorkerOptions WorkerFlags::ToOptions(const engine::ProcessOptions& engine) const {
  worker::WorkerOptions o = options;
  o.capabilities = SplitCommas(capabilities);
  // The Django pipeline's worker specialisation: its filter names, all five unless narrowed.
  for (auto& c :
       api::compat::django::WorkerFilterCapabilities(std::getenv("WORKER_CAPABILITIES"))) {
    if (std::find(o.capabilities.begin(), o.capabilities.end(), c) == o.capabilities.end()) {
      o.capabilities.push_back(std::move(c));
    }
  }
  const std::vector<std::string> models = engine::detect::AvailableModels();
  bool has_face = std::find(models.begin(), models.end(), "face") != models.end();
  bool listed =
      std::find(o.capabilities.begin(), o.capabilities.end(), "detect") != o.capabilities.end();
  if (!no_detect && has_face && !listed) o.capabilities.push_back("detect");
  o.lease = std::chrono::milliseconds(lease_ms);
  o.job_deadline = std::chrono::milliseconds(job_deadline_ms);
  o.retry.max_attempts = max_attempts;
  o.retry.storage_window = std::chrono::milliseconds(storage_retry_window_ms);
  o.retention = std::chrono::hours(retention_hours);
  o.engine = engine;
  o.tiling = tiling.ToOptions();
  return o;
}

}  // namespace tessera::cli
