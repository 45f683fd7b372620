// The Django pipeline's Day-2 routes: the same filter chain over the sample images in one
// thread, in N threads, and on tessera's queue with its workers ("multiprocessing"), each timed
// for real and answered in the seed's shapes.
#include <algorithm>
#include <cstdio>
#include <ctime>
#include <thread>

#include "api/compat/django/batch_runner.h"
#include "api/compat/django/routes.h"

namespace tessera::api::compat::django {
namespace {

using http::HttpRequest;
using http::HttpResponse;
using Json = nlohmann::json;

constexpr int kThreads = 4;  // the seed's ThreadPoolExecutor(max_workers=4)
constexpr int64_t kMaxCount = 500;
constexpr int64_t kMaxStressCount = 50;

int Cores() { return static_cast<int>(std::max(1u, std::thread::hardware_concurrency())); }

// Python's repr of a float rounded to 2 digits: 1.5 -> "1.5", 2.0 -> "2.0".
std::string PyFloat2(double v) {
  char buf[48];
  std::snprintf(buf, sizeof(buf), "%.2f", Round(v, 2));
  std::string s = buf;
  while (s.size() > 3 && s.back() == '0' && s[s.size() - 2] != '.') s.pop_back();
  return s;
}

std::string Fixed(double v, int digits) {
  char buf[48];
  std::snprintf(buf, sizeof(buf), "%.*f", digits, v);
  return buf;
}

bool HasHeavy(const std::vector<std::string>& filters) {
  for (const auto& f : filters) {
    if (f == "sharpen" || f == "heavy_sharpen" || f == "edges" || f == "edge_detection") {
      return true;
    }
  }
  return false;
}

struct Request {
  std::vector<std::string> filters;
  FilterChain chain;
  int64_t count = 0;
};

// The body's `filters` (or `fallback`) and `count` (or `default_count`), or the error answer.
std::variant<Request, HttpResponse> Read(const HttpRequest& r,
                                         std::vector<std::string> fallback_filters,
                                         int64_t default_count, int64_t max_count) {
  Json body = JsonBody(r);
  if (!body.is_object()) return Error(500, "Expecting value: the body is not a JSON object");
  Request req;
  req.count = default_count;
  if (body.contains("count")) {
    if (!body["count"].is_number_integer()) return Error(500, "count must be an integer");
    req.count = body["count"].get<int64_t>();
  }
  if (req.count < 1) return Error(500, "division by zero");
  if (req.count > max_count) {
    return JsonAnswer(400,
                      {{"error", "Límite excedido. Máximo permitido: " + std::to_string(max_count)},
                       {"requested", req.count}});
  }
  req.filters = std::move(fallback_filters);
  if (body.contains("filters")) {
    if (!body["filters"].is_array()) return Error(500, "filters must be a list");
    req.filters.clear();
    for (const auto& f : body["filters"]) {
      if (!f.is_string()) return Error(500, "filters must be strings");
      req.filters.push_back(f.get<std::string>());
    }
  }
  auto chain = ChainFor(req.filters, body.value("filter_params", Json::object()));
  if (!chain) return Error(400, chain.error().message);
  req.chain = std::move(*chain);
  return req;
}

// "Multiprocessing": the queue's workers when some live worker can run the chain, else (as the
// seed fell back to threads when its process pool failed) one thread per core.
// The engine options of a benchmark run in `r`: the service's, stopped when its client goes
// away (a run covers up to kMaxCount images; nobody waits for the answer any more).
engine::ProcessOptions EngineFor(const Context& ctx, const HttpRequest& r) {
  engine::ProcessOptions options = ctx.api.sync.options().engine;
  options.stop = r.client_gone;
  return options;
}

BatchRun RunParallel(const Context& ctx, const HttpRequest& r,
                     const std::vector<std::string>& names, const FilterChain& chain) {
  int able = 0;
  if (auto live = ctx.api.registry.ListLive()) {
    for (const auto& w : *live) {
      bool all = std::all_of(chain.capabilities.begin(), chain.capabilities.end(),
                             [&](const std::string& c) {
                               return std::find(w.capabilities.begin(), w.capabilities.end(), c) !=
                                      w.capabilities.end();
                             });
      if (all) able += w.threads;
    }
  }
  if (able == 0) {
    return RunThreaded(ctx.samples, names, chain, EngineFor(ctx, r), Cores());
  }
  return RunOnQueue(ctx.samples, names, chain, ctx.api.jobs, ctx.api.registry, ctx.queue_timeout);
}

// Sample .jpg files larger than 100 KB (the seed's choice for its Day-2 comparisons).
std::vector<std::string> LargeJpegs(const Context& ctx, uint64_t min_size) {
  std::vector<std::string> out;
  for (const auto& n : ctx.samples.List()) {
    std::string lower = n;
    std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
    if (lower.size() < 4 || lower.substr(lower.size() - 4) != ".jpg") continue;
    auto size = ctx.samples.Size(n);
    if (size && *size > min_size) out.push_back(n);
  }
  return out;
}

std::vector<std::string> Cycle(const std::vector<std::string>& names, int64_t count) {
  std::vector<std::string> out;
  for (int64_t i = 0; i < count && !names.empty(); ++i) out.push_back(names[i % names.size()]);
  return out;
}

HttpResponse NoSamples(const Context& ctx) {
  return JsonAnswer(
      404, {{"error", "No sample images"}, {"expected_path", ctx.samples.path().string()}});
}

HttpResponse SingleMode(const Context& ctx, const HttpRequest& r, bool threaded) {
  auto read = Read(r, {"resize", "blur", "brightness"}, 5, kMaxCount);
  if (auto* e = std::get_if<HttpResponse>(&read)) return std::move(*e);
  auto& req = std::get<Request>(read);
  auto names = ctx.samples.Cycle(static_cast<size_t>(req.count));
  if (names.empty()) return NoSamples(ctx);
  const engine::ProcessOptions engine_options = EngineFor(ctx, r);
  BatchRun run = threaded ? RunThreaded(ctx.samples, names, req.chain, engine_options, kThreads)
                          : RunSequential(ctx.samples, names, req.chain, engine_options);
  Ordered j = {{"method", threaded ? "threading" : "sequential"},
               {"processed_count", run.images.size()},
               {"filters_used", req.filters},
               {"total_time", Round(run.seconds, 3)},
               {"avg_time_per_image", Round(run.seconds / static_cast<double>(req.count), 3)}};
  if (threaded) {
    j["speedup_estimate"] = "🚀 2-3x más rápido que secuencial";
    j["performance"] = "⚡ RÁPIDO - con threading";
  } else {
    j["performance"] = "🐌 LENTO - sin concurrencia";
  }
  j["success_count"] = run.successes();
  return JsonAnswer(200, j);
}

HttpResponse Compare(const Context& ctx, const HttpRequest& r) {
  auto read = Read(r, {"resize", "blur", "brightness"}, 5, kMaxCount);
  if (auto* e = std::get_if<HttpResponse>(&read)) return std::move(*e);
  auto& req = std::get<Request>(read);
  auto names = ctx.samples.Cycle(static_cast<size_t>(req.count));
  if (names.empty()) return NoSamples(ctx);
  const engine::ProcessOptions engine_options = EngineFor(ctx, r);
  BatchRun seq = RunSequential(ctx.samples, names, req.chain, engine_options);
  BatchRun thr = RunThreaded(ctx.samples, names, req.chain, engine_options, kThreads);
  const double speedup = Round(seq.seconds / std::max(thr.seconds, 1e-9), 2);
  Ordered j = {{"comparison",
                {{"sequential",
                  {{"time", Round(seq.seconds, 3)},
                   {"method", "🐌 Uno por uno"},
                   {"processed", seq.images.size()}}},
                 {"threading",
                  {{"time", Round(thr.seconds, 3)},
                   {"method", "🚀 Paralelo"},
                   {"processed", thr.images.size()}}}}},
               {"results",
                {{"speedup", PyFloat2(speedup) + "x"},
                 {"improvement", Fixed((speedup - 1) * 100, 1) + "% más rápido"},
                 {"recommendation", "🎯 Threading es perfecto para I/O-bound operations"}}},
               {"filters_tested", req.filters},
               {"images_processed", req.count}};
  return JsonAnswer(200, j);
}

HttpResponse Multiprocessing(const Context& ctx, const HttpRequest& r) {
  auto read = Read(r, {"heavy_sharpen", "edge_detection"}, 3, kMaxCount);
  if (auto* e = std::get_if<HttpResponse>(&read)) return std::move(*e);
  auto& req = std::get<Request>(read);
  auto names = Cycle(LargeJpegs(ctx, 100'000), req.count);
  if (names.empty()) {
    return JsonAnswer(404, {{"error", "No hay imágenes disponibles para procesamiento"},
                            {"instructions", "Coloca imágenes .jpg en static/images/"}});
  }
  BatchRun run = RunParallel(ctx, r, names, req.chain);
  const int ok = run.successes();
  const double n = static_cast<double>(run.images.size());
  Ordered j = {{"method", "🔄 Multiprocessing"},
               {"results",
                {{"time", Round(run.seconds, 3)},
                 {"processed", run.images.size()},
                 {"success_count", ok},
                 {"success_rate", Fixed(100.0 * ok / n, 1) + "%"},
                 {"throughput", Fixed(n / std::max(run.seconds, 1e-9), 2) + " images/sec"}}},
               {"filters_tested", req.filters},
               {"images_processed", req.count},
               {"process_info",
                {{"mp_workers", run.parallelism},
                 {"cpu_cores", run.parallelism},
                 {"filter_type", HasHeavy(req.filters) ? "CPU-intensive" : "I/O-bound"}}},
               {"recommendation", "🎯 Multiprocessing bypasses GIL for CPU-intensive work"}};
  return JsonAnswer(200, j);
}

std::string Recommendation(const std::vector<std::string>& filters, double thr, double mp) {
  const std::string pair = " (" + Fixed(mp, 1) + "x vs " + Fixed(thr, 1) + "x)";
  const std::string rev = " (" + Fixed(thr, 1) + "x vs " + Fixed(mp, 1) + "x)";
  if (HasHeavy(filters)) {
    if (mp > thr * 1.2) {
      return "Use Multiprocessing - CPU-intensive filters benefit from parallel processes" + pair;
    }
    if (thr > mp) return "Use Threading - Process overhead too high for this workload" + rev;
    return "Multiprocessing recommended for CPU-intensive filters";
  }
  if (thr > mp) return "Use Threading - I/O-bound filters work well with threads" + rev;
  return "Unexpected: Multiprocessing faster for I/O-bound" + pair;
}

HttpResponse CompareAll(const Context& ctx, const HttpRequest& r) {
  auto read = Read(r, {"heavy_sharpen", "edge_detection"}, 5, kMaxCount);
  if (auto* e = std::get_if<HttpResponse>(&read)) return std::move(*e);
  auto& req = std::get<Request>(read);
  const auto available = LargeJpegs(ctx, 100'000);
  if (available.empty()) {
    return JsonAnswer(404, {{"error", "No hay imágenes disponibles"},
                            {"instructions", "Coloca imágenes .jpg en static/images/"}});
  }
  auto names = Cycle(available, req.count);
  const engine::ProcessOptions engine_options = EngineFor(ctx, r);
  BatchRun seq = RunSequential(ctx.samples, names, req.chain, engine_options);
  BatchRun thr = RunThreaded(ctx.samples, names, req.chain, engine_options, kThreads);
  BatchRun mp = RunParallel(ctx, r, names, req.chain);
  const double n = static_cast<double>(names.size());
  auto safe = [](double s) { return std::max(s, 1e-9); };
  const double thr_speedup = seq.seconds / safe(thr.seconds);
  const double mp_speedup = seq.seconds / safe(mp.seconds);
  std::string winner = "sequential";
  double best = seq.seconds;
  if (thr.seconds < best) winner = "threading", best = thr.seconds;
  if (mp.seconds < best) winner = "multiprocessing";
  Json images_used = Json::array();
  for (const auto& name : names) images_used.push_back((ctx.samples.path() / name).string());
  char date[32];
  std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  std::strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S", &local);
  Ordered j = {{"test_info",
                {{"images_count", names.size()},
                 {"filters", req.filters},
                 {"threading_workers", kThreads},
                 {"mp_workers", mp.parallelism}}},
               {"results",
                {{"sequential",
                  {{"time", Round(seq.seconds, 3)},
                   {"success_count", seq.successes()},
                   {"throughput", Round(n / safe(seq.seconds), 2)}}},
                 {"threading",
                  {{"time", Round(thr.seconds, 3)},
                   {"success_count", thr.successes()},
                   {"throughput", Round(n / safe(thr.seconds), 2)},
                   {"speedup", Round(thr_speedup, 2)}}},
                 {"multiprocessing",
                  {{"time", Round(mp.seconds, 3)},
                   {"success_count", mp.successes()},
                   {"throughput", Round(n / safe(mp.seconds), 2)},
                   {"speedup", Round(mp_speedup, 2)}}}}},
               {"performance",
                {{"winner", winner},
                 {"threading_speedup", Round(thr_speedup, 2)},
                 {"mp_speedup", Round(mp_speedup, 2)},
                 {"threading_improvement", Round((thr_speedup - 1) * 100, 1)},
                 {"mp_improvement", Round((mp_speedup - 1) * 100, 1)},
                 {"recommendation", Recommendation(req.filters, thr_speedup, mp_speedup)}}},
               {"api_info",
                {{"endpoint", "/api/process-batch/compare-all/"},
                 {"test_date", date},
                 {"available_images", available.size()},
                 {"images_used", images_used}}}};
  return JsonAnswer(200, j);
}

HttpResponse Stress(const Context& ctx, const HttpRequest& r) {
  auto read = Read(r, {"heavy_sharpen", "edge_detection", "resize"}, 20, kMaxStressCount);
  if (auto* e = std::get_if<HttpResponse>(&read)) return std::move(*e);
  auto& req = std::get<Request>(read);
  auto names = Cycle(LargeJpegs(ctx, 0), req.count);
  if (names.empty()) {
    return JsonAnswer(404, {{"error", "No hay imágenes disponibles para stress test"}});
  }
  BatchRun run = RunParallel(ctx, r, names, req.chain);
  const int ok = run.successes();
  const double n = static_cast<double>(run.images.size());
  double per_image = 0;
  for (const auto& i : run.images) per_image += i.seconds;
  Ordered j = {{"stress_test_results",
                {{"total_time", Round(run.seconds, 3)},
                 {"images_processed", run.images.size()},
                 {"success_count", ok},
                 {"error_count", static_cast<int>(run.images.size()) - ok},
                 {"success_rate", Fixed(100.0 * ok / n, 1) + "%"},
                 {"throughput", Fixed(n / std::max(run.seconds, 1e-9), 2) + " images/sec"},
                 {"avg_processing_time", Round(per_image / n, 3)}}},
               {"system_info",
                {{"method", "Multiprocessing"},
                 {"workers", run.parallelism},
                 {"filters_applied", req.filters},
                 {"stress_level", req.count > 10 ? "HIGH" : "MEDIUM"}}},
               {"performance_analysis",
                {{"cpu_utilization", "High (multiprocessing)"},
                 {"memory_usage", "Distributed across processes"},
                 {"bottleneck", "CPU for heavy filters, I/O for light filters"}}}};
  return JsonAnswer(200, j);
}

}  // namespace

void AddBenchmarkRoutes(http::Router& router, std::shared_ptr<const Context> ctx) {
  using http::Method;
  struct Entry {
    const char* path;
    const char* summary;
    std::function<HttpResponse(const Context&, const HttpRequest&)> run;
  };
  const Entry entries[] = {
      {"/api/process-batch/sequential/", "the filters over sample images, one thread",
       [](const Context& c, const HttpRequest& r) { return SingleMode(c, r, false); }},
      {"/api/process-batch/threading/", "the filters over sample images, 4 threads",
       [](const Context& c, const HttpRequest& r) { return SingleMode(c, r, true); }},
      {"/api/process-batch/compare/", "one thread against 4 threads, timed", Compare},
      {"/api/process-batch/multiprocessing/", "the filters on the queue's worker processes",
       Multiprocessing},
      {"/api/process-batch/compare-all/", "one thread, 4 threads and the workers, timed",
       CompareAll},
      {"/api/process-batch/stress/", "up to 50 images on the queue's workers", Stress},
  };
  for (const auto& e : entries) {
    auto run = e.run;
    router.Add({.method = Method::kPost,
                .pattern = e.path,
                .handler = [ctx, run](HttpRequest& r) { return run(*ctx, r); },
                .openapi = {{"summary", std::string("Django pipeline: ") + e.summary},
                            {"tags", nlohmann::json::array({"compat"})}}});
  }
}

}  // namespace tessera::api::compat::django
