// The Django pipeline's Day-1 routes (health, the 4K sample image and its facts, a delayed
// copy, host statistics) and /api/metrics/ with its scaling advice (advice only: nothing scales).
#include <algorithm>
#include <cstdio>
#include <ctime>
#include <thread>

#include "api/compat/django/routes.h"
#include "api/compat/django/system_stats.h"
#include "engine/format_sniff.h"

namespace tessera::api::compat::django {
namespace {

using http::HttpRequest;
using http::HttpResponse;

constexpr std::string_view kSample4k = "sample_4k.jpg";
constexpr double kMaxSlowDelaySeconds = 60;

std::string Fixed(double v, int digits) {
  char buf[48];
  std::snprintf(buf, sizeof(buf), "%.*f", digits, v);
  return buf;
}

HttpResponse Health(const Context& ctx) {
  Ordered j = {{"status", "healthy"},
               {"service", "Django Image Server"},
               {"version", "1.0.0"},
               {"endpoints",
                {{"health", "/"},
                 {"4k_image", "/api/image/4k/"},
                 {"image_info", "/api/image/info/"},
                 {"slow_image", "/api/image/slow/"}}},
               {"timestamp", EpochSeconds(ctx.clock.Now())},
               {"message", "Django Image Processing API is running"}};
  return JsonAnswer(200, j);
}

std::string SamplePath(const Context& ctx) {
  return (ctx.samples.path() / std::string(kSample4k)).string();
}

HttpResponse ImageInfo(const Context& ctx) {
  auto size = ctx.samples.Size(std::string(kSample4k));
  if (!size) {
    return JsonAnswer(404,
                      {{"error", "Imagen no encontrada"},
                       {"expected_path", SamplePath(ctx)},
                       {"instructions", "Coloca tu imagen 4K en static/images/sample_4k.jpg"}});
  }
  const double mb = static_cast<double>(*size) / (1024.0 * 1024.0);
  Ordered j = {
      {"status", "found"},
      {"filename", std::string(kSample4k)},
      {"path", SamplePath(ctx)},
      {"size_bytes", *size},
      {"size_mb", Round(mb, 2)},
      {"is_4k_size", mb > 5},
      {"endpoints", {{"download", "/api/image/4k/"}, {"slow_version", "/api/image/slow/"}}}};
  return JsonAnswer(200, j);
}

HttpResponse ServeImage(const Context& ctx, double delay) {
  const auto start = std::chrono::steady_clock::now();
  if (delay > 0) std::this_thread::sleep_for(std::chrono::duration<double>(delay));
  auto bytes = ctx.samples.Read(std::string(kSample4k));
  if (!bytes) {
    if (bytes.error().code != ErrorCode::kNotFound) return Error(500, bytes.error().message);
    if (delay >= 0) {
      return JsonAnswer(404, {{"error", "Imagen no encontrada para procesamiento lento"},
                              {"expected_path", SamplePath(ctx)}});
    }
    return JsonAnswer(404,
                      {{"error", "Imagen 4K no encontrada"},
                       {"message", "Por favor coloca tu imagen 4K en: static/images/sample_4k.jpg"},
                       {"expected_path", SamplePath(ctx)}});
  }
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double mb = static_cast<double>(bytes->size()) / (1024.0 * 1024.0);
  auto r = HttpResponse::Bytes(200, "image/jpeg", std::move(*bytes));
  r.SetHeader("X-Processing-Time", Fixed(elapsed, 3));
  if (delay >= 0) r.SetHeader("X-Simulated-Delay", Fixed(delay, 1));
  r.SetHeader("X-File-Size-MB", Fixed(mb, 2));
  r.SetHeader("X-IO-Type", delay >= 0 ? "I/O-bound + Processing" : "I/O-bound");
  return r;
}

HttpResponse SlowImage(const Context& ctx, const HttpRequest& request) {
  double delay = 2.0;
  if (const std::string* d = request.Query("delay")) {
    char* end = nullptr;
    delay = std::strtod(d->c_str(), &end);
    if (d->empty() || *end != '\0' || !(delay >= 0)) {
      return Error(400, "could not convert string to float: '" + d->substr(0, 40) + "'");
    }
  }
  return ServeImage(ctx, std::min(delay, kMaxSlowDelaySeconds));
}

HttpResponse Stats() {
  const HostStats h = SampleHost(std::chrono::milliseconds(1000));
  Ordered j = {
      {"system",
       {{"cpu_cores", h.cpu_cores},
        {"cpu_usage_percent", Round(h.cpu_percent, 1)},
        {"memory_total_gb", Round(static_cast<double>(h.memory_total_bytes) / (1ull << 30), 2)},
        {"memory_used_percent", Round(h.memory_used_percent, 1)},
        {"active_threads", h.process_threads}}},
      {"recommendations",
       {{"threading", "Perfecto para este servidor (I/O-bound)"},
        {"multiprocessing", "Máximo recomendado: " + std::to_string(h.cpu_cores) + " workers"},
        {"async", "Excelente para alta concurrencia"}}}};
  return JsonAnswer(200, j);
}

// The seed's advice thresholds: scale up past 5 queued tasks, or at 80 % utilisation or 75 %
// CPU with work waiting; scale down with no queue, under 30 % utilisation and 20 % CPU.
Ordered Advice(int workers, int64_t queued, double utilization, double cpu) {
  constexpr int kMin = 1, kMax = 8;
  std::vector<std::string> up;
  double confidence = 0;
  if (queued > 5) {
    up.push_back("High queue: " + std::to_string(queued) + " tasks");
    confidence += 0.4;
  }
  if (utilization > 0.8 && queued > 0) {
    up.push_back("High utilization: " + Fixed(utilization * 100, 1) + "%");
    confidence += 0.3;
  }
  if (cpu > 75 && queued > 0) {
    up.push_back("High CPU: " + Fixed(cpu, 1) + "%");
    confidence += 0.3;
  }
  auto join = [](const std::vector<std::string>& v) {
    std::string s;
    for (const auto& p : v) s += (s.empty() ? "" : " + ") + p;
    return s;
  };
  Ordered r;
  if (!up.empty() && workers < kMax) {
    int target = queued <= 3    ? workers + 1
                 : queued <= 10 ? workers + static_cast<int>(queued / 3) + 1
                                : workers + static_cast<int>(queued / 2) + 1;
    confidence = std::min(confidence, 1.0);
    r = {{"action", "scale_up"},
         {"current_workers", workers},
         {"recommended_workers", std::min(target, kMax)},
         {"reason", join(up)},
         {"confidence", confidence},
         {"urgency", confidence >= 0.8   ? "high"
                     : confidence >= 0.5 ? "medium"
                                         : "low"}};
  } else if (queued <= 0 && utilization < 0.3 && cpu < 20 && workers > kMin) {
    r = {{"action", "scale_down"},
         {"current_workers", workers},
         {"recommended_workers", std::max(workers - 1, kMin)},
         {"reason", "Low utilization: " + Fixed(utilization * 100, 1) + "% + No queue backlog"},
         {"confidence", 0.7},
         {"urgency", "low"}};
  } else {
    r = {{"action", "maintain"},
         {"current_workers", workers},
         {"recommended_workers", workers},
         {"reason", "System operating within optimal parameters"},
         {"confidence", 0.8},
         {"urgency", "none"}};
  }
  r["note"] = "⚠️ Educational recommendations only - No automatic execution";
  return r;
}

HttpResponse Metrics(const Context& ctx) {
  const HostStats h = SampleHost(std::chrono::milliseconds(100));
  auto stats = ctx.api.queue.Stats();
  auto counts = ctx.api.job_store.CountByState();
  auto live = ctx.api.registry.ListLive();
  if (!stats || !counts || !live) {
    return JsonAnswer(500, {{"status", "error"},
                            {"message", "Failed to collect metrics: backend unavailable"},
                            {"timestamp", EpochSeconds(ctx.clock.Now())}});
  }
  auto count = [&](queue::JobState s) {
    auto it = counts->find(s);
    return it == counts->end() ? int64_t{0} : it->second;
  };
  const int64_t queued = stats->ready_high + stats->ready_normal + stats->ready_low;
  const int64_t processing = count(queue::JobState::kRunning);
  const int64_t completed = count(queue::JobState::kSucceeded);
  const int64_t failed = count(queue::JobState::kDead) + count(queue::JobState::kCancelled);
  const int workers = static_cast<int>(live->size());
  const int64_t busy = std::min<int64_t>(processing, workers);
  const double utilization = workers > 0 ? static_cast<double>(busy) / workers : 0;
  const int64_t total = completed + failed;
  const SystemTime now = ctx.clock.Now();
  const std::time_t secs = std::chrono::system_clock::to_time_t(now);
  std::tm local{};
  localtime_r(&secs, &local);
  char iso[40];
  std::strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%S", &local);
  const auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count() %
      1'000'000;
  char frac[16];
  std::snprintf(frac, sizeof(frac), ".%06lld", static_cast<long long>(micros));
  Ordered metrics = {
      {"cpu_usage", Round(h.cpu_percent, 1)},
      {"cpu_count", h.cpu_cores},
      {"memory_usage", Round(h.memory_used_percent, 1)},
      {"memory_available_gb",
       Round(static_cast<double>(h.memory_available_bytes) / (1ull << 30), 2)},
      {"memory_total_gb", Round(static_cast<double>(h.memory_total_bytes) / (1ull << 30), 2)},
      {"queue_length", queued},
      {"processing_tasks", processing},
      {"active_workers", workers},
      {"busy_workers", busy},
      {"worker_utilization", Round(utilization, 3)},
      {"completed_tasks", completed},
      {"failed_tasks", failed},
      {"total_tasks", total},
      {"success_rate", Round(total > 0 ? 100.0 * completed / total : 100.0, 1)},
      {"timestamp", std::string(iso) + frac},
      {"collection_time", EpochSeconds(now)}};
  Ordered j = {
      {"status", "success"},
      {"metrics", metrics},
      {"scaling_recommendation", Advice(workers, queued, utilization, h.cpu_percent)},
      {"scaling_config",
       {{"min_workers", 1},
        {"max_workers", 8},
        {"scale_up_thresholds", {{"queue_length", 5}, {"utilization", 0.8}, {"cpu_usage", 75.0}}},
        {"scale_down_thresholds", {{"queue_length", 0}, {"utilization", 0.3}, {"cpu_usage", 20.0}}},
        {"note", "⚠️ RECOMMENDATIONS ONLY - No automatic execution"}}},
      {"timestamp", EpochSeconds(now)}};
  return JsonAnswer(200, j);
}

nlohmann::json Tags(std::string summary) {
  return {{"summary", "Django pipeline: " + summary}, {"tags", nlohmann::json::array({"compat"})}};
}

HttpResponse StaticImage(const Context& ctx, const HttpRequest& request) {
  const std::string& name = request.path_params.at("name");
  auto bytes = ctx.samples.Read(name);
  if (!bytes) {
    if (bytes.error().code == ErrorCode::kNotFound ||
        bytes.error().code == ErrorCode::kBadRequest) {
      return Error(404, "'" + name.substr(0, 100) + "' could not be found");
    }
    return Error(500, bytes.error().message);
  }
  auto format = engine::SniffFormat(*bytes);
  std::string type =
      format ? std::string(engine::FormatMimeType(*format)) : "application/octet-stream";
  return HttpResponse::Bytes(200, type, std::move(*bytes));
}

}  // namespace

void AddStaticRoute(http::Router& router, std::shared_ptr<const Context> ctx) {
  router.Add({.method = http::Method::kGet,
              .pattern = "/static/images/{name}",
              .handler = [ctx](HttpRequest& r) { return StaticImage(*ctx, r); },
              .openapi = Tags("a sample image")});
}

void AddBasicRoutes(http::Router& router, std::shared_ptr<const Context> ctx) {
  using http::Method;
  for (const char* path : {"/api/", "/api/health/"}) {
    router.Add({.method = Method::kGet,
                .pattern = path,
                .handler = [ctx](HttpRequest&) { return Health(*ctx); },
                .blocking = false,
                .needs_key = false,
                .openapi = Tags("liveness, service name, version and endpoints")});
  }
  router.Add({.method = Method::kGet,
              .pattern = "/api/image/info/",
              .handler = [ctx](HttpRequest&) { return ImageInfo(*ctx); },
              .openapi = Tags("facts of the sample 4K image")});
  router.Add({.method = Method::kGet,
              .pattern = "/api/image/4k/",
              .handler = [ctx](HttpRequest&) { return ServeImage(*ctx, -1); },
              .openapi = Tags("the sample 4K image")});
  router.Add({.method = Method::kGet,
              .pattern = "/api/image/slow/",
              .handler = [ctx](HttpRequest& r) { return SlowImage(*ctx, r); },
              .openapi = Tags("the sample 4K image after ?delay= seconds (at most 60)")});
  router.Add({.method = Method::kGet,
              .pattern = "/api/stats/",
              .handler = [](HttpRequest&) { return Stats(); },
              .openapi = Tags("host CPU (sampled over 1 s), memory and threads")});
  router.Add({.method = Method::kGet,
              .pattern = "/api/metrics/",
              .handler = [ctx](HttpRequest&) { return Metrics(*ctx); },
              .openapi = Tags("queue, worker and host metrics with scaling advice")});
}

}  // namespace tessera::api::compat::django
