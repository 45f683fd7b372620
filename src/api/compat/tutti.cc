// tutti upload service: a JPEG is rescaled to at most 1920 px wide while the client waits, and
// stored as "tutti/<uuid>.jpg". tutti's "no worker within 100 ms" is the SyncProcessor's slot
// wait (--sync-wait-ms, 100 by default).
#include <cstdio>
#include <nlohmann/json.hpp>
#include <random>

#include "api/compat/adapters.h"
#include "api/error_status.h"
#include "engine/format_sniff.h"

namespace tessera::api::compat {
namespace {

using http::HttpResponse;

constexpr std::string_view kPipeline = "resize:w=1920,fit=inside;format:type=jpeg,q=85";

HttpResponse TuttiError(unsigned status, std::string_view message) {
  auto r = HttpResponse::Json(status, nlohmann::json{{"error", message}}.dump());
  if (status == 429 || status == 503) r.SetHeader("Retry-After", "1");
  return r;
}

// A random (version 4) UUID, as tutti's image ids are.
std::string NewUuid() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  uint64_t hi = rng(), lo = rng();
  hi = (hi & 0xFFFFFFFFFFFF0FFFull) | 0x0000000000004000ull;
  lo = (lo & 0x3FFFFFFFFFFFFFFFull) | 0x8000000000000000ull;
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xFFFF), static_cast<unsigned>(hi & 0xFFFF),
                static_cast<unsigned>(lo >> 48),
                static_cast<unsigned long long>(lo & 0xFFFFFFFFFFFFull));
  return buf;
}

}  // namespace

HttpResponse TuttiUpload(const http::NativeApi& api, const http::HttpRequest& request,
                         const http::MultipartPart& image) {
  if (request.Body().size() > kTuttiMaxBodyBytes) {
    return TuttiError(413, "Image size exceeded - 8192 kB.");
  }
  auto format = engine::SniffFormat(image.data);
  if (!format || *format != engine::Format::kJpeg) {
    return TuttiError(400, "Unsupported mime type - Only .jpeg is allowed.");
  }
  auto done = api.sync.Process(image.data, kPipeline, request.received);
  if (!done) {
    if (done.error().code == ErrorCode::kQueueFull) {
      return TuttiError(429, "No workers available - max idle time 100ms.");
    }
    return TuttiError(HttpStatusFor(done.error().code), done.error().message);
  }
  api.metrics.RecordEngine({"resize", "format"}, done->elapsed);
  const std::string id = NewUuid();
  if (auto put = api.blobs.Put("tutti/" + id + ".jpg", done->result.bytes); !put) {
    return TuttiError(500, put.error().message);
  }
  return HttpResponse::Json(200, nlohmann::json{{"image_id", id}}.dump());
}

}  // namespace tessera::api::compat
