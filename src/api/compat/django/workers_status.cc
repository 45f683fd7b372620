// GET /api/workers/status/: tessera's live workers and queue in the seed's monitoring shape.
// A worker's capabilities are the Django filters it runs; its counters are tessera's.
#include <set>

#include "api/compat/django/filters.h"
#include "api/compat/django/routes.h"
#include "api/error_status.h"

namespace tessera::api::compat::django {
namespace {

using http::HttpRequest;
using http::HttpResponse;
using Json = nlohmann::json;

HttpResponse WorkersStatus(const Context& ctx) {
  const auto& api = ctx.api;
  auto live = api.registry.ListLive();
  auto stats = api.queue.Stats();
  auto counts = api.job_store.CountByState();
  if (!live || !stats || !counts) {
    const tessera::Error& e = !live ? live.error() : !stats ? stats.error() : counts.error();
    return JsonAnswer(500, {{"error", e.message},
                            {"system_status", "error"},
                            {"suggestion", "Check Redis connection and worker containers"}});
  }
  const SystemTime now = ctx.clock.Now();
  Ordered detail = Ordered::array();
  std::set<std::string> capabilities;
  int64_t completed = 0, failures = 0;
  for (const auto& w : *live) {
    const double since = std::chrono::duration<double>(now - w.last_heartbeat).count();
    const auto filters = FiltersOf(w.capabilities);
    capabilities.insert(filters.begin(), filters.end());
    completed += w.tasks_succeeded;
    failures += w.tasks_failed;
    Ordered one = {{"id", w.id},
                   {"status", "active"},
                   {"capabilities", filters},
                   {"last_heartbeat", since},
                   {"tasks_completed", w.tasks_succeeded},
                   {"tasks_failed", w.tasks_failed},
                   {"uptime", std::chrono::duration<double>(now - w.started).count()},
                   {"health", since < 60 ? "healthy" : "warning"}};
    detail.push_back(one);
  }
  auto count = [&](queue::JobState s) {
    auto it = counts->find(s);
    return it == counts->end() ? int64_t{0} : it->second;
  };
  int64_t all_jobs = 0;
  for (const auto& [state, n] : *counts) all_jobs += n;
  const double rate = completed + failures > 0
                          ? 100.0 * completed / static_cast<double>(completed + failures)
                          : 100.0;
  char rate_text[32];
  std::snprintf(rate_text, sizeof(rate_text), "%.1f%%", rate);
  Ordered j = {
      {"success", true},
      {"timestamp", EpochSeconds(now)},
      {"system_status", live->empty() ? "no_workers" : "healthy"},
      {"workers",
       {{"active_count", live->size()},
        {"total_registered", live->size()},
        {"workers_detail", detail}}},
      {"queue_stats",
       {{"pending_tasks", stats->ready_high + stats->ready_normal + stats->ready_low},
        {"total_tasks_processed", all_jobs},
        {"task_status_breakdown",
         {{"pending", count(queue::JobState::kQueued)},
          {"processing",
           count(queue::JobState::kRunning) + count(queue::JobState::kFailedRetrying)},
          {"completed", count(queue::JobState::kSucceeded)},
          {"failed", count(queue::JobState::kDead) + count(queue::JobState::kCancelled)}}}}},
      {"system_capabilities",
       Json(std::vector<std::string>(capabilities.begin(), capabilities.end()))},
      {"performance",
       {{"total_tasks_completed", completed},
        {"total_failures", failures},
        {"success_rate", rate_text}}},
      {"recommendations",
       {{"scaling", "Add more workers if queue_length > 10"},
        {"monitoring", "Check worker health if any show 'warning' status"},
        {"maintenance", "Consider restarting workers with high failure rates"}}}};
  return JsonAnswer(200, j);
}

}  // namespace

void AddWorkersStatusRoute(http::Router& router, std::shared_ptr<const Context> ctx) {
  router.Add({.method = http::Method::kGet,
              .pattern = "/api/workers/status/",
              .handler = [ctx](HttpRequest&) { return WorkersStatus(*ctx); },
              .openapi = {{"summary",
                           "Django pipeline: live workers (filters, heartbeats, counters) and "
                           "queue statistics"},
                          {"tags", nlohmann::json::array({"compat"})}}});
}

}  // namespace tessera::api::compat::django
