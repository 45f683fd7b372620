// Profile selection and the paths two seeds share: POST /upload (Thumbify's part `file`,
// tutti's part `image`: the part name picks the adapter) and GET /health (Thumbify and the
// ImageFlowCanvas gateway).
#include "api/compat/compat_routes.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "api/compat/adapters.h"
#include "api/http/multipart.h"

namespace tessera::api::compat {
namespace {

using http::HttpRequest;
using http::HttpResponse;

HttpResponse TuttiError(unsigned status, std::string_view message) {
  return HttpResponse::Json(status, nlohmann::json{{"error", message}}.dump());
}

// One handler for POST /upload: the first part named `file` goes to Thumbify, else the first
// named `image` goes to tutti (each only when enabled).
HttpResponse Upload(const http::NativeApi& api, const CompatProfiles& profiles,
                    HttpRequest& request) {
  std::vector<http::MultipartPart> parts;
  std::string_view content_type = request.Header("Content-Type");
  if (http::IsMultipart(content_type)) {
    auto boundary = http::MultipartBoundary(content_type);
    if (boundary) {
      auto parsed = http::ParseMultipart(request.Body(), *boundary);
      if (parsed) parts = std::move(*parsed);
    }
  }
  auto find = [&](std::string_view name) -> const http::MultipartPart* {
    auto it = std::find_if(parts.begin(), parts.end(),
                           [&](const http::MultipartPart& p) { return p.name == name; });
    return it == parts.end() ? nullptr : &*it;
  };
  if (profiles.thumbify) {
    if (const auto* file = find("file")) return ThumbifyUpload(api, request, *file);
  }
  if (profiles.tutti) {
    if (const auto* image = find("image")) return TuttiUpload(api, request, *image);
  }
  // Neither part: answer in the shape of the profile that owns the route first.
  if (profiles.thumbify) return FastApiMissing("body", "file");
  if (request.Body().size() > kTuttiMaxBodyBytes) {
    return TuttiError(413, "Image size exceeded - 8192 kB.");
  }
  return TuttiError(400, "Missing form field - image.");
}

}  // namespace

Result<CompatProfiles> ParseCompatProfiles(std::string_view list) {
  CompatProfiles p;
  size_t start = 0;
  while (start <= list.size()) {
    size_t end = list.find(',', start);
    if (end == std::string_view::npos) end = list.size();
    std::string_view name = list.substr(start, end - start);
    while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
    while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
    if (name == "thumbify") {
      p.thumbify = true;
    } else if (name == "tutti") {
      p.tutti = true;
    } else if (name == "django") {
      p.django = true;
    } else if (name == "imageflow") {
      p.imageflow = true;
    } else if (name == "all") {
      p = {true, true, true, true};
    } else if (!name.empty() && name != "none") {
      return Unexpected(MakeError(ErrorCode::kBadRequest,
                                  "unknown compat profile '" + std::string(name) +
                                      "' (allowed: thumbify, tutti, django, imageflow, all, none)",
                                  "compat"));
    }
    start = end + 1;
  }
  return p;
}

void AddCompatRoutes(http::Router& router, const http::NativeApi& api,
                     const CompatProfiles& profiles, const Clock& clock,
                     const CompatSettings& settings) {
  using http::bhttp::verb;
  if (profiles.thumbify || profiles.tutti) {
    const uint64_t limit = std::max<uint64_t>(api.options.max_upload_bytes, kTuttiMaxBodyBytes);
    std::string who = profiles.thumbify && profiles.tutti ? "Thumbify (part `file`) or tutti "
                                                            "(part `image`)"
                      : profiles.thumbify                 ? "Thumbify (part `file`)"
                                                          : "tutti (part `image`)";
    router.Add({.method = verb::post,
                .pattern = "/upload",
                .handler = [&api, profiles](HttpRequest& r) { return Upload(api, profiles, r); },
                .max_body_bytes = limit,
                .openapi = {{"summary", "Compatibility upload: " + who},
                            {"tags", nlohmann::json::array({"compat"})}}});
  }
  if (profiles.thumbify) {
    router.Add({.method = verb::post,
                .pattern = "/upload/",
                .handler =
                    [&api](HttpRequest& r) {
                      CompatProfiles only;
                      only.thumbify = true;
                      return Upload(api, only, r);
                    },
                .max_body_bytes = api.options.max_upload_bytes,
                .openapi = {{"summary", "Thumbify upload (part `file`)"},
                            {"tags", nlohmann::json::array({"compat"})}}});
    AddThumbifyRoutes(router, api);
  }
  if (profiles.thumbify || profiles.imageflow) {
    // The gateway's answer when it is enabled (Thumbify clients only look at the status).
    std::string body = profiles.imageflow ? R"({"status":"healthy","service":"grpc-gateway"})"
                                          : R"({"status":"healthy"})";
    router.Add({.method = verb::get,
                .pattern = "/health",
                .handler = [body](HttpRequest&) { return HttpResponse::Json(200, body); },
                .blocking = false,
                .needs_key = false,
                .openapi = {{"summary", "Compatibility liveness (Thumbify, ImageFlowCanvas)"},
                            {"tags", nlohmann::json::array({"compat"})}}});
  }
  if (profiles.django) AddDjangoRoutes(router, api, clock, settings.django_sample_dir);
  if (profiles.imageflow) AddImageFlowRoutes(router, api, clock);
}

}  // namespace tessera::api::compat
