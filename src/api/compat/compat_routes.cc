// Profile selection and the paths seeds share: POST /upload (Thumbify's part `file`, tutti's
// part `image`: the part name picks the adapter) and GET /health (Thumbify, tutti and the
// ImageFlowCanvas gateway).
#include "api/compat/compat_routes.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "api/compat/adapters.h"
#include "api/compat/thumbify/thumbify_bucket.h"
#include "api/compat/thumbify/thumbify_routes.h"
#include "api/compat/tutti/tutti_upload.h"
#include "api/http/multipart.h"

namespace tessera::api::compat {
namespace {

using http::HttpRequest;
using http::HttpResponse;

struct UploadTargets {
  const http::NativeApi& api;
  const Clock& clock;
  std::shared_ptr<thumbify::ThumbifyJobs> thumbify;  // null: Thumbify off
  tutti::TuttiWorkers* tutti;                        // null: tutti off
};

// One handler for POST /upload: the first part named `file` goes to Thumbify, else the first
// named `image` goes to tutti (each only when enabled); with neither, the answer is Thumbify's
// when it is on, else tutti's.
HttpResponse Upload(const UploadTargets& to, HttpRequest& request) {
  const auto parts = MultipartParts(request);
  if (to.thumbify) {
    if (const auto* file = FindPart(parts, "file")) {
      return thumbify::Upload(to.api, *to.thumbify, to.clock, request, *file);
    }
  }
  if (to.tutti) {
    const auto* image = FindPart(parts, "image");
    if (image != nullptr || !to.thumbify) return tutti::Upload(*to.tutti, request, image);
  }
  return PydanticV2Missing("body", "file");
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

void CompatBackground::Stop() {
  if (thumbify_bucket) thumbify_bucket->Stop();
}

CompatBackground::~CompatBackground() { Stop(); }

std::unique_ptr<CompatBackground> AddCompatRoutes(http::Router& router, const http::NativeApi& api,
                                                  const CompatProfiles& profiles,
                                                  const Clock& clock,
                                                  const CompatSettings& settings,
                                                  tutti::TuttiWorkers* tutti) {
  auto background = std::make_unique<CompatBackground>();
  using http::Method;
  auto tagged = [](std::string summary) {
    return nlohmann::json{{"summary", std::move(summary)},
                          {"tags", nlohmann::json::array({"compat"})}};
  };
  std::shared_ptr<thumbify::ThumbifyJobs> thumbify_jobs;
  if (profiles.thumbify) thumbify_jobs = std::make_shared<thumbify::ThumbifyJobs>(api.blobs);
  if (profiles.tutti && tutti == nullptr) std::abort();  // the caller builds the workers
  if (!profiles.tutti) tutti = nullptr;

  if (profiles.thumbify || profiles.tutti) {
    UploadTargets targets{api, clock, thumbify_jobs, tutti};
    // tutti alone refuses a declared length over its limit before reading the body, in its
    // own words; with Thumbify too the part decides, so the body is read first.
    const bool tutti_only = !profiles.thumbify;
    std::string who = profiles.thumbify && profiles.tutti ? "Thumbify (part `file`) or tutti "
                                                            "(part `image`)"
                      : profiles.thumbify                 ? "Thumbify (part `file`)"
                                                          : "tutti (part `image`)";
    router.Add({.method = Method::kPost,
                .pattern = "/upload",
                .handler = [targets](HttpRequest& r) { return Upload(targets, r); },
                .max_body_bytes = tutti_only ? tutti::kMaxBodyBytes
                                             : std::max<uint64_t>(api.options.max_upload_bytes,
                                                                  tutti::kMaxBodyBytes),
                .openapi = tagged("Compatibility upload: " + who),
                .error_response = tutti_only ? tutti::ServerError : thumbify::ServerError});
    if (tutti_only) {
      // tutti's handler refused other methods itself, in plain text.
      router.Add({.method = Method::kGet,
                  .pattern = "/upload",
                  .handler =
                      [](HttpRequest&) {
                        std::string text = "Method not allowed.\n";
                        auto r =
                            HttpResponse::Bytes(405, "text/plain; charset=utf-8",
                                                std::vector<uint8_t>(text.begin(), text.end()));
                        r.SetHeader("X-Content-Type-Options", "nosniff");
                        return r;
                      },
                  .blocking = false,
                  .openapi = tagged("tutti: 405 for anything but POST")});
    }
  }
  if (profiles.thumbify) {
    UploadTargets targets{api, clock, thumbify_jobs, nullptr};
    router.Add({.method = Method::kPost,
                .pattern = "/upload/",
                .handler = [targets](HttpRequest& r) { return Upload(targets, r); },
                .max_body_bytes = api.options.max_upload_bytes,
                .max_body_flag = "--max-upload-bytes",
                .openapi = tagged("Thumbify upload (part `file`)"),
                .error_response = thumbify::ServerError});
    if (settings.thumbify_bucket != nullptr) {
      background->thumbify_bucket = std::make_shared<thumbify::ThumbifyBucket>(
          api, thumbify_jobs, clock, *settings.thumbify_bucket, "thumbifybucket");
      thumbify::AddBucketRoutes(router, api, background->thumbify_bucket);
      background->thumbify_bucket->Start();
    }
    thumbify::AddRoutes(router, api, thumbify_jobs, background->thumbify_bucket);
  }
  if (profiles.thumbify || profiles.imageflow || profiles.tutti) {
    // One path, three answers: the gateway's when it is on, else Thumbify's, else tutti's
    // empty 200.
    HttpResponse health;
    if (profiles.imageflow) {
      health = HttpResponse::Json(200, R"({"status":"healthy","service":"grpc-gateway"})");
    } else if (profiles.thumbify) {
      health = thumbify::Health();
    } else {
      health = HttpResponse::Bytes(200, "", {});
    }
    router.Add({.method = Method::kGet,
                .pattern = "/health",
                .handler = [health](HttpRequest&) { return health; },
                .blocking = false,
                .needs_key = false,
                .openapi = tagged("Compatibility liveness (Thumbify, tutti, ImageFlowCanvas)")});
  }
  if (profiles.django) AddDjangoRoutes(router, api, clock, settings.django_sample_dir);
  if (profiles.imageflow) {
    AddImageFlowRoutes(
        router, api, clock,
        settings.imageflow_objects != nullptr ? *settings.imageflow_objects : api.blobs);
  }
  return background;
}

}  // namespace tessera::api::compat
