// Internal to the Django adapter: what its route files share, and one function per group of
// routes (docs/COMPAT.md, "Django distributed pipeline").
#pragma once

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string_view>

#include "api/compat/django/sample_dir.h"
#include "api/http/native_api.h"
#include "api/http/router.h"
#include "core/clock.h"

namespace tessera::api::compat::django {

struct Context {
  const http::NativeApi& api;
  const Clock& clock;
  SampleDir samples;
  // Day-2 "multiprocessing" waits this long for the queue's workers.
  std::chrono::milliseconds queue_timeout{120'000};
};

using Ordered = nlohmann::ordered_json;

// {"error": message} (Django's JsonResponse), with Retry-After on 429 and 503.
http::HttpResponse Error(unsigned status, std::string_view message);
http::HttpResponse JsonAnswer(unsigned status, const Ordered& body);
// Seconds since the Unix epoch, as Python's time.time().
double EpochSeconds(SystemTime t);
double Round(double v, int digits);
// The JSON body, read whatever the Content-Type says (the seed parsed request.body as JSON);
// an empty body is {}. Null when it is not a JSON object.
nlohmann::json JsonBody(const http::HttpRequest& request);

// The status answer of the batch `id` from its stored record ({"jobs","images","filters",
// "filter_params","pipeline","created_at"}).
http::HttpResponse TaskStatus(const Context& ctx, const std::string& id,
                              const nlohmann::json& record);

// /api/, /api/health/, /api/image/info/, /api/image/4k/, /api/image/slow/, /api/stats/,
// /api/metrics/
void AddBasicRoutes(http::Router& router, std::shared_ptr<const Context> ctx);
// /api/process-batch/{sequential,threading,multiprocessing,compare,compare-all,stress}/
void AddBenchmarkRoutes(http::Router& router, std::shared_ptr<const Context> ctx);
// /api/process-batch/distributed/, /api/task/{id}/status/
void AddDistributedRoutes(http::Router& router, std::shared_ptr<const Context> ctx);
// /api/workers/status/
void AddWorkersStatusRoute(http::Router& router, std::shared_ptr<const Context> ctx);
// /static/images/{name}: the sample images, as the seed's development server served them.
void AddStaticRoute(http::Router& router, std::shared_ptr<const Context> ctx);

}  // namespace tessera::api::compat::django
