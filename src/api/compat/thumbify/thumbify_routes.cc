// Thumbify's routes over the JobService and ThumbifyJobs. Thumbify kept every upload and its
// `thumb_<name>` in one directory and served any file of it by name; here both are looked up by
// name through ThumbifyJobs, so a name never becomes a path.
#include "api/compat/thumbify/thumbify_routes.h"

#include <netdb.h>
#include <unistd.h>

#include <cctype>
#include <nlohmann/json.hpp>

#include "api/compat/adapters.h"
#include "api/compat/thumbify/thumbify_bucket.h"
#include "api/error_status.h"
#include "core/ids.h"

namespace tessera::api::compat::thumbify {
namespace {

using http::HttpRequest;
using http::HttpResponse;

constexpr size_t kMaxNameBytes = 100;  // hex doubles it; a blob key segment takes 200
constexpr std::string_view kThumbPrefix = "thumb_";

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string BaseName(std::string_view name) {
  size_t slash = name.find_last_of("/\\");
  if (slash != std::string_view::npos) name.remove_prefix(slash + 1);
  return std::string(name);
}

bool HasImageExtension(std::string_view name) {
  const std::string lower = Lower(name);
  for (std::string_view ext : {".png", ".jpg", ".jpeg", ".gif"}) {
    if (EndsWith(lower, ext)) return true;
  }
  return false;
}

// The Content-Type Thumbify's file responses had: guessed from the name's extension.
std::string TypeForName(std::string_view name) {
  const std::string lower = Lower(name);
  if (EndsWith(lower, ".png")) return "image/png";
  if (EndsWith(lower, ".gif")) return "image/gif";
  if (EndsWith(lower, ".jpg") || EndsWith(lower, ".jpeg")) return "image/jpeg";
  return "text/plain; charset=utf-8";
}

HttpResponse JsonValue(unsigned status, const nlohmann::ordered_json& j) {
  return HttpResponse::Json(status, j.dump());
}

std::string_view StatusName(queue::JobState s) {
  switch (s) {
    case queue::JobState::kQueued: return "pending";
    case queue::JobState::kRunning:
    case queue::JobState::kFailedRetrying: return "processing";
    case queue::JobState::kSucceeded: return "succeeded";
    case queue::JobState::kDead:
    case queue::JobState::kCancelled: return "failed";
  }
  return "failed";
}

// Thumbify read the status field of its Redis hash: null for an id it never issued.
// A bucket upload is "succeeded" only once its thumbnail is in the bucket.
HttpResponse JobStatus(const http::NativeApi& api, ThumbifyJobs& jobs, ThumbifyBucket* bucket,
                       HttpRequest& request) {
  const std::string& id = request.path_params["id"];
  nlohmann::ordered_json answer = {{"job_id", id}, {"status", nullptr}};
  if (!IsWellFormedId(id)) return JsonValue(200, answer);
  auto record = jobs.Find(id);
  if (!record) {
    if (record.error().code == ErrorCode::kNotFound) return JsonValue(200, answer);
    return FastApiDetail(HttpStatusFor(record.error().code), record.error().message);
  }
  if (!record->error.empty()) {
    answer["status"] = "failed";
    return JsonValue(200, answer);
  }
  auto status = api.jobs.Get(id);
  if (!status) {
    if (status.error().code == ErrorCode::kNotFound) return JsonValue(200, answer);
    return FastApiDetail(HttpStatusFor(status.error().code), status.error().message);
  }
  answer["status"] = StatusName(status->job.state);
  if (record->in_bucket && status->job.state == queue::JobState::kSucceeded &&
      (bucket == nullptr || !bucket->Published(id))) {
    answer["status"] = "processing";
  }
  return JsonValue(200, answer);
}

HttpResponse AllJobs(ThumbifyJobs& jobs) {
  auto all = jobs.All();
  if (!all) return FastApiDetail(HttpStatusFor(all.error().code), all.error().message);
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const auto& [id, filename] : *all) {
    list.push_back({{"job_id", id}, {"filename", filename}});
  }
  return JsonValue(200, list);
}

HttpResponse FileNotFound() { return JsonValue(404, {{"error", "File not found"}}); }

// GET /thumb/{filename}: "thumb_<name>" is the thumbnail of the latest upload named <name>
// once its job succeeded; "<name>" is that upload itself.
HttpResponse Thumb(const http::NativeApi& api, ThumbifyJobs& jobs, HttpRequest& request) {
  const std::string& file = request.path_params["filename"];
  if (file.size() > kThumbPrefix.size() &&
      file.compare(0, kThumbPrefix.size(), kThumbPrefix) == 0) {
    if (auto id = jobs.LatestNamed(std::string_view(file).substr(kThumbPrefix.size())); id) {
      if (auto bytes = api.jobs.ResultBytes(*id); bytes) {
        return HttpResponse::Bytes(200, TypeForName(file), std::move(*bytes));
      }
    }
  }
  auto id = jobs.LatestNamed(file);
  if (!id) return FileNotFound();
  auto record = jobs.Find(*id);
  if (!record) return FileNotFound();
  auto bytes = api.blobs.Get(record->input_key);
  if (!bytes) return FileNotFound();
  return HttpResponse::Bytes(200, TypeForName(file), std::move(*bytes));
}

// Thumbify answered this route with a 500 on purpose; its clients see the same.
HttpResponse Details() {
  char host[256] = {};
  gethostname(host, sizeof(host) - 1);
  std::string ip;
  addrinfo hints{};
  hints.ai_family = AF_INET;
  addrinfo* found = nullptr;
  if (getaddrinfo(host, nullptr, &hints, &found) == 0 && found != nullptr) {
    char text[NI_MAXHOST] = {};
    if (getnameinfo(found->ai_addr, found->ai_addrlen, text, sizeof(text), nullptr, 0,
                    NI_NUMERICHOST) == 0) {
      ip = text;
    }
    freeaddrinfo(found);
  }
  return JsonValue(500, {{"hostname", host}, {"host_ip", ip}});
}

nlohmann::json Tagged(std::string summary) {
  return {{"summary", std::move(summary)}, {"tags", nlohmann::json::array({"compat"})}};
}

}  // namespace

bool RefusesImage(ErrorCode code) {
  return code == ErrorCode::kUnsupportedMedia || code == ErrorCode::kCorruptImage ||
         code == ErrorCode::kTooManyPixels || code == ErrorCode::kTooLarge;
}

std::string ThumbPipeline(std::string_view name) {
  const std::string lower = Lower(name);
  std::string_view type = EndsWith(lower, ".png")   ? "png"
                          : EndsWith(lower, ".gif") ? "gif"
                                                    : "jpeg,q=75";
  return "resize:w=100,h=100,fit=fill,kernel=nearest,enlarge=true;format:type=" + std::string(type);
}

HttpResponse Health() { return HttpResponse::Json(200, R"("API Running")"); }

HttpResponse ServerError(const Error& error, HttpResponse native) {
  auto r = FastApiDetail(native.status, error.message);
  for (auto& [name, value] : native.headers) r.SetHeader(name, value);
  return r;
}

HttpResponse Upload(const http::NativeApi& api, ThumbifyJobs& jobs, const Clock& clock,
                    const HttpRequest& request, const http::MultipartPart& file) {
  if (!HasImageExtension(file.filename)) return FastApiDetail(400, "Invalid file extension");
  const std::string name = BaseName(file.filename);
  if (name.size() > kMaxNameBytes) return FastApiDetail(400, "File name too long");
  if (auto room = http::CheckQueueDepth(api); !room) {
    auto busy = FastApiDetail(HttpStatusFor(room.error().code), room.error().message);
    busy.SetHeader("Retry-After", "5");
    return busy;
  }
  jobs::SubmitRequest submit;
  submit.image = file.data;
  submit.pipeline = ThumbPipeline(name);
  submit.request_id = request.request_id;
  std::string id;
  UploadRecord record{.filename = file.filename};
  if (auto created = api.jobs.Submit(submit); created) {
    id = created->job.id;
    record.input_key = created->job.input_key;
  } else if (RefusesImage(created.error().code)) {
    id = NewId(clock);
    record.input_key = "compat/thumbify/uploads/" + id;
    record.error = created.error().ToString();
    if (auto put = api.blobs.Put(record.input_key, file.data); !put) {
      return FastApiDetail(500, "Error saving file: " + put.error().message);
    }
  } else {
    return FastApiDetail(HttpStatusFor(created.error().code), created.error().message);
  }
  if (auto added = jobs.Add(id, name, record); !added) {
    return JsonValue(500, {{"message", "Fail sending job to queue."}});
  }
  return JsonValue(200, {{"message", "File uploaded successfully"}, {"job_id", id}});
}

void AddRoutes(http::Router& router, const http::NativeApi& api, std::shared_ptr<ThumbifyJobs> jobs,
               std::shared_ptr<ThumbifyBucket> bucket) {
  using http::Method;
  auto add = [&router](Method method, std::string pattern, http::Handler handler,
                       std::string summary, bool blocking = true, bool needs_key = true) {
    router.Add({.method = method,
                .pattern = std::move(pattern),
                .handler = std::move(handler),
                .blocking = blocking,
                .needs_key = needs_key,
                .openapi = Tagged(std::move(summary)),
                .error_response = ServerError});
  };
  add(
      Method::kGet, "/job/status/{id}",
      [&api, jobs, bucket](HttpRequest& r) { return JobStatus(api, *jobs, bucket.get(), r); },
      "Thumbify: a job's status (pending, processing, succeeded, failed; null if unknown)");
  add(
      Method::kGet, "/job/all", [jobs](HttpRequest&) { return AllJobs(*jobs); },
      "Thumbify: every upload as {job_id, filename}");
  add(
      Method::kGet, "/thumb/{filename}",
      [&api, jobs](HttpRequest& r) { return Thumb(api, *jobs, r); },
      "Thumbify: an uploaded file by name, or its thumbnail as thumb_<name>");
  add(
      Method::kGet, "/health/details", [](HttpRequest&) { return Details(); },
      "Thumbify: host name and address (answered with status 500, as Thumbify did)", true, false);
  add(
      Method::kGet, "/health/send_report",
      [](HttpRequest&) { return HttpResponse::Json(200, R"("Errors logs sended.")"); },
      "Thumbify: error report (a fixed answer, as Thumbify's)", false, false);
  add(
      Method::kGet, "/docs", [](HttpRequest&) { return DocsPage(); },
      "Thumbify: the API documentation page (lists /openapi.json)", false, false);
  // FastAPI's second documentation route; the same self-contained page.
  add(
      Method::kGet, "/redoc", [](HttpRequest&) { return DocsPage(); },
      "Thumbify: the API documentation page, at FastAPI's ReDoc path", false, false);
}

}  // namespace tessera::api::compat::thumbify
