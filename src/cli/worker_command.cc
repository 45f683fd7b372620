// tessera worker: runs tasks from the queue until SIGTERM/SIGINT, then stops claiming, lets
// running tasks finish within --drain-timeout and exits 0 (unfinished tasks return to the
// queue when their leases expire).
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include "cli/backends.h"
#include "cli/commands.h"
#include "core/log.h"
#include "jobs/job_service.h"
#include "worker/worker.h"

namespace tessera::cli {
namespace {

struct WorkerArgs {
  BackendFlags backends;
  EngineFlags engine;
  TilingFlags tiling;
  worker::WorkerOptions options;
  std::string capabilities = "core";
  int64_t lease_ms = 30'000;
  int64_t drain_ms = 30'000;
  int max_attempts = 5;
  int64_t retention_hours = 24 * 7;
};

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

int Run(WorkerArgs& args) {
  // Signals are taken synchronously by sigwait on this thread, so no work happens in a handler.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  Clock& clock = SystemClock::Get();
  auto backends = OpenBackends(args.backends, clock);
  if (!backends) {
    std::fprintf(stderr, "tessera worker: %s\n", backends.error().ToString().c_str());
    return 1;
  }
  if (auto s = engine::InitializeEngine(1); !s) {
    std::fprintf(stderr, "tessera worker: %s\n", s.error().ToString().c_str());
    return 1;
  }
  worker::WorkerOptions options = args.options;
  options.capabilities = SplitCommas(args.capabilities);
  options.lease = std::chrono::milliseconds(args.lease_ms);
  options.retry.max_attempts = args.max_attempts;
  options.retention = std::chrono::hours(args.retention_hours);
  options.engine = args.engine.ToOptions();
  options.tiling = args.tiling.ToOptions();
  Log(LogLevel::kInfo, "worker_backends",
      {{"backends", backends->description}, {"durability", backends->durability}});

  jobs::JobService service(*backends->jobs, *backends->queue, *backends->blobs, *backends->registry,
                           clock, options.engine.limits);
  auto repaired = service.RepairQueuedJobs();
  if (!repaired) {
    Log(LogLevel::kWarn, "repair_failed", {{"error", repaired.error().ToString()}});
  }

  worker::Worker w(*backends->queue, *backends->jobs, *backends->blobs, *backends->registry, clock,
                   options);
  w.Start();
  int sig = 0;
  sigwait(&signals, &sig);
  Log(LogLevel::kInfo, "worker_draining",
      {{"signal", std::to_string(sig)}, {"deadline_ms", std::to_string(args.drain_ms)}});
  w.RequestStop();
  if (!w.Wait(std::chrono::milliseconds(args.drain_ms))) {
    Log(LogLevel::kWarn, "worker_drain_timeout",
        {{"detail", "running tasks are left to lease expiry"}});
    std::fflush(stderr);
    std::_Exit(0);
  }
  return 0;
}

}  // namespace

Command RegisterWorkerCommand(CLI::App& app) {
  auto args = std::make_shared<WorkerArgs>();
  auto* cmd = app.add_subcommand("worker", "run queued image tasks until SIGTERM");
  args->backends.Register(*cmd);
  args->engine.Register(*cmd);
  args->tiling.Register(*cmd, /*with_mode=*/false);
  cmd->add_option("--id", args->options.id, "worker id (default host-pid-random)")
      ->envname("TESSERA_WORKER_ID");
  cmd->add_option("-t,--threads", args->options.threads, "tasks run at once")
      ->envname("TESSERA_WORKER_THREADS")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  cmd->add_option("--capabilities", args->capabilities, "comma-separated capabilities")
      ->envname("TESSERA_CAPABILITIES")
      ->capture_default_str();
  cmd->add_option("--lease-ms", args->lease_ms, "task lease; a silent worker loses it after this")
      ->envname("TESSERA_LEASE_MS")
      ->check(CLI::Range(int64_t{200}, int64_t{3'600'000}))
      ->capture_default_str();
  cmd->add_option("--drain-timeout-ms", args->drain_ms,
                  "on SIGTERM, how long running tasks may take to finish")
      ->envname("TESSERA_DRAIN_TIMEOUT_MS")
      ->capture_default_str();
  cmd->add_option("--max-attempts", args->max_attempts, "deliveries before a failing job dies")
      ->envname("TESSERA_MAX_ATTEMPTS")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();
  cmd->add_option("--retention-hours", args->retention_hours,
                  "delete finished jobs and their images this long after they finish (0: keep)")
      ->envname("TESSERA_RETENTION_HOURS")
      ->capture_default_str();
  return {cmd, [args] { return Run(*args); }};
}

}  // namespace tessera::cli
