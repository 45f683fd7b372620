// Django distributed pipeline: a batch of images with a list of filters becomes one durable
// job per image; the batch's task id names a small record ("compat/django/batches/<id>", the
// job ids as JSON) from which the status is aggregated in Celery's state names.
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "api/compat/adapters.h"
#include "api/error_status.h"
#include "core/ids.h"
#include "engine/pipeline.h"
#include "jobs/job_json.h"

namespace tessera::api::compat {
namespace {

using http::HttpRequest;
using http::HttpResponse;
using Json = nlohmann::json;

HttpResponse DjangoError(unsigned status, std::string_view message) {
  auto r = HttpResponse::Json(status, Json{{"error", message}}.dump());
  if (status == 429 || status == 503) r.SetHeader("Retry-After", "1");
  return r;
}

std::string BatchKey(std::string_view id) { return "compat/django/batches/" + std::string(id); }

std::string Number(const Json& params, const char* name, double fallback) {
  double v = fallback;
  if (params.is_object() && params.contains(name) && params[name].is_number()) {
    v = params[name].get<double>();
  } else if (params.is_object() && params.contains(name) && params[name].is_string()) {
    v = std::strtod(params[name].get<std::string>().c_str(), nullptr);
  }
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.6g", v);
  return buf;
}

// One tessera step per seed filter. kBadRequest for a filter the seed did not have.
Result<std::string> StepFor(const std::string& filter, const Json& params) {
  if (filter == "resize") {
    bool w = params.is_object() && params.contains("width");
    bool h = params.is_object() && params.contains("height");
    if (!w && !h) return std::string("resize:w=800,h=600,fit=fill");  // the seed's default
    std::string step = "resize:";
    if (w) step += "w=" + Number(params, "width", 0);
    if (h) step += std::string(w ? "," : "") + "h=" + Number(params, "height", 0);
    // Both sides given: PIL's resize((w, h)) stretches; one side keeps the aspect ratio.
    return step + (w && h ? ",fit=fill" : ",fit=inside") + ",enlarge=true";
  }
  if (filter == "blur") return "blur:sigma=" + Number(params, "radius", 2);
  if (filter == "brightness") return "brightness:factor=" + Number(params, "factor", 1.2);
  if (filter == "sharpen") return "sharpen:amount=" + Number(params, "amount", 1);
  if (filter == "edges") return std::string("edges");
  return Unexpected(MakeError(ErrorCode::kBadRequest,
                              "Unknown filter '" + filter.substr(0, 40) +
                                  "'. Allowed: resize, blur, brightness, sharpen, edges",
                              "filters"));
}

// `filters` as a JSON array, a comma-separated list or repeated fields.
void AddFilters(std::string_view text, std::vector<std::string>& out) {
  auto j = Json::parse(text, nullptr, false);
  if (j.is_array()) {
    for (const auto& f : j) {
      if (f.is_string()) out.push_back(f.get<std::string>());
    }
    return;
  }
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(',', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view f = text.substr(start, end - start);
    while (!f.empty() && f.front() == ' ') f.remove_prefix(1);
    while (!f.empty() && f.back() == ' ') f.remove_suffix(1);
    if (!f.empty()) out.emplace_back(f);
    start = end + 1;
  }
}

HttpResponse ProcessBatch(const http::NativeApi& api, const Clock& clock, HttpRequest& request) {
  std::string_view content_type = request.Header("Content-Type");
  if (!http::IsMultipart(content_type)) {
    return DjangoError(400, "Expected multipart/form-data with images, filters and filter_params");
  }
  auto boundary = http::MultipartBoundary(content_type);
  if (!boundary) return DjangoError(400, boundary.error().message);
  auto parts = http::ParseMultipart(request.Body(), *boundary);
  if (!parts) return DjangoError(400, parts.error().message);
  std::vector<std::span<const uint8_t>> images;
  std::vector<std::string> filters;
  Json params = Json::object();
  for (const auto& part : *parts) {
    if (part.name == "images" || part.name == "images[]" || part.name == "image") {
      if (!part.data.empty()) images.push_back(part.data);
    } else if (part.name == "filters" || part.name == "filters[]") {
      AddFilters(part.text(), filters);
    } else if (part.name == "filter_params") {
      params = Json::parse(part.text(), nullptr, false);
      if (!params.is_object()) return DjangoError(400, "filter_params must be a JSON object");
    }
  }
  if (images.empty()) return DjangoError(400, "No images provided");
  if (filters.empty()) return DjangoError(400, "No filters specified");
  std::string pipeline;
  for (const auto& f : filters) {
    auto step = StepFor(f, params.contains(f) ? params[f] : Json());
    if (!step) return DjangoError(400, step.error().message);
    pipeline += (pipeline.empty() ? "" : ";") + *step;
  }
  if (auto parsed = engine::ParsePipeline(pipeline); !parsed) {
    return DjangoError(400, "Invalid filter_params: " + parsed.error().message);
  }
  if (auto room = http::CheckQueueDepth(api, static_cast<int64_t>(images.size())); !room) {
    auto busy = DjangoError(HttpStatusFor(room.error().code), room.error().message);
    busy.SetHeader("Retry-After", "5");
    return busy;
  }
  Json ids = Json::array();
  for (auto image : images) {
    jobs::SubmitRequest submit;
    submit.image = image;
    submit.pipeline = pipeline;
    submit.request_id = request.request_id;
    auto created = api.jobs.Submit(submit);
    if (!created) {
      // All or nothing: the jobs of this batch already queued are cancelled.
      for (const auto& id : ids) (void)api.jobs.Cancel(id.get<std::string>());
      return DjangoError(
          HttpStatusFor(created.error().code),
          "Image " + std::to_string(ids.size() + 1) + ": " + created.error().message);
    }
    ids.push_back(created->job.id);
  }
  const std::string task_id = NewId(clock);
  std::string record = Json{{"jobs", ids}, {"filters", filters}, {"pipeline", pipeline}}.dump();
  if (auto put = api.blobs.Put(BatchKey(task_id),
                               {reinterpret_cast<const uint8_t*>(record.data()), record.size()});
      !put) {
    for (const auto& id : ids) (void)api.jobs.Cancel(id.get<std::string>());
    return DjangoError(500, put.error().message);
  }
  nlohmann::ordered_json j = {{"task_id", task_id},
                              {"status", "PENDING"},
                              {"message", "Batch processing started"},
                              {"image_count", images.size()},
                              {"filters", filters},
                              {"job_ids", ids}};
  return HttpResponse::Json(202, j.dump());
}

HttpResponse TaskStatus(const http::NativeApi& api, HttpRequest& request) {
  const std::string& id = request.path_params["id"];
  if (!IsWellFormedId(id)) return DjangoError(404, "Task not found");
  auto blob = api.blobs.Get(BatchKey(id), 1 << 20);
  if (!blob) {
    if (blob.error().code == ErrorCode::kNotFound) return DjangoError(404, "Task not found");
    return DjangoError(HttpStatusFor(blob.error().code), blob.error().message);
  }
  auto record = Json::parse(blob->begin(), blob->end(), nullptr, false);
  if (!record.is_object() || !record["jobs"].is_array())
    return DjangoError(500, "Corrupt task record");
  int total = 0, succeeded = 0, failed = 0, queued = 0, retrying = 0;
  std::string failure_type, failure_reason;
  nlohmann::ordered_json results = nlohmann::ordered_json::array();
  for (const auto& jid : record["jobs"]) {
    ++total;
    auto st = api.jobs.Get(jid.get<std::string>());
    if (!st) return DjangoError(HttpStatusFor(st.error().code), st.error().message);
    const queue::JobRecord& job = st->job;
    nlohmann::ordered_json r = {{"job_id", job.id}, {"state", queue::JobStateName(job.state)}};
    switch (job.state) {
      case queue::JobState::kSucceeded:
        ++succeeded;
        r["result_url"] = "/v1/jobs/" + job.id + "/result";
        break;
      case queue::JobState::kDead:
      case queue::JobState::kCancelled:
        ++failed;
        if (failure_type.empty()) {
          failure_type = job.state == queue::JobState::kCancelled ? "cancelled" : job.error_code;
          failure_reason = job.state == queue::JobState::kCancelled && job.error_message.empty()
                               ? "the job was cancelled"
                               : job.error_message;
        }
        r["error"] = job.error_message;
        break;
      case queue::JobState::kQueued: ++queued; break;
      case queue::JobState::kFailedRetrying: ++retrying; break;
      case queue::JobState::kRunning: break;
    }
    results.push_back(std::move(r));
  }
  std::string status;
  if (succeeded == total) {
    status = "SUCCESS";
  } else if (succeeded + failed == total) {
    status = "FAILURE";
  } else if (queued == total) {
    status = "PENDING";
  } else if (retrying > 0) {
    status = "RETRY";
  } else {
    status = "STARTED";
  }
  nlohmann::ordered_json j = {
      {"task_id", id},
      {"status", status},
      {"progress", {{"completed", succeeded}, {"failed", failed}, {"total", total}}},
      {"results", results}};
  if (status == "FAILURE") {
    j["failure_type"] = failure_type;
    j["failure_reason"] = failure_reason;
  }
  return HttpResponse::Json(200, j.dump());
}

HttpResponse WorkersStatus(const http::NativeApi& api) {
  auto live = api.registry.ListLive();
  if (!live) return DjangoError(HttpStatusFor(live.error().code), live.error().message);
  auto stats = api.queue.Stats();
  if (!stats) return DjangoError(HttpStatusFor(stats.error().code), stats.error().message);
  auto counts = api.job_store.CountByState();
  if (!counts) return DjangoError(HttpStatusFor(counts.error().code), counts.error().message);
  auto stats_json = Json::parse(jobs::QueueStatsToJson(*stats, *counts));
  nlohmann::ordered_json j = {{"workers", Json::parse(jobs::WorkersToJson(*live))},
                              {"total_workers", live->size()},
                              {"queue", stats_json["queue"]},
                              {"jobs", stats_json["jobs"]}};
  return HttpResponse::Json(200, j.dump());
}

}  // namespace

void AddDjangoRoutes(http::Router& router, const http::NativeApi& api, const Clock& clock) {
  using http::bhttp::verb;
  router.Add(
      {.method = verb::get,
       .pattern = "/api/health/",
       .handler = [](HttpRequest&) { return HttpResponse::Json(200, R"({"status":"healthy"})"); },
       .blocking = false,
       .needs_key = false,
       .openapi = {{"summary", "Django pipeline: liveness"},
                   {"tags", nlohmann::json::array({"compat"})}}});
  router.Add({.method = verb::post,
              .pattern = "/api/process-batch/distributed/",
              .handler = [&api, &clock](HttpRequest& r) { return ProcessBatch(api, clock, r); },
              .max_body_bytes = api.options.max_upload_bytes,
              .openapi = {{"summary",
                           "Django pipeline: queue a batch (images, filters, "
                           "filter_params)"},
                          {"tags", nlohmann::json::array({"compat"})}}});
  router.Add({.method = verb::get,
              .pattern = "/api/task/{id}/status/",
              .handler = [&api](HttpRequest& r) { return TaskStatus(api, r); },
              .openapi = {{"summary", "Django pipeline: a batch's state (Celery state names)"},
                          {"tags", nlohmann::json::array({"compat"})}}});
  router.Add({.method = verb::get,
              .pattern = "/api/workers/status/",
              .handler = [&api](HttpRequest&) { return WorkersStatus(api); },
              .openapi = {{"summary",
                           "Django pipeline: workers, capabilities, heartbeats and "
                           "queue statistics"},
                          {"tags", nlohmann::json::array({"compat"})}}});
}

}  // namespace tessera::api::compat
