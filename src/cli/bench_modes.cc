#include "cli/bench_modes.h"

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <thread>

#include "cli/backends.h"
#include "cli/child_process.h"
#include "cli/input_walk.h"
#include "core/file_io.h"
#include "engine/pipeline.h"
#include "engine/tiling/tiled_process.h"
#include "jobs/job_service.h"

namespace tessera::cli {
namespace {

namespace fs = std::filesystem;
using Steady = std::chrono::steady_clock;

double Since(Steady::time_point start) {
  return std::chrono::duration<double>(Steady::now() - start).count();
}

// User + system CPU seconds of this process (RUSAGE_SELF) or of its reaped children.
double CpuSeconds(int who) {
  rusage ru{};
  getrusage(who, &ru);
  auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
  return seconds(ru.ru_utime) + seconds(ru.ru_stime);
}

void Note(ModeRun& run, const Result<engine::ProcessResult>& r) {
  if (r) return;
  if (run.failed++ == 0) run.first_error = r.error().ToString();
}

// Runs `one(i)` for every image index on `threads` threads.
template <typename Fn>
void ForEachImage(size_t count, int threads, Fn one) {
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < count; i = next++) one(i);
  };
  std::vector<std::jthread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
}

Result<engine::ProcessResult> ProcessOne(std::string_view mode, const BenchImage& image,
                                         const engine::Pipeline& pipeline,
                                         const BenchConfig& config) {
  if (mode != "tiled") return engine::Process(image.bytes, pipeline, config.engine);
  engine::TilingOptions tiling;
  tiling.mode = engine::TileMode::kOn;
  tiling.threads = config.parallel;
  auto tiled = engine::ProcessTiled(image.bytes, pipeline, config.engine, tiling);
  if (!tiled) return tiled.error();
  return std::move(tiled->result);
}

Result<ModeRun> InProcess(std::string_view mode, const BenchConfig& config,
                          const engine::Pipeline& pipeline) {
  ModeRun run;
  run.images = static_cast<int>(config.images.size());
  std::mutex mu;
  const int threads = mode == "threads" ? config.parallel : 1;
  const double cpu_before = CpuSeconds(RUSAGE_SELF);
  const auto start = Steady::now();
  ForEachImage(config.images.size(), threads, [&](size_t i) {
    auto r = ProcessOne(mode, config.images[i], pipeline, config);
    std::lock_guard<std::mutex> lock(mu);
    Note(run, r);
  });
  run.wall_seconds = Since(start);
  run.cpu_seconds = CpuSeconds(RUSAGE_SELF) - cpu_before;
  return run;
}

// N `tessera worker` processes (one thread each) on the backends `flags` name; stopped with
// SIGTERM (they drain) and waited for, so that their CPU time counts as this process's.
class WorkerProcesses {
 public:
  WorkerProcesses(const BackendFlags& flags, int count, const fs::path& logs) {
    for (int i = 0; i < count; ++i) {
      std::vector<std::string> argv = {SelfExecutable(), "worker",
                                       "--threads",      "1",
                                       "--worker-id",    "bench-" + std::to_string(i),
                                       "--data-dir",     flags.data_dir};
      if (!flags.queue_url.empty()) argv.insert(argv.end(), {"--queue", flags.queue_url});
      if (!flags.store_url.empty()) argv.insert(argv.end(), {"--store", flags.store_url});
      auto pid = SpawnChild(argv, (logs / ("worker-" + std::to_string(i) + ".log")).string());
      if (pid) pids_.push_back(*pid);
    }
  }
  ~WorkerProcesses() {
    for (pid_t pid : pids_) ::kill(pid, SIGTERM);
    for (pid_t pid : pids_) {
      int status = 0;
      while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
    }
  }
  WorkerProcesses(const WorkerProcesses&) = delete;
  WorkerProcesses& operator=(const WorkerProcesses&) = delete;
  size_t started() const { return pids_.size(); }

 private:
  std::vector<pid_t> pids_;
};

Result<ModeRun> OnQueue(std::string_view mode, const BenchConfig& config) {
  const fs::path dir = fs::path(config.work_dir) / std::string(mode);
  std::error_code ec;
  fs::remove_all(dir, ec);
  fs::create_directories(dir, ec);
  if (ec) return MakeError(ErrorCode::kIo, "cannot create " + dir.string() + ": " + ec.message());
  BackendFlags flags;
  flags.data_dir = (dir / "data").string();
  if (mode == "redis") {
    if (config.redis_url.empty()) {
      return MakeError(ErrorCode::kBadRequest, "the redis mode needs --redis URL", "redis");
    }
    flags.queue_url = config.redis_url;
    flags.store_url = "file://" + (dir / "blobs").string();
  }
  Clock& clock = SystemClock::Get();
  auto backends = OpenBackends(flags, clock);
  if (!backends) return backends.error();
  jobs::JobService service(*backends->jobs, *backends->queue, *backends->blobs, *backends->registry,
                           clock, config.engine.limits);

  ModeRun run;
  const double children_before = CpuSeconds(RUSAGE_CHILDREN);
  double self_cpu = 0;
  {
    WorkerProcesses workers(flags, config.parallel, dir);
    const auto ready_by = Steady::now() + std::chrono::seconds(30);
    for (;;) {
      auto live = backends->registry->ListLive();
      size_t mine = 0;
      if (live) {
        for (const auto& w : *live) mine += w.id.rfind("bench-", 0) == 0 ? 1 : 0;
      }
      if (mine >= static_cast<size_t>(config.parallel)) break;
      if (Steady::now() > ready_by) {
        return MakeError(ErrorCode::kUnavailable,
                         std::to_string(mine) + " of " + std::to_string(config.parallel) +
                             " workers came up within 30 s; see their logs in " + dir.string());
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }

    run.images = static_cast<int>(config.images.size());
    const double cpu_before = CpuSeconds(RUSAGE_SELF);
    const auto start = Steady::now();
    std::vector<std::string> ids;
    for (const BenchImage& image : config.images) {
      jobs::SubmitRequest request;
      request.image = image.bytes;
      request.pipeline = config.pipeline;
      request.tiles = "off";
      auto created = service.Submit(request);
      if (!created) {
        if (run.failed++ == 0) run.first_error = created.error().ToString();
        continue;
      }
      ids.push_back(created->job.id);
    }
    for (const std::string& id : ids) {
      for (;;) {
        auto job = backends->jobs->Get(id);
        if (job && queue::IsTerminal(job->state)) {
          if (job->state != queue::JobState::kSucceeded && run.failed++ == 0) {
            run.first_error = job->error ? job->error->ToString() : "no error recorded";
          }
          break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
    }
    run.wall_seconds = Since(start);
    self_cpu = CpuSeconds(RUSAGE_SELF) - cpu_before;
  }  // the workers drain and are reaped here
  run.cpu_seconds = self_cpu + CpuSeconds(RUSAGE_CHILDREN) - children_before;
  return run;
}

}  // namespace

Result<std::vector<BenchImage>> LoadBenchImages(const std::vector<std::string>& paths,
                                                const engine::Limits& limits) {
  auto inputs = CollectInputs(paths);
  if (!inputs) return inputs.error();
  std::vector<BenchImage> images;
  for (const InputFile& in : *inputs) {
    auto bytes = ReadFile(in.path, limits.max_input_bytes);
    if (!bytes) return bytes.error();
    auto info = engine::Probe(*bytes, limits);
    if (!info) {
      Error e = info.error();
      e.message = in.path.string() + ": " + e.message;
      return e;
    }
    images.push_back({in.path.string(), std::move(*bytes),
                      static_cast<double>(info->width) * info->height / 1e6});
  }
  if (images.empty()) return MakeError(ErrorCode::kBadRequest, "no images to run", "images");
  return images;
}

Result<ModeRun> RunBenchMode(std::string_view mode, const BenchConfig& config) {
  auto pipeline = engine::ParsePipeline(config.pipeline);
  if (!pipeline) return pipeline.error();
  if (mode == "sequential" || mode == "threads" || mode == "tiled") {
    return InProcess(mode, config, *pipeline);
  }
  if (mode == "processes" || mode == "redis") return OnQueue(mode, config);
  return MakeError(ErrorCode::kBadRequest,
                   "unknown mode " + std::string(mode) +
                       "; allowed: sequential, threads, tiled, processes, redis",
                   "modes");
}

}  // namespace tessera::cli
