// tessera serve: the HTTP service, and the gRPC service beside it (--grpc-port, default 9090).
// Embedded by default (SQLite queue and file store under
// --data-dir, with a worker pool in the same process); with --queue redis://... and --workers 0
// it is an API node in front of separate `tessera worker` processes.
//
// SIGTERM/SIGINT: stop accepting, answer in-flight requests within --shutdown-grace-ms, stop
// the embedded workers (running tasks finish or return to the queue), exit 0.
#include <signal.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "api/compat/compat_routes.h"
#include "api/compat/imageflow/imageflow_service.h"
#include "api/compat/tutti/tutti_workers.h"
#include "api/grpc/grpc_server.h"
#include "api/http/native_api.h"
#include "api/http/server.h"
#include "api/metrics.h"
#include "api/sync_processor.h"
#include "cli/backends.h"
#include "cli/commands.h"
#include "cli/repair_flags.h"
#include "cli/server_memory.h"
#include "cli/stop_signals.h"
#include "cli/worker_flags.h"
#include "core/file_io.h"
#include "core/log.h"
#include "jobs/job_service.h"
#include "jobs/queued_job_repair.h"
#include "worker/worker.h"

namespace tessera::cli {
namespace {

int Cores() { return std::max(1u, std::thread::hardware_concurrency()); }

struct ServeArgs {
  BackendFlags backends;
  EngineFlags engine;
  WorkerFlags worker;
  RepairFlags repair;
  api::http::ServerOptions server;
  api::http::NativeApiOptions api;
  api::SyncOptions sync;
  int64_t sync_wait_ms = 100;
  int64_t sync_deadline_ms = 10'000;
  std::string api_keys;  // comma-separated
  bool protect_health = false;
  bool protect_metrics = false;
  int64_t grace_ms = 30'000;
  std::string compat;                // seed-compatible APIs to serve (docs/COMPAT.md); empty: none
  CLI::Option* port_flag = nullptr;  // to tell a given port from the default
  CLI::Option* grpc_port_flag = nullptr;
  api::compat::CompatSettings compat_settings;
  int grpc_port = 9090;  // 0: any free port (logged); -1: no gRPC
  bool no_grpc = false;
  std::string tutti_base_path;                  // BASE_PATH; empty: the blob store's tutti/ folder
  int tutti_workers = 0;                        // N_WORKERS; 0: one per core
  std::vector<std::string> allow_ref_prefixes;  // inputs/outputs by reference (jobs/references.h)
  MemoryFlags memory;
};

// The tutti profile's worker pool, storing into BASE_PATH (as tutti did) or the blob store.
Result<std::unique_ptr<api::compat::tutti::TuttiWorkers>> MakeTuttiWorkers(
    const ServeArgs& args, store::BlobStore& blobs, const engine::ProcessOptions& engine,
    api::ServiceMetrics& metrics) {
  api::compat::tutti::TuttiSink sink;
  if (!args.tutti_base_path.empty()) {
    std::error_code ec;
    if (!std::filesystem::is_directory(args.tutti_base_path, ec)) {
      return Unexpected(MakeError(ErrorCode::kBadRequest, args.tutti_base_path + " does not exist.",
                                  "BASE_PATH"));
    }
    std::filesystem::path base = args.tutti_base_path;
    sink = [base](const std::string& id, std::span<const uint8_t> jpeg) {
      return WriteFileAtomically(base / (id + ".jpeg"), jpeg);
    };
  } else {
    sink = [&blobs](const std::string& id, std::span<const uint8_t> jpeg) {
      return blobs.Put("tutti/" + id + ".jpeg", jpeg);
    };
  }
  api::compat::tutti::TuttiWorkerOptions options;
  options.workers = args.tutti_workers > 0 ? args.tutti_workers : Cores();
  options.engine = engine;
  options.spool = std::filesystem::path(args.backends.data_dir) / "tutti-spool";
  return std::make_unique<api::compat::tutti::TuttiWorkers>(options, std::move(sink), &metrics);
}

// ImageFlowCanvas's own settings, read where tessera's flags (or TESSERA_* variables) do not
// say otherwise: HTTP_PORT (its gateway) and GRPC_PORT (its services). Its *_GRPC_ENDPOINT
// settings pointed the gateway at the three services; tessera serves all of them itself.
void ApplyImageFlowEnvironment(ServeArgs& args) {
  auto port_from = [](const char* name, const CLI::Option* flag, int& port) {
    const char* value = std::getenv(name);  // NOLINT(concurrency-mt-unsafe): before threads
    if (value == nullptr || flag->count() > 0) return;
    char* end = nullptr;
    long p = std::strtol(value, &end, 10);
    if (end == value || *end != 0 || p < 0 || p > 65535) {
      Log(LogLevel::kWarn, "imageflow_setting_ignored",
          {{"name", name}, {"value", value}, {"reason", "not a port number"}});
      return;
    }
    port = static_cast<int>(p);
  };
  port_from("HTTP_PORT", args.port_flag, args.server.port);
  port_from("GRPC_PORT", args.grpc_port_flag, args.grpc_port);
  for (const char* name :
       {"RESIZE_GRPC_ENDPOINT", "AI_DETECTION_GRPC_ENDPOINT", "FILTER_GRPC_ENDPOINT"}) {
    if (const char* value = std::getenv(name); value != nullptr) {  // NOLINT
      Log(LogLevel::kInfo, "imageflow_endpoint_served_here",
          {{"name", name},
           {"value", value},
           {"detail", "tessera serves this service itself, on its own gRPC port"}});
    }
  }
}

int Run(ServeArgs& args) {
  const ServerMemoryOptions memory = args.memory.ToOptions();
  ConfigureServerAllocator(memory);  // before any thread exists
  const sigset_t signals = BlockStopSignals();
  signal(SIGPIPE, SIG_IGN);
  // Each connection is a descriptor: take the hard limit, not the often-1024 soft default.
  if (rlimit files{}; getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
  }

  auto compat = api::compat::ParseCompatProfiles(args.compat);
  if (!compat) {
    std::fprintf(stderr, "tessera serve: %s\n", compat.error().ToString().c_str());
    return 1;
  }
  if (compat->imageflow) ApplyImageFlowEnvironment(args);
  Clock& clock = SystemClock::Get();
  auto backends = OpenBackends(args.backends, clock);
  if (!backends) {
    std::fprintf(stderr, "tessera serve: %s\n", backends.error().ToString().c_str());
    return 1;
  }
  if (auto s = engine::InitializeEngine(1); !s) {
    std::fprintf(stderr, "tessera serve: %s\n", s.error().ToString().c_str());
    return 1;
  }
  if (auto s = args.engine.ConfigureModels(); !s) {
    std::fprintf(stderr, "tessera serve: %s\n", s.error().ToString().c_str());
    return 1;
  }
  const engine::ProcessOptions engine_options = args.engine.ToOptions();
  jobs::JobService service(*backends->jobs, *backends->queue, *backends->blobs, *backends->registry,
                           clock, engine_options.limits,
                           jobs::ReferencePolicy{args.allow_ref_prefixes, backends->key_for_uri});
  jobs::QueuedJobRepair repair(service, args.repair.every());

  api::SyncOptions sync = args.sync;
  sync.slot_wait = std::chrono::milliseconds(args.sync_wait_ms);
  sync.deadline = std::chrono::milliseconds(args.sync_deadline_ms);
  sync.engine = engine_options;
  api::ServiceMetrics metrics;
  api::SyncProcessor processor(sync, &metrics);

  std::unique_ptr<worker::Worker> pool;
  if (args.worker.options.threads > 0) {
    pool = std::make_unique<worker::Worker>(*backends->queue, *backends->jobs, *backends->blobs,
                                            *backends->registry, clock,
                                            args.worker.ToOptions(engine_options));
    // Jobs submitted here are claimed at once, not at the pool's next idle poll.
    service.OnEnqueued([p = pool.get()] { p->Wake(); });
  }

  api::http::ServerOptions server_options = args.server;
  server_options.api_keys = SplitCommas(args.api_keys);
  api::http::NativeApiOptions api_options = args.api;
  api_options.open_health = !args.protect_health;
  api_options.open_metrics = !args.protect_metrics;

  api::http::Router router;
  std::unique_ptr<api::http::HttpServer> server;
  api::http::NativeApi native{
      .sync = processor,
      .jobs = service,
      .queue = *backends->queue,
      .job_store = *backends->jobs,
      .registry = *backends->registry,
      .blobs = *backends->blobs,
      .metrics = metrics,
      .server_gauges =
          [&server, &pool, &repair](api::MetricsSnapshot& s) {
            s.http_in_flight = server ? server->in_flight() : 0;
            s.http_connections = server ? server->connections() : 0;
            s.embedded_retries = pool ? pool->counters().failed.load() : 0;
            s.jobs_repaired = repair.repaired();
          },
      .draining = [&server] { return server && server->draining(); },
      .options = api_options,
  };
  api::http::AddNativeRoutes(router, native);
  std::unique_ptr<api::compat::tutti::TuttiWorkers> tutti;
  if (compat->tutti) {
    auto made = MakeTuttiWorkers(args, *backends->blobs, engine_options, metrics);
    if (!made) {
      std::fprintf(stderr, "tessera serve: %s\n", made.error().ToString().c_str());
      return 1;
    }
    tutti = std::move(*made);
    // Uploads answered 200 before a crash and not yet stored.
    auto recovered = tutti->Recover();
    if (!recovered) {
      std::fprintf(stderr, "tessera serve: %s\n", recovered.error().ToString().c_str());
      return 1;
    }
    if (*recovered > 0) {
      Log(LogLevel::kInfo, "tutti_recovered", {{"images", std::to_string(*recovered)}});
    }
  }
  // ImageFlowCanvas's objects: its MinIO when MINIO_ENDPOINT names one.
  std::unique_ptr<store::BlobStore> imageflow_objects;
  if (compat->imageflow) {
    std::string where;
    auto opened = OpenImageFlowObjects(&where);
    if (!opened) {
      std::fprintf(stderr, "tessera serve: %s\n", opened.error().ToString().c_str());
      return 1;
    }
    imageflow_objects = std::move(*opened);
    if (imageflow_objects) Log(LogLevel::kInfo, "imageflow_objects", {{"store", where}});
  }
  // Thumbify's bucket, from its environment settings or their defaults.
  std::unique_ptr<store::ObjectBucket> thumbify_bucket;
  if (compat->thumbify) {
    std::string where;
    auto opened = OpenThumbifyBucket(&where);
    if (!opened) {
      std::fprintf(stderr, "tessera serve: %s\n", opened.error().ToString().c_str());
      return 1;
    }
    thumbify_bucket = std::move(*opened);
    Log(LogLevel::kInfo, "thumbify_bucket", {{"bucket", where}});
  }
  api::compat::CompatSettings compat_settings = args.compat_settings;
  compat_settings.imageflow_objects = imageflow_objects.get();
  compat_settings.thumbify_bucket = thumbify_bucket.get();
  auto compat_background =
      api::compat::AddCompatRoutes(router, native, *compat, clock, compat_settings, tutti.get());

  api::http::ServerHooks hooks;
  hooks.on_request_end = [&metrics](const api::http::RequestRecord& r) {
    metrics.RecordRequest(r.method, r.route, r.status, r.duration);
    char ms[32];
    std::snprintf(ms, sizeof(ms), "%.2f", static_cast<double>(r.duration.count()) / 1000.0);
    Log(r.status >= 500 ? LogLevel::kWarn : LogLevel::kInfo, "http_request",
        {{"request_id", r.request_id},
         {"method", r.method},
         {"route", r.route},
         {"path", r.target},
         {"status", std::to_string(r.status)},
         {"bytes_in", std::to_string(r.bytes_in)},
         {"bytes_out", std::to_string(r.bytes_out)},
         {"duration_ms", ms},
         {"remote", r.remote}});
  };
  server = std::make_unique<api::http::HttpServer>(server_options, router, hooks);
  auto port = server->Start();
  if (!port) {
    std::fprintf(stderr, "tessera serve: %s\n", port.error().ToString().c_str());
    return 1;
  }
  // gRPC beside HTTP, over the same SyncProcessor, JobService and API keys; with the imageflow
  // profile also the ImageFlowCanvas services (the gateway's ImageFlowService, over gRPC).
  std::unique_ptr<api::compat::imageflow::ImageFlowService> imageflow;
  std::unique_ptr<api::grpc::GrpcServer> grpc;
  if (!args.no_grpc && args.grpc_port >= 0) {
    if (compat->imageflow) {
      imageflow = std::make_unique<api::compat::imageflow::ImageFlowService>(
          processor, imageflow_objects ? *imageflow_objects : *backends->blobs, clock);
    }
    const std::string& host = server_options.host;
    grpc = std::make_unique<api::grpc::GrpcServer>(
        api::grpc::GrpcServerOptions{
            .address = (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" +
                       std::to_string(args.grpc_port),
            .api_keys = server_options.api_keys,
            .imageflow = imageflow.get()},
        processor, service);
    if (auto grpc_port = grpc->Start(); !grpc_port) {
      std::fprintf(stderr, "tessera serve: %s\n", grpc_port.error().ToString().c_str());
      server->Shutdown(std::chrono::milliseconds(0));
      return 1;
    }
  }
  if (pool) pool->Start();
  IdleMemoryTrimmer trimmer(memory);
  Log(LogLevel::kInfo, "http_listening",
      {{"host", server_options.host},
       {"port", std::to_string(*port)},
       {"backends", backends->description},
       {"durability", backends->durability},
       {"embedded_workers", std::to_string(args.worker.options.threads)},
       {"sync_slots", std::to_string(sync.slots)},
       {"api_keys", server_options.api_keys.empty() ? "off" : "on"}});

  int sig = 0;
  sigwait(&signals, &sig);
  Log(LogLevel::kInfo, "serve_draining",
      {{"signal", std::to_string(sig)}, {"grace_ms", std::to_string(args.grace_ms)}});
  const auto grace = std::chrono::milliseconds(args.grace_ms);
  const auto deadline = std::chrono::steady_clock::now() + grace;
  if (pool) pool->RequestStop();
  std::thread grpc_stop([&grpc, grace] {
    if (grpc) grpc->Shutdown(grace);
  });
  bool clean = server->Shutdown(grace);
  grpc_stop.join();
  compat_background->Stop();
  if (tutti) {
    // Uploads already answered 200 are stored before exit, as tutti's workers finished theirs.
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    clean = tutti->Drain(std::max(left, std::chrono::milliseconds(0))) && clean;
  }
  if (pool) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    clean = pool->Wait(std::max(left, std::chrono::milliseconds(0))) && clean;
    service.OnEnqueued(nullptr);  // the repair thread outlives the pool
  }
  Log(clean ? LogLevel::kInfo : LogLevel::kWarn, "serve_stopped",
      {{"clean", clean ? "true" : "false"}});
  std::fflush(stderr);
  if (!clean) std::_Exit(0);  // unfinished tasks return to the queue when their leases expire
  return 0;
}

}  // namespace

Command RegisterServeCommand(CLI::App& app) {
  auto args = std::make_shared<ServeArgs>();
  args->worker.options.threads = Cores();
  args->sync.slots = Cores();
  auto* cmd = app.add_subcommand("serve", "run the HTTP service (embedded queue and workers)");
  args->backends.Register(*cmd);
  args->engine.Register(*cmd);
  args->worker.Register(*cmd, "--workers", 0);
  args->repair.Register(*cmd);
  auto& s = args->server;
  cmd->add_option("--host", s.host, "address to listen on")
      ->envname("TESSERA_HOST")
      ->capture_default_str();
  args->port_flag = cmd->add_option("-p,--port", s.port,
                                    "port to listen on (0: any free port, logged; with "
                                    "--compat imageflow also HTTP_PORT)")
                        ->envname("TESSERA_PORT")
                        ->check(CLI::Range(0, 65535))
                        ->capture_default_str();
  cmd->add_option("--io-threads", s.io_threads, "threads running network I/O")
      ->envname("TESSERA_IO_THREADS")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  cmd->add_option("--handler-threads", s.blocking_threads,
                  "threads running request handlers (database calls, uploads)")
      ->envname("TESSERA_HANDLER_THREADS")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  cmd->add_option("--max-connections", s.max_connections, "open connections at most")
      ->envname("TESSERA_MAX_CONNECTIONS")
      ->check(CLI::Range(1, 1'000'000))
      ->capture_default_str();
  auto ms_option = [cmd](const std::string& name, std::chrono::milliseconds& value,
                         const std::string& help, const std::string& env) {
    auto* o = cmd->add_option_function<int64_t>(
        name, [&value](int64_t v) { value = std::chrono::milliseconds(v); }, help);
    o->envname(env)->check(CLI::Range(int64_t{1}, int64_t{86'400'000}));
    o->default_str(std::to_string(value.count()));
  };
  ms_option("--header-timeout-ms", s.header_timeout, "time to send a request's headers",
            "TESSERA_HEADER_TIMEOUT_MS");
  ms_option("--idle-timeout-ms", s.idle_timeout, "keep-alive wait for the next request",
            "TESSERA_IDLE_TIMEOUT_MS");
  ms_option("--body-timeout-ms", s.body_timeout, "time to send a request body",
            "TESSERA_BODY_TIMEOUT_MS");
  ms_option("--write-timeout-ms", s.write_timeout, "time for a client to take a response",
            "TESSERA_WRITE_TIMEOUT_MS");
  cmd->add_option("--max-upload-bytes", args->api.max_upload_bytes,
                  "largest request body on the upload routes (413 past it)")
      ->envname("TESSERA_MAX_UPLOAD_BYTES")
      ->capture_default_str();
  cmd->add_option("--max-body-bytes-in-flight", s.max_body_bytes_in_flight,
                  "request bodies held in memory at once, all connections together (503 past it)")
      ->envname("TESSERA_MAX_BODY_BYTES_IN_FLIGHT")
      ->capture_default_str();
  cmd->add_option("--queue-depth-limit", args->api.queue_depth_limit,
                  "POST /v1/jobs answers 503 once this many tasks wait")
      ->envname("TESSERA_QUEUE_DEPTH_LIMIT")
      ->capture_default_str();
  cmd->add_option("--sync-slots", args->sync.slots, "images /v1/process works on at once")
      ->envname("TESSERA_SYNC_SLOTS")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  cmd->add_option("--sync-wait-ms", args->sync_wait_ms,
                  "how long a /v1/process request waits for a slot before 429")
      ->envname("TESSERA_SYNC_WAIT_MS")
      ->check(CLI::Range(int64_t{0}, int64_t{60'000}))
      ->capture_default_str();
  cmd->add_option("--sync-max-pixels", args->sync.max_pixels,
                  "largest input (pixels) /v1/process accepts; larger images go to /v1/jobs")
      ->envname("TESSERA_SYNC_MAX_PIXELS")
      ->capture_default_str();
  cmd->add_option("--sync-max-work", args->sync.max_pipeline_work,
                  "largest estimated work (work units) of one synchronous pipeline; heavier "
                  "ones are refused (422 over_budget) and belong in /v1/jobs")
      ->envname("TESSERA_SYNC_MAX_WORK")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--sync-deadline-ms", args->sync_deadline_ms,
                  "a synchronous request still running this long after it arrived is stopped "
                  "(504 deadline_exceeded); 0: no deadline")
      ->envname("TESSERA_SYNC_DEADLINE_MS")
      ->check(CLI::Range(int64_t{0}, int64_t{3'600'000}))
      ->capture_default_str();
  cmd->add_option("--api-keys", args->api_keys,
                  "comma-separated keys accepted as Authorization: Bearer <key> (empty: open)")
      ->envname("TESSERA_API_KEYS");
  cmd->add_flag("--protect-health", args->protect_health, "require a key for /healthz, /readyz")
      ->envname("TESSERA_PROTECT_HEALTH");
  cmd->add_flag("--protect-metrics", args->protect_metrics, "require a key for /metrics")
      ->envname("TESSERA_PROTECT_METRICS");
  args->grpc_port_flag = cmd->add_option("--grpc-port", args->grpc_port,
                                         "gRPC port beside HTTP (0: any free port, logged; -1: no "
                                         "gRPC; with --compat imageflow "
                                         "also GRPC_PORT)")
                             ->envname("TESSERA_GRPC_PORT")
                             ->check(CLI::Range(-1, 65535))
                             ->capture_default_str();
  cmd->add_flag("--no-grpc", args->no_grpc, "serve HTTP only")->envname("TESSERA_NO_GRPC");
  cmd->add_option("--shutdown-grace-ms", args->grace_ms,
                  "on SIGTERM, how long in-flight requests and tasks may take to finish")
      ->envname("TESSERA_SHUTDOWN_GRACE_MS")
      ->capture_default_str();
  args->memory.Register(*cmd);
  cmd->add_option("--allow-ref-prefix", args->allow_ref_prefixes,
                  "jobs may name inputs and outputs by reference (a key or a URI of the store) "
                  "only under these key prefixes (repeatable); default: anywhere in the store "
                  "outside inputs/, results/ and tiles/");
  cmd->add_option("--compat", args->compat,
                  "seed-compatible APIs to serve: any of thumbify,tutti,django,imageflow, or all "
                  "(docs/COMPAT.md)")
      ->envname("TESSERA_COMPAT");
  cmd->add_option("--tutti-base-path", args->tutti_base_path,
                  "tutti profile: directory its images are stored in as <id>.jpeg (default: the "
                  "blob store's tutti/ folder)")
      ->envname("BASE_PATH");
  cmd->add_option("--tutti-workers", args->tutti_workers,
                  "tutti profile: images processed at once (0: one per core)")
      ->envname("N_WORKERS")
      ->check(CLI::Range(0, 1024))
      ->capture_default_str();
  cmd->add_option("--django-sample-dir", args->compat_settings.django_sample_dir,
                  "the Django profile's sample images (its batches read only this directory)")
      ->envname("TESSERA_DJANGO_SAMPLE_DIR")
      ->capture_default_str();
  return {cmd, [args] { return Run(*args); }};
}

}  // namespace tessera::cli
