// tessera worker: runs tasks from the queue until SIGTERM/SIGINT, then stops claiming, lets
// running tasks finish within --drain-timeout and exits 0 (unfinished tasks return to the
// queue when their leases expire).
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include "cli/backends.h"
#include "cli/commands.h"
#include "cli/repair_flags.h"
#include "cli/server_memory.h"
#include "cli/stop_signals.h"
#include "cli/worker_flags.h"
#include "core/log.h"
#include "jobs/job_service.h"
#include "jobs/queued_job_repair.h"
#include "worker/worker.h"

namespace tessera::cli {
namespace {

struct WorkerArgs {
  BackendFlags backends;
  EngineFlags engine;
  WorkerFlags worker;
  RepairFlags repair;
  MemoryFlags memory;
  int64_t drain_ms = 30'000;
};

int Run(WorkerArgs& args) {
  const ServerMemoryOptions memory = args.memory.ToOptions();
  ConfigureServerAllocator(memory);  // before any thread exists
  const sigset_t signals = BlockStopSignals();

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
  if (auto s = args.engine.ConfigureModels(); !s) {
    std::fprintf(stderr, "tessera worker: %s\n", s.error().ToString().c_str());
    return 1;
  }
  worker::WorkerOptions options = args.worker.ToOptions(args.engine.ToOptions());
  Log(LogLevel::kInfo, "worker_backends",
      {{"backends", backends->description}, {"durability", backends->durability}});

  jobs::JobService service(*backends->jobs, *backends->queue, *backends->blobs, *backends->registry,
                           clock, options.engine.limits);
  jobs::QueuedJobRepair repair(service, args.repair.every());

  worker::Worker w(*backends->queue, *backends->jobs, *backends->blobs, *backends->registry, clock,
                   options);
  w.Start();
  IdleMemoryTrimmer trimmer(memory);
  int sig = 0;
  sigwait(&signals, &sig);
  Log(LogLevel::kInfo, "worker_draining",
      {{"signal", std::to_string(sig)}, {"deadline_ms", std::to_string(args.drain_ms)}});
  DrainWorkersOrExit(w, std::chrono::milliseconds(args.drain_ms));
  return 0;
}

}  // namespace

Command RegisterWorkerCommand(CLI::App& app) {
  auto args = std::make_shared<WorkerArgs>();
  auto* cmd = app.add_subcommand("worker", "run queued image tasks until SIGTERM");
  args->backends.Register(*cmd);
  args->engine.Register(*cmd);
  args->worker.Register(*cmd, "-t,--threads", 1);
  args->memory.Register(*cmd);
  args->repair.Register(*cmd);
  cmd->add_option("--drain-timeout-ms", args->drain_ms,
                  "on SIGTERM, how long running tasks may take to finish")
      ->envname("TESSERA_DRAIN_TIMEOUT_MS")
      ->capture_default_str();
  return {cmd, [args] { return Run(*args); }};
}

}  // namespace tessera::cli
