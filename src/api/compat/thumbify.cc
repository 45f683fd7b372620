// Thumbify: uploads become durable thumbnail jobs; status, listing and the thumbnail by name.
//
// Thumbify kept `thumb_<client file name>` on disk, so a file name like "../../x" escaped its
// directory. Here a client's file name is only ever a lookup key: its base name, hex-encoded,
// names a small blob holding the job id ("compat/thumbify/names/<hex>"), and the thumbnail is
// that job's result.
#include <cctype>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "api/compat/adapters.h"
#include "api/error_status.h"
#include "core/ids.h"
#include "engine/format_sniff.h"
#include "engine/image.h"

namespace tessera::api::compat {
namespace {

using http::HttpRequest;
using http::HttpResponse;

// The thumbnail every upload gets (Thumbify's own size is not published; see docs/COMPAT.md).
constexpr std::string_view kThumbPipeline = "thumbnail:w=128,h=128";
constexpr size_t kMaxNameBytes = 100;  // hex doubles it; a blob key segment takes 200

std::string BaseName(std::string_view name) {
  size_t slash = name.find_last_of("/\\");
  if (slash != std::string_view::npos) name.remove_prefix(slash + 1);
  return std::string(name);
}

std::string NameKey(std::string_view name) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string key = "compat/thumbify/names/";
  for (unsigned char c : name) {
    key += kHex[c >> 4];
    key += kHex[c & 15];
  }
  return key;
}

bool EndsWithAny(std::string name) {
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (std::string_view ext : {".png", ".jpg", ".jpeg", ".gif"}) {
    if (name.size() >= ext.size() && name.compare(name.size() - ext.size(), ext.size(), ext) == 0)
      return true;
  }
  return false;
}

// Thumbify's four states.
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

HttpResponse JobStatus(const http::NativeApi& api, HttpRequest& request) {
  const std::string& id = request.path_params["id"];
  if (!IsWellFormedId(id)) return FastApiDetail(404, "Job not found");
  auto status = api.jobs.Get(id);
  if (!status) {
    if (status.error().code == ErrorCode::kNotFound) return FastApiDetail(404, "Job not found");
    return FastApiDetail(HttpStatusFor(status.error().code), status.error().message);
  }
  nlohmann::ordered_json j = {{"job_id", id}, {"status", StatusName(status->job.state)}};
  return HttpResponse::Json(200, j.dump());
}

HttpResponse AllJobs(const http::NativeApi& api, HttpRequest& request) {
  size_t limit = 50;
  if (const std::string* s = request.Query("limit")) {
    char* end = nullptr;
    long v = std::strtol(s->c_str(), &end, 10);
    if (s->empty() || *end != '\0' || v < 1 || v > 1000) {
      return FastApiDetail(400, "limit must be an integer from 1 to 1000");
    }
    limit = static_cast<size_t>(v);
  }
  std::string cursor;
  if (const std::string* c = request.Query("cursor")) cursor = *c;
  auto page = api.jobs.List(std::nullopt, limit, cursor);
  if (!page) return FastApiDetail(HttpStatusFor(page.error().code), page.error().message);
  nlohmann::ordered_json jobs = nlohmann::ordered_json::array();
  for (const auto& job : page->jobs) {
    jobs.push_back({{"job_id", job.id}, {"status", StatusName(job.state)}});
  }
  nlohmann::ordered_json j = {{"jobs", jobs}, {"next_cursor", page->next_cursor}};
  return HttpResponse::Json(200, j.dump());
}

HttpResponse Thumb(const http::NativeApi& api, HttpRequest& request) {
  std::string_view file = request.path_params["name"];
  constexpr std::string_view kPrefix = "thumb_";
  if (file.substr(0, kPrefix.size()) != kPrefix || file.size() == kPrefix.size() ||
      file.size() - kPrefix.size() > kMaxNameBytes) {
    return FastApiDetail(404, "Thumbnail not found");
  }
  auto id = api.blobs.Get(NameKey(file.substr(kPrefix.size())), 64);
  if (!id) return FastApiDetail(404, "Thumbnail not found");
  auto bytes = api.jobs.ResultBytes(std::string(id->begin(), id->end()));
  if (!bytes) return FastApiDetail(404, "Thumbnail not found");
  auto format = engine::SniffFormat(*bytes);
  std::string type =
      format ? std::string(engine::FormatMimeType(*format)) : "application/octet-stream";
  return HttpResponse::Bytes(200, std::move(type), std::move(*bytes));
}

}  // namespace

HttpResponse ThumbifyUpload(const http::NativeApi& api, const HttpRequest& request,
                            const http::MultipartPart& file) {
  const std::string name = BaseName(file.filename);
  if (!EndsWithAny(name)) return FastApiDetail(400, "Invalid file extension");
  if (name.size() > kMaxNameBytes) return FastApiDetail(400, "File name too long");
  auto format = engine::SniffFormat(file.data);
  if (!format || (*format != engine::Format::kPng && *format != engine::Format::kJpeg &&
                  *format != engine::Format::kGif)) {
    return FastApiDetail(400, "Invalid image content");
  }
  if (auto room = http::CheckQueueDepth(api); !room) {
    auto busy = FastApiDetail(HttpStatusFor(room.error().code), room.error().message);
    busy.SetHeader("Retry-After", "5");
    return busy;
  }
  jobs::SubmitRequest submit;
  submit.image = file.data;
  submit.pipeline = std::string(kThumbPipeline);
  submit.request_id = request.request_id;
  auto created = api.jobs.Submit(submit);
  if (!created) {
    return FastApiDetail(HttpStatusFor(created.error().code), created.error().message);
  }
  const std::string& id = created->job.id;
  auto put = api.blobs.Put(NameKey(name), {reinterpret_cast<const uint8_t*>(id.data()), id.size()});
  if (!put) return FastApiDetail(500, "Error saving file: " + put.error().message);
  nlohmann::ordered_json j = {{"message", "File uploaded successfully"}, {"job_id", id}};
  return HttpResponse::Json(200, j.dump());
}

void AddThumbifyRoutes(http::Router& router, const http::NativeApi& api) {
  using http::bhttp::verb;
  router.Add({.method = verb::get,
              .pattern = "/job/status/{id}",
              .handler = [&api](HttpRequest& r) { return JobStatus(api, r); },
              .openapi = {{"summary",
                           "Thumbify: a job's status (pending, processing, "
                           "succeeded, failed)"},
                          {"tags", nlohmann::json::array({"compat"})}}});
  router.Add({.method = verb::get,
              .pattern = "/job/all",
              .handler = [&api](HttpRequest& r) { return AllJobs(api, r); },
              .openapi = {{"summary", "Thumbify: every job, a page at a time (limit, cursor)"},
                          {"tags", nlohmann::json::array({"compat"})}}});
  router.Add({.method = verb::get,
              .pattern = "/thumb/{name}",
              .handler = [&api](HttpRequest& r) { return Thumb(api, r); },
              .openapi = {{"summary",
                           "Thumbify: the thumbnail of an uploaded file, "
                           "/thumb/thumb_<file name>"},
                          {"tags", nlohmann::json::array({"compat"})}}});
}

}  // namespace tessera::api::compat
