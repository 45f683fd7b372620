// tessera jobs submit|list|show|result|cancel|retry: durable jobs from the command line, on
// either backend (the same --data-dir / --queue / --store flags as `tessera worker`).
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "cli/backends.h"
#include "cli/commands.h"
#include "cli/progress.h"
#include "core/file_io.h"
#include "jobs/job_json.h"
#include "jobs/job_service.h"

namespace tessera::cli {
namespace {
namespace fs = std::filesystem;

struct JobsArgs {
  BackendFlags backends;
  EngineFlags engine;
  std::vector<std::string> files;
  std::string pipeline;
  std::string priority = "normal";
  std::string tiles = "auto";
  std::string idempotency_key;
  bool wait = false;
  int64_t wait_timeout_ms = 600'000;
  std::string output_dir;
  std::string id;
  std::string state;
  size_t limit = 50;
  std::string cursor;
  std::string result_path;
};

int Fail(const char* what, const Error& e) {
  std::fprintf(stderr, "tessera jobs %s: %s\n", what, e.ToString().c_str());
  return e.code == ErrorCode::kNotFound ? 3 : 1;
}

struct Opened {
  Backends backends;
  std::unique_ptr<jobs::JobService> service;
};

// Only submit probes images; the other commands skip starting libvips (tens of ms of CPU).
Result<Opened> Open(const JobsArgs& args, bool needs_engine = false) {
  auto b = OpenBackends(args.backends, SystemClock::Get());
  if (!b) return b.error();
  if (needs_engine) {
    if (auto s = engine::InitializeEngine(1); !s) return s.error();
  }
  Opened o{std::move(*b), nullptr};
  o.service = std::make_unique<jobs::JobService>(
      *o.backends.jobs, *o.backends.queue, *o.backends.blobs, *o.backends.registry,
      SystemClock::Get(), args.engine.ToOptions().limits);
  return o;
}

int Submit(const JobsArgs& args) {
  auto opened = Open(args, /*needs_engine=*/true);
  if (!opened) return Fail("submit", opened.error());
  auto priority = queue::ParsePriority(args.priority);
  if (!priority) {
    return Fail("submit", MakeError(ErrorCode::kBadRequest, "priority must be high, normal or low",
                                    "priority"));
  }
  if (!args.output_dir.empty() && !args.wait) {
    std::fprintf(stderr, "tessera jobs submit: -o needs --wait (results exist once jobs finish)\n");
    return 2;
  }
  int failures = 0;
  std::vector<std::pair<std::string, std::string>> submitted;  // (file, job id)
  for (const std::string& file : args.files) {
    auto bytes = ReadFile(file, args.engine.max_input_bytes);
    if (!bytes) {
      std::fprintf(stderr, "tessera jobs submit: %s: %s\n", file.c_str(),
                   bytes.error().ToString().c_str());
      ++failures;
      continue;
    }
    jobs::SubmitRequest req;
    req.image = *bytes;
    req.pipeline = args.pipeline;
    req.priority = *priority;
    req.tiles = args.tiles;
    if (!args.idempotency_key.empty()) {
      req.idempotency_key =
          args.files.size() == 1 ? args.idempotency_key : args.idempotency_key + ":" + file;
    }
    auto created = opened->service->Submit(req);
    if (!created) {
      std::fprintf(stderr, "tessera jobs submit: %s: %s\n", file.c_str(),
                   created.error().ToString().c_str());
      ++failures;
      continue;
    }
    std::printf("%s\t%s\t%s\n", created->job.id.c_str(), created->created ? "created" : "existing",
                file.c_str());
    std::fflush(stdout);
    submitted.emplace_back(file, created->job.id);
  }
  if (!args.wait) return failures ? 1 : 0;

  auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(args.wait_timeout_ms);
  Progress progress(submitted.size(), isatty(STDERR_FILENO) != 0);
  for (const auto& [file, id] : submitted) {
    while (true) {
      auto st = opened->service->Get(id);
      if (!st) return Fail("submit", st.error());
      if (queue::IsTerminal(st->job.state)) {
        const int failures_before = failures;
        if (st->job.state != queue::JobState::kSucceeded) {
          std::fprintf(stderr, "tessera jobs submit: %s: job %s %s: %s: %s\n", file.c_str(),
                       id.c_str(), std::string(queue::JobStateName(st->job.state)).c_str(),
                       st->job.error ? std::string(CodeName(st->job.error->code)).c_str() : "",
                       st->job.error ? st->job.error->message.c_str() : "");
          ++failures;
        } else if (!args.output_dir.empty()) {
          auto bytes = opened->service->ResultBytes(id);
          if (!bytes) return Fail("submit", bytes.error());
          fs::path out =
              fs::path(args.output_dir) /
              fs::path(file).filename().replace_extension(
                  st->job.output_format == "jpeg" ? ".jpg" : "." + st->job.output_format);
          if (Status w = WriteFileAtomically(out, *bytes); !w) return Fail("submit", w.error());
        }
        progress.Done(failures == failures_before);
        break;
      }
      if (std::chrono::steady_clock::now() > deadline) {
        return Fail("submit", MakeError(ErrorCode::kDeadlineExceeded,
                                        "job " + id + " did not finish in time"));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  progress.Finish();
  return failures ? 1 : 0;
}

int List(const JobsArgs& args) {
  auto opened = Open(args);
  if (!opened) return Fail("list", opened.error());
  std::optional<queue::JobState> state;
  if (!args.state.empty()) {
    state = queue::ParseJobState(args.state);
    if (!state) {
      return Fail("list",
                  MakeError(ErrorCode::kBadRequest, "unknown state '" + args.state + "'", "state"));
    }
  }
  auto page = opened->service->List(state, args.limit, args.cursor);
  if (!page) return Fail("list", page.error());
  std::printf("%s\n", jobs::JobPageToJson(*page, 2).c_str());
  return 0;
}

int Show(const JobsArgs& args) {
  auto opened = Open(args);
  if (!opened) return Fail("show", opened.error());
  auto st = opened->service->Get(args.id);
  if (!st) return Fail("show", st.error());
  std::printf("%s\n", jobs::JobStatusToJson(*st, 2).c_str());
  return 0;
}

int ResultCmd(const JobsArgs& args) {
  auto opened = Open(args);
  if (!opened) return Fail("result", opened.error());
  auto bytes = opened->service->ResultBytes(args.id);
  if (!bytes) return Fail("result", bytes.error());
  if (Status w = WriteFileAtomically(args.result_path, *bytes); !w)
    return Fail("result", w.error());
  return 0;
}

int Cancel(const JobsArgs& args) {
  auto opened = Open(args);
  if (!opened) return Fail("cancel", opened.error());
  auto job = opened->service->Cancel(args.id);
  if (!job) return Fail("cancel", job.error());
  std::printf("%s\n", jobs::JobRecordToJson(*job, 2).c_str());
  return 0;
}

int Retry(const JobsArgs& args) {
  auto opened = Open(args);
  if (!opened) return Fail("retry", opened.error());
  auto job = opened->service->Retry(args.id);
  if (!job) return Fail("retry", job.error());
  std::printf("%s\n", jobs::JobRecordToJson(*job, 2).c_str());
  return 0;
}

int Stats(const JobsArgs& args) {
  auto opened = Open(args);
  if (!opened) return Fail("stats", opened.error());
  auto stats = opened->backends.queue->Stats();
  if (!stats) return Fail("stats", stats.error());
  auto counts = opened->backends.jobs->CountByState();
  if (!counts) return Fail("stats", counts.error());
  auto live = opened->backends.registry->ListLive();
  auto j = nlohmann::ordered_json::parse(jobs::QueueStatsToJson(*stats, *counts));
  j["workers"] = live ? static_cast<int64_t>(live->size()) : -1;
  j["backends"] = opened->backends.description;
  j["durability"] = opened->backends.durability;
  std::printf("%s\n", j.dump(2).c_str());
  return 0;
}

}  // namespace

Command RegisterJobsCommand(CLI::App& app) {
  auto args = std::make_shared<JobsArgs>();
  auto* cmd = app.add_subcommand("jobs", "submit and administer durable jobs");
  cmd->require_subcommand(1);
  cmd->fallthrough();  // backend and limit flags may follow the sub-subcommand
  args->backends.Register(*cmd);
  args->engine.Register(*cmd);

  auto* submit = cmd->add_subcommand("submit", "queue images for processing; prints job ids");
  submit->add_option("FILE", args->files, "images")->required();
  submit->add_option("-p,--pipeline", args->pipeline, "pipeline (text or JSON)");
  submit->add_option("--priority", args->priority, "high, normal or low")->capture_default_str();
  submit
      ->add_option("--tiles", args->tiles,
                   "tile the pipeline's local part across workers: auto (above the worker's "
                   "--tile-threshold), on, off")
      ->check(CLI::IsMember({"auto", "on", "off"}))
      ->capture_default_str();
  submit->add_option("--idempotency-key", args->idempotency_key,
                     "the same key returns the same job instead of a new one");
  // The same spellings as `tessera submit` (issue 17), whose older --out and --timeout-s are
  // accepted here too.
  submit->add_flag("-w,--wait", args->wait, "wait until every job has finished");
  auto* timeout =
      submit->add_option("--wait-timeout-ms", args->wait_timeout_ms, "give up waiting after this")
          ->check(CLI::PositiveNumber)
          ->capture_default_str();
  submit
      ->add_option_function<int64_t>(
          "--timeout-s", [args](int64_t s) { args->wait_timeout_ms = s * 1000; },
          "--wait-timeout-ms in seconds (older spelling)")
      ->check(CLI::PositiveNumber)
      ->excludes(timeout)
      ->group("");
  submit->add_option("-o,--output,--out", args->output_dir, "with --wait: write results here");

  auto* list = cmd->add_subcommand("list", "list jobs (JSON), oldest first, paginated");
  list->add_option("--state", args->state,
                   "queued, running, succeeded, failed_retrying, dead or cancelled");
  list->add_option("--limit", args->limit, "jobs per page (1..1000)")->capture_default_str();
  list->add_option("--cursor", args->cursor, "next_cursor from the previous page");

  auto* show = cmd->add_subcommand("show", "one job's status (JSON)");
  show->add_option("ID", args->id)->required();
  auto* result = cmd->add_subcommand("result", "write a succeeded job's result to a file");
  result->add_option("ID", args->id)->required();
  result->add_option("-o,--output", args->result_path, "file to write")->required();
  auto* cancel = cmd->add_subcommand("cancel", "cancel a job that has not finished");
  cancel->add_option("ID", args->id)->required();
  auto* retry = cmd->add_subcommand("retry", "run a dead or cancelled job again");
  retry->add_option("ID", args->id)->required();

  auto* stats = cmd->add_subcommand("stats", "queue depth, jobs by state, live workers (JSON)");

  return {cmd, [=] {
            if (stats->parsed()) return Stats(*args);
            if (submit->parsed()) return Submit(*args);
            if (list->parsed()) return List(*args);
            if (show->parsed()) return Show(*args);
            if (result->parsed()) return ResultCmd(*args);
            if (cancel->parsed()) return Cancel(*args);
            if (retry->parsed()) return Retry(*args);
            return 2;
          }};
}

}  // namespace tessera::cli
