// The native HTTP API (/v1/..., health, metrics, OpenAPI): route handlers over the seams the
// server process was given. Each Add*Routes function registers one group of routes.
#pragma once

#include <functional>

#include "api/http/router.h"
#include "api/metrics.h"
#include "api/sync_processor.h"
#include "jobs/job_service.h"
#include "queue/job_store.h"
#include "queue/task_queue.h"
#include "queue/worker_registry.h"
#include "store/blob_store.h"

namespace tessera::api::http {

struct NativeApiOptions {
  uint64_t max_upload_bytes = 64ull << 20;  // request body limit of the upload routes
  int64_t queue_depth_limit = 100'000;      // POST /v1/jobs answers 503 past this many ready
  bool open_health = true;                  // /healthz and /readyz need no API key
  bool open_metrics = true;                 // /metrics needs no API key
};

struct NativeApi {
  SyncProcessor& sync;
  jobs::JobService& jobs;
  queue::TaskQueue& queue;
  queue::JobStore& job_store;
  queue::WorkerRegistry& registry;
  store::BlobStore& blobs;
  ServiceMetrics& metrics;
  // Adds the server's own gauges (connections, in flight, embedded workers) to a snapshot.
  std::function<void(MetricsSnapshot&)> server_gauges;
  std::function<bool()> draining;  // true once shutdown began: /readyz answers 503
  NativeApiOptions options;
};

// kUnavailable (503 with Retry-After) when `jobs` more jobs would take the queue past
// options.queue_depth_limit. Every route that submits jobs asks this first.
Status CheckQueueDepth(const NativeApi& api, int64_t jobs = 1);

// POST /v1/process
void AddProcessRoutes(Router& router, const NativeApi& api);
// /v1/jobs and /v1/jobs/{id}[/result|/retry]
void AddJobRoutes(Router& router, const NativeApi& api);
// /v1/ops, /v1/workers, /v1/stats, /healthz, /readyz, /metrics, /openapi.json
void AddAdminRoutes(Router& router, const NativeApi& api);

// All of the above.
void AddNativeRoutes(Router& router, const NativeApi& api);

}  // namespace tessera::api::http
