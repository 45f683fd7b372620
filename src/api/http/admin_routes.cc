// Operational routes: the op catalogue, workers, stats, health, readiness, metrics, OpenAPI.
#include <nlohmann/json.hpp>

#include "api/http/native_api.h"
#include "api/http/openapi_fragments.h"
#include "engine/op_registry.h"
#include "jobs/job_json.h"

namespace tessera::api::http {
namespace {

Result<MetricsSnapshot> Snapshot(const NativeApi& api) {
  MetricsSnapshot s;
  auto stats = api.queue.Stats();
  if (!stats) return Unexpected(stats.error());
  s.queue = *stats;
  auto counts = api.job_store.CountByState();
  if (!counts) return Unexpected(counts.error());
  s.jobs = *counts;
  auto live = api.registry.ListLive();
  if (!live) return Unexpected(live.error());
  s.workers = std::move(*live);
  s.sync_in_flight = api.sync.in_flight();
  if (api.server_gauges) api.server_gauges(s);
  return s;
}

HttpResponse Stats(const NativeApi& api) {
  auto s = Snapshot(api);
  if (!s) return ErrorResponse(s.error());
  auto j = nlohmann::ordered_json::parse(jobs::QueueStatsToJson(s->queue, s->jobs));
  int64_t succeeded = 0, failed = 0;
  for (const auto& w : s->workers) {
    succeeded += w.tasks_succeeded;
    failed += w.tasks_failed;
  }
  j["workers"] = {
      {"live", s->workers.size()}, {"tasks_succeeded", succeeded}, {"tasks_failed", failed}};
  j["http"] = {{"in_flight", s->http_in_flight},
               {"connections", s->http_connections},
               {"requests_per_second_1m", api.metrics.RequestsPerSecond()}};
  j["sync"] = {{"in_flight", s->sync_in_flight}, {"slots", api.sync.options().slots}};
  return HttpResponse::Json(200, j.dump());
}

HttpResponse Ready(const NativeApi& api) {
  nlohmann::ordered_json j;
  bool ok = true;
  if (api.draining && api.draining()) {
    ok = false;
    j["server"] = "draining";
  }
  auto queue_ok = api.queue.Ping();
  j["queue"] = queue_ok ? "ok" : queue_ok.error().message;
  auto store_ok = api.blobs.Ping();
  j["store"] = store_ok ? "ok" : store_ok.error().message;
  ok = ok && queue_ok && store_ok;
  j["status"] = ok ? "ready" : "not_ready";
  auto r = HttpResponse::Json(ok ? 200 : 503, j.dump());
  if (!ok) r.SetHeader("Retry-After", "5");
  return r;
}

HttpResponse Metrics(const NativeApi& api) {
  auto s = Snapshot(api);
  if (!s) return ErrorResponse(s.error());
  auto r = HttpResponse::Json(200, api.metrics.Render(*s));
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  return r;
}

}  // namespace

void AddAdminRoutes(Router& router, const NativeApi& api) {
  using namespace openapi;
  router.Add(
      {.method = Method::kGet,
       .pattern = "/v1/ops",
       .handler = [](HttpRequest&) { return HttpResponse::Json(200, engine::OpsAsJson()); },
       .blocking = false,
       .openapi = {
           {"operationId", "listOps"},
           {"summary", "The operations a pipeline may use, with their parameters"},
           {"responses",
            {{"200", JsonResponse("the op catalogue (as tessera ops --json)", "OpCatalogue")}}}}});
  router.Add(
      {.method = Method::kGet,
       .pattern = "/v1/workers",
       .handler =
           [&api](HttpRequest&) {
             auto live = api.registry.ListLive();
             if (!live) return ErrorResponse(live.error());
             return HttpResponse::Json(200, jobs::WorkersToJson(*live));
           },
       .openapi = {{"operationId", "listWorkers"},
                   {"summary", "Live workers, their capabilities and heartbeats"},
                   {"responses", {{"200", JsonResponse("a list of workers", "WorkerList")}}}}});
  router.Add({.method = Method::kGet,
              .pattern = "/v1/stats",
              .handler = [&api](HttpRequest&) { return Stats(api); },
              .openapi = {{"operationId", "getStats"},
                          {"summary", "Queue depth and age, jobs by state, workers, throughput"},
                          {"responses", {{"200", JsonResponse("the statistics", "Stats")}}}}});
  router.Add({.method = Method::kGet,
              .pattern = "/healthz",
              .handler = [](HttpRequest&) { return HttpResponse::Json(200, R"({"status":"ok"})"); },
              .blocking = false,
              .needs_key = !api.options.open_health,
              .openapi = {{"operationId", "getLiveness"},
                          {"summary", "Liveness: the process answers"},
                          {"responses", {{"200", JsonResponse("alive", "Health")}}}}});
  router.Add(
      {.method = Method::kGet,
       .pattern = "/readyz",
       .handler = [&api](HttpRequest&) { return Ready(api); },
       .needs_key = !api.options.open_health,
       .openapi = {
           {"operationId", "getReadiness"},
           {"summary", "Readiness: the queue and the store answer"},
           {"responses",
            {{"200", JsonResponse("ready", "Readiness")},
             {"503", JsonResponse("a backend is unreachable or shutdown began", "Readiness")}}}}});
  router.Add(
      {.method = Method::kGet,
       .pattern = "/metrics",
       .handler = [&api](HttpRequest&) { return Metrics(api); },
       .needs_key = !api.options.open_metrics,
       .openapi = {{"operationId", "getMetrics"},
                   {"summary", "Prometheus metrics (text exposition format)"},
                   {"responses",
                    {{"200",
                      {{"description", "metrics"},
                       {"content", {{"text/plain", {{"schema", {{"type", "string"}}}}}}}}}}}}});
  router.Add({.method = Method::kGet,
              .pattern = "/openapi.json",
              .handler =
                  [&router](HttpRequest&) {
                    json info = {{"title", "tessera"},
                                 {"version", "0.1.0"},
                                 {"description", "Fast, fault-tolerant image processing"}};
                    return HttpResponse::Json(200, router.OpenApi(info).dump(2));
                  },
              .blocking = false,
              .needs_key = false,
              .openapi = {{"operationId", "getOpenApi"},
                          {"summary", "This document"},
                          {"responses", {{"200", JsonResponse("OpenAPI 3", "OpenApiDocument")}}}}});
}

void AddNativeRoutes(Router& router, const NativeApi& api) {
  AddProcessRoutes(router, api);
  AddJobRoutes(router, api);
  AddAdminRoutes(router, api);
}

}  // namespace tessera::api::http
