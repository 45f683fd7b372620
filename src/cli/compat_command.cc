// tessera compat g [g's flags]: the Redis-Streams tile-blur service's command line, run on
// tessera's Redis queue, blob store and tiled jobs (api/compat/g/, docs/COMPAT.md "g").
//
//   -mode=coordinator  queue every image of -input as a tiled blur job, then exit
//   -mode=worker       blur tiles and assemble images with -workers threads until SIGTERM
//   -mode=assembler    write each finished image to -output/img<N>_blurred.png until SIGTERM
//   -mode=all          all three in one process, until SIGTERM (as g does)
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>

#include "api/compat/g/g_flags.h"
#include "api/compat/g/g_runner.h"
#include "cli/backends.h"
#include "cli/commands.h"
#include "cli/repair_flags.h"
#include "cli/stop_signals.h"
#include "core/log.h"
#include "jobs/job_service.h"
#include "jobs/queued_job_repair.h"
#include "worker/worker.h"

namespace tessera::cli {
namespace {

namespace g = api::compat::g;
using std::chrono::milliseconds;

constexpr milliseconds kWriterPoll{200};
constexpr milliseconds kDrain{30'000};

// Waits up to `timeout` for SIGTERM or SIGINT (blocked on every thread); true if one came.
bool WaitForStopSignal(const sigset_t& signals, milliseconds timeout) {
  timespec ts{.tv_sec = static_cast<time_t>(timeout.count() / 1000),
              .tv_nsec = static_cast<long>((timeout.count() % 1000) * 1'000'000)};
  return sigtimedwait(&signals, nullptr, &ts) > 0;
}

void LogWritten(const std::vector<g::OutputWriter::Written>& written) {
  for (const auto& w : written) {
    if (w.ok) {
      Log(LogLevel::kInfo, "g_image_saved", {{"job_id", w.job_id}, {"output", w.output.string()}});
    } else {
      Log(LogLevel::kError, "g_image_failed",
          {{"job_id", w.job_id}, {"output", w.output.string()}, {"error", w.error}});
    }
  }
}

int Coordinate(jobs::JobService& jobs, store::BlobStore& blobs, const g::GFlags& flags,
               size_t* queued_count) {
  auto started = std::chrono::steady_clock::now();
  auto queued = g::QueueImages(jobs, blobs, flags.input, flags.output, flags.kernel, flags.run);
  if (!queued) {
    Log(LogLevel::kError, "g_coordinator_failed", {{"error", queued.error().ToString()}});
    return 1;
  }
  for (const auto& q : *queued) {
    Log(LogLevel::kInfo, "g_image_queued",
        {{"input", q.input.string()}, {"output", q.output.string()}, {"job_id", q.job_id}});
  }
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  Log(LogLevel::kInfo, "g_coordinator_done",
      {{"images", std::to_string(queued->size())}, {"seconds", std::to_string(seconds)}});
  if (queued_count != nullptr) *queued_count = queued->size();
  return 0;
}

int RunG(const std::vector<std::string>& args) {
  auto flags = g::ParseGFlags(args);
  if (!flags) {
    std::fprintf(stderr, "%s\n", flags.error().message.c_str());
    if (flags.error().field == "mode") return 1;
    std::fputs(g::Usage().c_str(), stderr);
    return 2;
  }
  if (flags->help) {
    std::fputs(g::Usage().c_str(), stderr);
    return 0;
  }
  const sigset_t signals = BlockStopSignals();

  const std::string mode = flags->mode;
  if (mode == "all" && g::FindImages(flags->input).empty()) {
    std::fprintf(stderr, "No images found in %s\n", flags->input.c_str());
    return 1;
  }
  std::error_code ec;
  std::filesystem::create_directories(flags->output, ec);
  if (ec) {
    std::fprintf(stderr, "Failed to create output directory: %s\n", ec.message().c_str());
    return 1;
  }

  BackendFlags backend_flags;
  backend_flags.queue_url = "redis://" + flags->redis;
  const char* env_store = std::getenv("TESSERA_STORE");
  backend_flags.store_url =
      flags->store.empty() && env_store != nullptr ? env_store : g::StoreUrl(*flags);
  Clock& clock = SystemClock::Get();
  auto backends = OpenBackends(backend_flags, clock);
  if (!backends) {
    std::fprintf(stderr, "Failed to connect to Redis: %s\n", backends.error().ToString().c_str());
    return 1;
  }
  if (auto s = engine::InitializeEngine(1); !s) {
    std::fprintf(stderr, "tessera compat g: %s\n", s.error().ToString().c_str());
    return 1;
  }
  Log(LogLevel::kInfo, "g_start",
      {{"mode", mode},
       {"backends", backends->description},
       {"workers", std::to_string(flags->workers)},
       {"kernel", std::to_string(flags->kernel)}});

  engine::ProcessOptions engine_options;
  jobs::JobService service(*backends->jobs, *backends->queue, *backends->blobs, *backends->registry,
                           clock, engine_options.limits);

  if (mode == "coordinator") return Coordinate(service, *backends->blobs, *flags, nullptr);

  std::unique_ptr<jobs::QueuedJobRepair> repair;
  std::unique_ptr<worker::Worker> pool;
  if (mode == "worker" || mode == "all") {
    milliseconds repair_every = RepairFlags{}.every();
    if (const char* every = std::getenv("TESSERA_REPAIR_EVERY_MS"); every != nullptr) {
      repair_every = milliseconds(std::max(50L, std::atol(every)));  // as `tessera worker`
    }
    repair = std::make_unique<jobs::QueuedJobRepair>(service, repair_every);
    worker::WorkerOptions options;
    options.threads = flags->workers;
    options.engine = engine_options;
    options.tiling.tile_size = flags->tile_size;
    if (const char* lease = std::getenv("TESSERA_LEASE_MS"); lease != nullptr) {
      options.lease = milliseconds(std::max(200L, std::atol(lease)));  // as `tessera worker`
    }
    pool = std::make_unique<worker::Worker>(*backends->queue, *backends->jobs, *backends->blobs,
                                            *backends->registry, clock, options);
    pool->Start();
  }
  std::optional<size_t> expected;  // images this process queued (mode all)
  if (mode == "all") {
    size_t n = 0;
    if (Coordinate(service, *backends->blobs, *flags, &n) == 0) expected = n;
  }

  std::optional<g::OutputWriter> writer;
  if (mode == "assembler" || mode == "all") writer.emplace(service, *backends->blobs);
  size_t written = 0;
  while (!WaitForStopSignal(signals, kWriterPoll)) {
    if (!writer) continue;
    auto pass = writer->WriteFinished();
    if (!pass) {
      Log(LogLevel::kWarn, "g_writer_failed", {{"error", pass.error().ToString()}});
      continue;
    }
    LogWritten(*pass);
    written += pass->size();
    if (expected && written >= *expected && !pass->empty()) {
      Log(LogLevel::kInfo, "g_all_images_written", {{"images", std::to_string(written)}});
    }
  }
  Log(LogLevel::kInfo, "g_stopping", {{"mode", mode}});
  if (pool) DrainWorkersOrExit(*pool, kDrain);
  return 0;
}

}  // namespace

Command RegisterCompatCommand(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "compat",
      "run a replaced system's command line on tessera: `tessera compat g -mode=all -input=DIR "
      "-output=DIR -redis=HOST:PORT -kernel=15 -workers=10` (the Redis-Streams tile blur)");
  cmd->prefix_command();
  return {cmd, [cmd] {
            std::vector<std::string> rest = cmd->remaining();
            if (rest.empty() || rest[0] != "g") {
              std::fprintf(stderr, "usage: tessera compat g [-mode=...] (known systems: g)\n");
              return 2;
            }
            rest.erase(rest.begin());
            return RunG(rest);
          }};
}

}  // namespace tessera::cli
