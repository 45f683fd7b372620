// The Django pipeline's distributed batch: POST /api/process-batch/distributed/ turns a batch
// (sample images named by the server, or uploaded images) into one durable job per image, and
// GET /api/task/{id}/status/ reports it in the seed's task vocabulary. The batch's task id names
// a small record, "compat/django/batches/<task_id>", holding its job ids and request.
#include <algorithm>

#include "api/compat/django/filters.h"
#include "api/compat/django/routes.h"
#include "api/error_status.h"
#include "api/http/multipart.h"
#include "core/ids.h"

namespace tessera::api::compat::django {
namespace {

using http::HttpRequest;
using http::HttpResponse;
using Json = nlohmann::json;

constexpr int64_t kMaxCount = 100;

std::string BatchKey(std::string_view id) { return "compat/django/batches/" + std::string(id); }

struct Image {
  std::string name;  // sample name or uploaded file name
  std::vector<uint8_t> owned;
  std::span<const uint8_t> bytes;
};

struct Batch {
  std::vector<Image> images;
  std::vector<std::string> filters;
  Json filter_params = Json::object();
};

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

std::variant<Batch, HttpResponse> FromMultipart(const HttpRequest& request) {
  auto boundary = http::MultipartBoundary(request.Header("Content-Type"));
  if (!boundary) return Error(400, boundary.error().message);
  auto parts = http::ParseMultipart(request.Body(), *boundary);
  if (!parts) return Error(400, parts.error().message);
  Batch b;
  for (const auto& part : *parts) {
    if (part.name == "images" || part.name == "images[]" || part.name == "image") {
      if (!part.data.empty()) {
        b.images.push_back({.name = part.filename.empty() ? "upload" : part.filename,
                            .owned = {},
                            .bytes = part.data});
      }
    } else if (part.name == "filters" || part.name == "filters[]") {
      AddFilters(part.text(), b.filters);
    } else if (part.name == "filter_params") {
      b.filter_params = Json::parse(part.text(), nullptr, false);
      if (!b.filter_params.is_object()) return Error(400, "filter_params must be a JSON object");
    }
  }
  if (b.images.empty()) return Error(400, "No images provided");
  if (b.filters.empty()) return Error(400, "No filters specified");
  return b;
}

// The seed's JSON body: filters (default ["resize"]), filter_params, count (default 2) images
// cycling through the sample directory, or `images` naming sample files.
std::variant<Batch, HttpResponse> FromJson(const Context& ctx, const HttpRequest& request) {
  Json body = JsonBody(request);
  if (!body.is_object()) return Error(400, "Invalid JSON in request body");
  Batch b;
  b.filters = {"resize"};
  if (body.contains("filters")) {
    if (!body["filters"].is_array()) return Error(400, "filters must be a list of filter names");
    b.filters.clear();
    for (const auto& f : body["filters"]) {
      if (!f.is_string()) return Error(400, "filters must be a list of filter names");
      b.filters.push_back(f.get<std::string>());
    }
  }
  if (b.filters.empty()) return Error(400, "No filters specified");
  if (body.contains("filter_params")) {
    if (!body["filter_params"].is_object()) {
      return Error(400, "filter_params must be a JSON object");
    }
    b.filter_params = body["filter_params"];
  }
  std::vector<std::string> names;
  if (body.contains("images")) {
    if (!body["images"].is_array()) return Error(400, "images must be a list of sample names");
    for (const auto& n : body["images"]) {
      if (!n.is_string()) return Error(400, "images must be a list of sample names");
      names.push_back(n.get<std::string>());
    }
  } else {
    int64_t count = 2;
    if (body.contains("count")) {
      if (!body["count"].is_number_integer()) return Error(400, "count must be an integer");
      count = body["count"].get<int64_t>();
    }
    if (count < 1 || count > kMaxCount) {
      return Error(400, "count must be between 1 and " + std::to_string(kMaxCount));
    }
    names = ctx.samples.Cycle(static_cast<size_t>(count));
    if (names.empty()) {
      return JsonAnswer(
          404, {{"error", "No sample images"}, {"expected_path", ctx.samples.path().string()}});
    }
  }
  if (names.empty()) return Error(400, "No images provided");
  if (static_cast<int64_t>(names.size()) > kMaxCount) {
    return Error(400, "At most " + std::to_string(kMaxCount) + " images per batch");
  }
  for (const auto& n : names) {
    auto bytes = ctx.samples.Read(n, ctx.api.options.max_upload_bytes);
    if (!bytes) return Error(HttpStatusFor(bytes.error().code), bytes.error().message);
    b.images.push_back({.name = (ctx.samples.path() / n).string(), .owned = std::move(*bytes)});
  }
  for (auto& i : b.images) i.bytes = i.owned;
  return b;
}

HttpResponse ProcessBatch(const Context& ctx, HttpRequest& request) {
  const auto start = std::chrono::steady_clock::now();
  auto read = http::IsMultipart(request.Header("Content-Type")) ? FromMultipart(request)
                                                                : FromJson(ctx, request);
  if (auto* e = std::get_if<HttpResponse>(&read)) return std::move(*e);
  Batch& b = std::get<Batch>(read);
  auto chain = ChainFor(b.filters, b.filter_params);
  if (!chain) return Error(400, chain.error().message);
  const auto& api = ctx.api;
  if (auto room = http::CheckQueueDepth(api, static_cast<int64_t>(b.images.size())); !room) {
    auto busy = Error(HttpStatusFor(room.error().code), room.error().message);
    busy.SetHeader("Retry-After", "5");
    return busy;
  }
  Json ids = Json::array();
  Json paths = Json::array();
  for (const auto& image : b.images) {
    jobs::SubmitRequest submit;
    submit.image = image.bytes;
    submit.pipeline = chain->pipeline;
    submit.capabilities = chain->capabilities;
    submit.request_id = request.request_id;
    auto created = api.jobs.Submit(submit);
    if (!created) {
      // All or nothing: the jobs of this batch already queued are cancelled.
      for (const auto& id : ids) (void)api.jobs.Cancel(id.get<std::string>());
      return Error(HttpStatusFor(created.error().code),
                   "Image " + std::to_string(ids.size() + 1) + ": " + created.error().message);
    }
    ids.push_back(created->job.id);
    paths.push_back(image.name);
  }
  const std::string task_id = NewId(ctx.clock);
  const Json record = {{"jobs", ids},
                       {"images", paths},
                       {"filters", b.filters},
                       {"filter_params", b.filter_params},
                       {"pipeline", chain->pipeline},
                       {"created_at", EpochSeconds(ctx.clock.Now())}};
  const std::string text = record.dump();
  if (auto put = api.blobs.Put(BatchKey(task_id),
                               {reinterpret_cast<const uint8_t*>(text.data()), text.size()});
      !put) {
    for (const auto& id : ids) (void)api.jobs.Cancel(id.get<std::string>());
    return Error(500, put.error().message);
  }
  auto live = api.registry.ListLive();
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  Ordered j = {
      {"success", true},
      {"method", "distributed"},
      {"task_id", task_id},
      {"processing_time", Round(elapsed, 3)},
      {"worker_info", {{"active_workers", live ? live->size() : 0}}},
      {"status", "enqueued"},
      // The seed's text, placeholder included.
      {"message", "Task queued successfully - check status with /api/task-status/{task_id}"},
      {"distributed_stats", {{"queue_used", true}, {"fault_tolerant", true}, {"scalable", true}}},
      {"image_count", ids.size()},
      {"filters", b.filters},
      {"job_ids", ids}};
  return JsonAnswer(200, j);
}

HttpResponse TaskStatusRoute(const Context& ctx, HttpRequest& request) {
  const std::string& id = request.path_params["id"];
  auto not_found = [&] {
    return JsonAnswer(404, {{"error", "Task " + id + " not found"},
                            {"suggestion", "Verifique que el task_id sea correcto"}});
  };
  if (!IsWellFormedId(id)) return not_found();
  auto blob = ctx.api.blobs.Get(BatchKey(id), 1 << 20);
  if (!blob) {
    if (blob.error().code == ErrorCode::kNotFound) return not_found();
    return Error(HttpStatusFor(blob.error().code), blob.error().message);
  }
  auto record = Json::parse(blob->begin(), blob->end(), nullptr, false);
  if (!record.is_object() || !record["jobs"].is_array()) return Error(500, "Corrupt task record");
  return TaskStatus(ctx, id, record);
}

}  // namespace

void AddDistributedRoutes(http::Router& router, std::shared_ptr<const Context> ctx) {
  using http::Method;
  router.Add({.method = Method::kPost,
              .pattern = "/api/process-batch/distributed/",
              .handler = [ctx](HttpRequest& r) { return ProcessBatch(*ctx, r); },
              .max_body_bytes = ctx->api.options.max_upload_bytes,
              .max_body_flag = "--max-upload-bytes",
              .openapi = {{"summary",
                           "Django pipeline: queue a batch (JSON over the sample images, or "
                           "multipart images, filters, filter_params)"},
                          {"tags", nlohmann::json::array({"compat"})}}});
  router.Add({.method = Method::kGet,
              .pattern = "/api/task/{id}/status/",
              .handler = [ctx](HttpRequest& r) { return TaskStatusRoute(*ctx, r); },
              .openapi = {{"summary",
                           "Django pipeline: a batch's status (pending, processing, completed, "
                           "failed) with timestamps, result or failure analysis"},
                          {"tags", nlohmann::json::array({"compat"})}}});
}

}  // namespace tessera::api::compat::django
