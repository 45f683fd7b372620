// tessera bench: runs one batch of images in each of several ways (bench_modes.h) and prints a
// table of wall time, throughput, speed-up, CPU use and peak memory, whatever wins on the
// machine at hand; or, with --server, loads a running service (bench_load.h).
//
// Each mode runs in a child process of its own (this binary with --run-mode), so that its CPU
// time and peak RSS are its own: the kernel's accounting of the child and of the workers it
// started and waited for. Rounds interleave the modes, and each mode's best round is reported,
// because shared machines are noisy.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "cli/bench_load.h"
#include "cli/bench_modes.h"
#include "cli/child_process.h"
#include "cli/commands.h"
#include "cli/worker_flags.h"

namespace tessera::cli {
namespace {

namespace fs = std::filesystem;

struct BenchArgs {
  std::vector<std::string> images;
  std::string pipeline = "blur:sigma=3";
  int parallel = std::max(1u, std::thread::hardware_concurrency());
  std::string modes;  // empty: every mode this configuration can run
  std::string redis_url;
  int rounds = 1;
  std::string work_dir;
  std::string run_mode;  // internal: run this one mode here and print its JSON line
  EngineFlags engine;
  LoadOptions load;
  int64_t duration_s = 60;
  std::string mix = "valid=8,oversized=1,wrong-type=1";
};

struct ModeResult {
  std::string mode;
  ModeRun run;
  double cpu_seconds = 0;
  uint64_t peak_rss = 0;
  bool ok = false;
  std::string error;
};

// The flags a --run-mode child needs to run what this process was asked to.
std::vector<std::string> ChildArgv(const BenchArgs& args, const std::string& mode) {
  std::vector<std::string> argv = {SelfExecutable(), "bench"};
  argv.insert(argv.end(), args.images.begin(), args.images.end());
  argv.insert(argv.end(), {"--pipeline",          args.pipeline,
                           "--parallel",          std::to_string(args.parallel),
                           "--work-dir",          args.work_dir,
                           "--run-mode",          mode,
                           "--max-input-bytes",   std::to_string(args.engine.max_input_bytes),
                           "--max-pixels",        std::to_string(args.engine.max_pixels),
                           "--max-output-pixels", std::to_string(args.engine.max_output_pixels),
                           "--max-steps",         std::to_string(args.engine.max_steps),
                           "--max-step-work",     std::to_string(args.engine.max_step_work),
                           "--max-pipeline-work", std::to_string(args.engine.max_pipeline_work),
                           "--fail-on",           args.engine.fail_on});
  if (!args.redis_url.empty()) argv.insert(argv.end(), {"--redis", args.redis_url});
  if (args.engine.no_auto_orient) argv.push_back("--no-auto-orient");
  return argv;
}

// The child's side: one mode, one JSON line on stdout.
int RunOneMode(const BenchArgs& args) {
  if (auto s = engine::InitializeEngine(1); !s) {
    std::fprintf(stderr, "tessera bench: %s\n", s.error().ToString().c_str());
    return 1;
  }
  BenchConfig config;
  config.engine = args.engine.ToOptions();
  auto images = LoadBenchImages(args.images, config.engine.limits);
  if (!images) {
    std::fprintf(stderr, "tessera bench: %s\n", images.error().ToString().c_str());
    return 1;
  }
  config.images = std::move(*images);
  config.pipeline = args.pipeline;
  config.parallel = args.parallel;
  config.redis_url = args.redis_url;
  config.work_dir = args.work_dir;
  auto run = RunBenchMode(args.run_mode, config);
  if (!run) {
    std::fprintf(stderr, "tessera bench: %s: %s\n", args.run_mode.c_str(),
                 run.error().ToString().c_str());
    return 1;
  }
  double megapixels = 0;
  for (const auto& i : config.images) megapixels += i.megapixels;
  std::printf("%s\n", nlohmann::json{{"wall_s", run->wall_seconds},
                                     {"images", run->images},
                                     {"failed", run->failed},
                                     {"cpu_s", run->cpu_seconds},
                                     {"first_error", run->first_error},
                                     {"megapixels", megapixels}}
                          .dump()
                          .c_str());
  return 0;
}

std::vector<std::string> ModesToRun(const BenchArgs& args) {
  if (!args.modes.empty()) return SplitCommas(args.modes);
  std::vector<std::string> modes;
  for (auto m : kBenchModes) {
    if (m == "redis" && args.redis_url.empty()) continue;
    modes.emplace_back(m);
  }
  return modes;
}

ModeResult RunModeInChild(const BenchArgs& args, const std::string& mode) {
  ModeResult result{.mode = mode};
  const std::string log = (fs::path(args.work_dir) / (mode + ".log")).string();
  auto child = RunChild(ChildArgv(args, mode), log);
  if (!child) {
    result.error = child.error().ToString();
    return result;
  }
  auto line = nlohmann::json::parse(child->out, nullptr, false);
  if (child->exit_code != 0 || !line.is_object()) {
    result.error = "exit " + std::to_string(child->exit_code) + "; see " + log;
    return result;
  }
  result.ok = true;
  result.run.wall_seconds = line.value("wall_s", 0.0);
  result.run.images = line.value("images", 0);
  result.run.failed = line.value("failed", 0);
  result.run.first_error = line.value("first_error", "");
  result.cpu_seconds = line.value("cpu_s", 0.0);
  result.peak_rss = child->peak_rss_bytes;
  return result;
}

void PrintTable(const BenchArgs& args, const std::vector<ModeResult>& results, double megapixels) {
  const ModeResult* base = nullptr;
  for (const auto& r : results) {
    if (r.ok && (base == nullptr || r.mode == "sequential")) base = &r;
  }
  std::printf("%zu images, %.1f MP, pipeline %s, parallel %d, best of %d round(s)\n",
              args.images.size(), megapixels, args.pipeline.c_str(), args.parallel, args.rounds);
  std::printf("%-11s %9s %9s %8s %9s %8s %9s %10s %7s\n", "mode", "wall s", "images/s", "MP/s",
              "speed-up", "CPU s", "CPU use", "peak RSS", "failed");
  for (const auto& r : results) {
    if (!r.ok) {
      std::printf("%-11s %s\n", r.mode.c_str(), r.error.c_str());
      continue;
    }
    const double wall = std::max(r.run.wall_seconds, 1e-9);
    std::printf("%-11s %9.3f %9.2f %8.2f %8.2fx %8.2f %8.2fx %7.0f MB %7d\n", r.mode.c_str(),
                r.run.wall_seconds, r.run.images / wall, megapixels / wall,
                base->run.wall_seconds / wall, r.cpu_seconds, r.cpu_seconds / wall,
                static_cast<double>(r.peak_rss) / (1 << 20), r.run.failed);
    if (r.run.failed > 0) std::printf("  first failure: %s\n", r.run.first_error.c_str());
  }
  std::printf(
      "CPU s: the timed span in the mode's process plus its worker processes' whole lives; "
      "CPU use: CPU s / wall s, in cores; peak RSS: the largest process, loading included.\n");
}

int RunBench(BenchArgs& args) {
  if (!args.run_mode.empty()) return RunOneMode(args);
  if (!args.load.server.empty()) {
    std::vector<std::vector<uint8_t>> images;
    if (!args.images.empty()) {
      auto loaded = LoadBenchImages(args.images, args.engine.ToOptions().limits);
      if (!loaded) {
        std::fprintf(stderr, "tessera bench: %s\n", loaded.error().ToString().c_str());
        return 1;
      }
      for (auto& i : *loaded) images.push_back(std::move(i.bytes));
    }
    args.load.duration = std::chrono::seconds(args.duration_s);
    // Kinds the mix does not name are not sent.
    args.load.valid = args.load.oversized = args.load.wrong_type = 0;
    for (const std::string& part : SplitCommas(args.mix)) {
      const auto eq = part.find('=');
      const std::string name = part.substr(0, eq);
      const int weight = eq == std::string::npos ? -1 : std::atoi(part.c_str() + eq + 1);
      int* slot = name == "valid"        ? &args.load.valid
                  : name == "oversized"  ? &args.load.oversized
                  : name == "wrong-type" ? &args.load.wrong_type
                                         : nullptr;
      if (slot == nullptr || weight < 0) {
        std::fprintf(stderr,
                     "tessera bench: --mix: %s is not kind=weight (kinds: valid, oversized, "
                     "wrong-type)\n",
                     part.c_str());
        return 2;
      }
      *slot = weight;
    }
    if (auto s = RunLoad(args.load, images); !s) {
      std::fprintf(stderr, "tessera bench: %s\n", s.error().ToString().c_str());
      return 2;
    }
    return 0;
  }
  if (args.images.empty()) {
    std::fprintf(stderr, "tessera bench: name images (files or directories) to run\n");
    return 2;
  }
  const bool own_dir = args.work_dir.empty();
  if (own_dir) {
    std::string templ = (fs::temp_directory_path() / "tessera-bench-XXXXXX").string();
    if (::mkdtemp(templ.data()) == nullptr) {
      std::perror("tessera bench: mkdtemp");
      return 1;
    }
    args.work_dir = templ;
  } else if (std::error_code ec; !fs::create_directories(args.work_dir, ec) && ec) {
    std::fprintf(stderr, "tessera bench: --work-dir %s: %s\n", args.work_dir.c_str(),
                 ec.message().c_str());
    return 1;
  }
  // The sizes, read once here for the table (each child reads the images itself).
  auto images = LoadBenchImages(args.images, args.engine.ToOptions().limits);
  if (!images) {
    std::fprintf(stderr, "tessera bench: %s\n", images.error().ToString().c_str());
    return 1;
  }
  double megapixels = 0;
  for (const auto& i : *images) megapixels += i.megapixels;
  args.images.clear();
  for (const auto& i : *images) args.images.push_back(i.path);

  const std::vector<std::string> modes = ModesToRun(args);
  for (const std::string& mode : modes) {
    if (std::find(kBenchModes.begin(), kBenchModes.end(), mode) == kBenchModes.end()) {
      std::fprintf(stderr,
                   "tessera bench: --modes: unknown mode %s; allowed: sequential, threads, tiled, "
                   "processes, redis\n",
                   mode.c_str());
      return 2;
    }
    if (mode == "redis" && args.redis_url.empty()) {
      std::fprintf(stderr, "tessera bench: --modes: the redis mode needs --redis URL\n");
      return 2;
    }
  }
  std::map<std::string, ModeResult> best;
  for (int round = 0; round < std::max(1, args.rounds); ++round) {
    for (const std::string& mode : modes) {
      ModeResult r = RunModeInChild(args, mode);
      auto it = best.find(mode);
      if (it == best.end() ||
          (r.ok && (!it->second.ok || r.run.wall_seconds < it->second.run.wall_seconds))) {
        best[mode] = std::move(r);
      }
    }
  }
  std::vector<ModeResult> ordered;
  for (const std::string& mode : modes) ordered.push_back(best[mode]);
  PrintTable(args, ordered, megapixels);
  if (own_dir) {
    std::error_code ec;
    fs::remove_all(args.work_dir, ec);
  }
  for (const auto& r : ordered) {
    if (!r.ok || r.run.failed > 0) return 1;
  }
  return 0;
}

}  // namespace

Command RegisterBenchCommand(CLI::App& app) {
  auto args = std::make_shared<BenchArgs>();
  auto* cmd = app.add_subcommand(
      "bench",
      "run a batch of images sequentially, on threads, tiled and through worker processes "
      "(embedded queue, Redis) and compare; or load a running server (--server)");
  cmd->add_option("images", args->images, "image files or directories");
  cmd->add_option("-p,--pipeline", args->pipeline, "pipeline run on every image")
      ->capture_default_str();
  cmd->add_option("-n,--parallel", args->parallel,
                  "threads, tile threads and worker processes of the parallel modes")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  cmd->add_option("--modes", args->modes,
                  "comma-separated: sequential, threads, tiled, processes, redis (default: all; "
                  "redis only with --redis)");
  cmd->add_option("--redis", args->redis_url,
                  "redis://host:port[/db] for the redis mode (its jobs are left in that database)");
  cmd->add_option("--rounds", args->rounds, "run the modes this many times, interleaved; best kept")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();
  cmd->add_option("--work-dir", args->work_dir,
                  "scratch directory for the queue modes and logs (default: a temporary one, "
                  "removed after)");
  cmd->add_option("--run-mode", args->run_mode)->group("");  // internal: one mode, in a child
  args->engine.Register(*cmd);
  auto* load = cmd->add_option_group("load", "load a running server instead (--server)");
  load->add_option("--server", args->load.server, "http://host:port of a running tessera");
  load->add_option("--route", args->load.route, "process (POST /v1/process) or jobs")
      ->capture_default_str();
  load->add_option("--load-pipeline", args->load.pipeline, "pipeline of the requests")
      ->capture_default_str();
  load->add_option("-c,--concurrency", args->load.concurrency, "clients sending at once")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  load->add_option("--requests", args->load.requests, "requests in all, at most")
      ->check(CLI::Range(int64_t{1}, int64_t{100'000'000}))
      ->capture_default_str();
  load->add_option("--duration-s", args->duration_s, "seconds, at most")
      ->check(CLI::Range(int64_t{1}, int64_t{86'400}))
      ->capture_default_str();
  load->add_option("--mix", args->mix, "weights of valid, oversized and wrong-type requests")
      ->capture_default_str();
  load->add_option("--api-key", args->load.api_key, "sent as Authorization: Bearer")
      ->envname("TESSERA_API_KEY");
  return {cmd, [args] { return RunBench(*args); }};
}

}  // namespace tessera::cli
