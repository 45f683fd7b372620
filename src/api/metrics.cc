#include "api/metrics.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <deque>
#include <sstream>

namespace tessera::api {

using SteadyClock = std::chrono::steady_clock;

struct ServiceMetrics::Impl {
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();

  prometheus::Family<prometheus::Counter>& requests =
      prometheus::BuildCounter()
          .Name("tessera_http_requests_total")
          .Help("HTTP requests answered, by route pattern, method and status")
          .Register(*registry);
  prometheus::Family<prometheus::Histogram>& latency =
      prometheus::BuildHistogram()
          .Name("tessera_http_request_duration_seconds")
          .Help("Time from complete request headers to response written, by route")
          .Register(*registry);
  prometheus::Family<prometheus::Histogram>& engine =
      prometheus::BuildHistogram()
          .Name("tessera_engine_seconds")
          .Help(
              "Engine time of images processed while the client waits (HTTP, gRPC and the "
              "compatibility adapters), observed once per step with the step's op")
          .Register(*registry);
  prometheus::Family<prometheus::Histogram>& stages =
      prometheus::BuildHistogram()
          .Name("tessera_engine_stage_seconds")
          .Help(
              "Engine time of images processed while the client waits, by stage: an in-memory "
              "op's name, "
              "point_table, or libvips/encode (decode and lazy libvips ops run within these)")
          .Register(*registry);
  prometheus::Family<prometheus::Gauge>& in_flight = prometheus::BuildGauge()
                                                         .Name("tessera_http_in_flight_requests")
                                                         .Help("HTTP requests being handled")
                                                         .Register(*registry);
  prometheus::Family<prometheus::Gauge>& connections = prometheus::BuildGauge()
                                                           .Name("tessera_http_connections")
                                                           .Help("Open HTTP connections")
                                                           .Register(*registry);
  prometheus::Family<prometheus::Gauge>& sync_in_flight =
      prometheus::BuildGauge()
          .Name("tessera_sync_in_flight")
          .Help("Synchronous images being processed (bounded by the sync slots)")
          .Register(*registry);
  prometheus::Family<prometheus::Gauge>& queue_depth =
      prometheus::BuildGauge()
          .Name("tessera_queue_depth")
          .Help("Tasks by queue state (ready by priority, delayed, leased)")
          .Register(*registry);
  prometheus::Family<prometheus::Gauge>& queue_age =
      prometheus::BuildGauge()
          .Name("tessera_queue_oldest_ready_age_seconds")
          .Help("Age of the oldest claimable task")
          .Register(*registry);
  prometheus::Family<prometheus::Gauge>& dead = prometheus::BuildGauge()
                                                    .Name("tessera_queue_dead_letters")
                                                    .Help("Tasks buried in the dead-letter list")
                                                    .Register(*registry);
  prometheus::Family<prometheus::Gauge>& jobs = prometheus::BuildGauge()
                                                    .Name("tessera_jobs")
                                                    .Help("Job records by state")
                                                    .Register(*registry);
  prometheus::Family<prometheus::Gauge>& workers =
      prometheus::BuildGauge()
          .Name("tessera_workers")
          .Help("Live workers (heartbeat within their TTL)")
          .Register(*registry);
  prometheus::Family<prometheus::Gauge>& worker_tasks =
      prometheus::BuildGauge()
          .Name("tessera_worker_tasks")
          .Help("Tasks finished by live workers since they started, by outcome")
          .Register(*registry);
  prometheus::Family<prometheus::Gauge>& retries =
      prometheus::BuildGauge()
          .Name("tessera_embedded_worker_failed_tasks")
          .Help("Tasks this process's embedded workers retried or buried")
          .Register(*registry);
  prometheus::Family<prometheus::Gauge>& repaired =
      prometheus::BuildGauge()
          .Name("tessera_repaired_jobs")
          .Help("Jobs found queued without a task that this process enqueued again")
          .Register(*registry);

  std::mutex mu;
  std::deque<SteadyClock::time_point> recent;  // request completions in the last minute

  static const prometheus::Histogram::BucketBoundaries& Buckets() {
    static const prometheus::Histogram::BucketBoundaries b = {
        0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
    return b;
  }

  void Trim(SteadyClock::time_point now) {
    while (!recent.empty() && now - recent.front() > std::chrono::seconds(60)) recent.pop_front();
  }
};

ServiceMetrics::ServiceMetrics() : impl_(std::make_unique<Impl>()) {}
ServiceMetrics::~ServiceMetrics() = default;

void ServiceMetrics::RecordRequest(std::string_view method, std::string_view route, unsigned status,
                                   std::chrono::microseconds duration) {
  impl_->requests
      .Add({{"route", std::string(route)},
            {"method", std::string(method)},
            {"status", std::to_string(status)}})
      .Increment();
  impl_->latency.Add({{"route", std::string(route)}}, Impl::Buckets())
      .Observe(static_cast<double>(duration.count()) / 1e6);
  std::lock_guard<std::mutex> lock(impl_->mu);
  auto now = SteadyClock::now();
  impl_->recent.push_back(now);
  impl_->Trim(now);
}

void ServiceMetrics::RecordRun(const engine::Pipeline& pipeline,
                               const std::vector<engine::StageTime>& stages,
                               std::chrono::microseconds elapsed) {
  const double seconds = static_cast<double>(elapsed.count()) / 1e6;
  for (const engine::Step& step : pipeline.steps) {
    impl_->engine.Add({{"op", std::string(step.op->name)}}, Impl::Buckets()).Observe(seconds);
  }
  for (const engine::StageTime& s : stages) {
    impl_->stages.Add({{"stage", s.stage}}, Impl::Buckets())
        .Observe(static_cast<double>(s.time.count()) / 1e6);
  }
}

double ServiceMetrics::RequestsPerSecond() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->Trim(SteadyClock::now());
  return static_cast<double>(impl_->recent.size()) / 60.0;
}

std::string ServiceMetrics::Render(const MetricsSnapshot& s) {
  auto& m = *impl_;
  m.in_flight.Add({}).Set(s.http_in_flight);
  m.connections.Add({}).Set(s.http_connections);
  m.sync_in_flight.Add({}).Set(s.sync_in_flight);
  m.queue_depth.Add({{"state", "ready"}, {"priority", "high"}}).Set(s.queue.ready_high);
  m.queue_depth.Add({{"state", "ready"}, {"priority", "normal"}}).Set(s.queue.ready_normal);
  m.queue_depth.Add({{"state", "ready"}, {"priority", "low"}}).Set(s.queue.ready_low);
  m.queue_depth.Add({{"state", "delayed"}, {"priority", "any"}}).Set(s.queue.delayed);
  m.queue_depth.Add({{"state", "leased"}, {"priority", "any"}}).Set(s.queue.leased);
  m.queue_age.Add({}).Set(static_cast<double>(s.queue.oldest_ready_age.count()) / 1000.0);
  m.dead.Add({}).Set(s.queue.dead);
  for (const auto& [state, n] : s.jobs) {
    m.jobs.Add({{"state", std::string(queue::JobStateName(state))}}).Set(static_cast<double>(n));
  }
  m.workers.Add({}).Set(static_cast<double>(s.workers.size()));
  int64_t ok = 0, failed = 0;
  for (const auto& w : s.workers) {
    ok += w.tasks_succeeded;
    failed += w.tasks_failed;
  }
  m.worker_tasks.Add({{"outcome", "succeeded"}}).Set(static_cast<double>(ok));
  m.worker_tasks.Add({{"outcome", "failed"}}).Set(static_cast<double>(failed));
  m.retries.Add({}).Set(static_cast<double>(s.embedded_retries));
  m.repaired.Add({}).Set(static_cast<double>(s.jobs_repaired));

  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, m.registry->Collect());
  return out.str();
}

}  // namespace tessera::api
