// tutti answers its checks in this order: anything that keeps it from reading a file part named
// `image` (no multipart body, no such part, a part without a file name, a body over the limit)
// is its 413; a part whose Content-Type is not exactly image/jpeg is its 400; then the image is
// handed to an idle worker within 100 ms (200) or refused (429).
#include "api/compat/tutti/tutti_upload.h"

#include <cstdio>
#include <nlohmann/json.hpp>
#include <random>

#include "engine/format_sniff.h"

namespace tessera::api::compat::tutti {
namespace {

using http::HttpResponse;

constexpr std::string_view kTooLarge = "Image size exceeded - 8192 kB.";
constexpr std::string_view kNotJpeg = "Unsupported mime type - Only .jpeg is allowed.";
constexpr std::string_view kNoWorker = "No workers available - max idle time 100ms.";

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

HttpResponse ErrorBody(unsigned status, std::string_view message) {
  std::string body = nlohmann::json{{"error", message}}.dump() + "\n";
  // tutti set no Content-Type on errors; Go's sniffing named this one.
  return HttpResponse::Bytes(status, "text/plain; charset=utf-8",
                             std::vector<uint8_t>(body.begin(), body.end()));
}

HttpResponse ServerError(const Error& error, HttpResponse native) {
  switch (error.code) {
    case ErrorCode::kTooLarge: return ErrorBody(413, kTooLarge);
    case ErrorCode::kUnavailable: return ErrorBody(429, kNoWorker);
    default: {
      auto r = ErrorBody(native.status, error.message);
      for (auto& [name, value] : native.headers) r.SetHeader(name, value);
      return r;
    }
  }
}

HttpResponse Upload(TuttiWorkers& workers, const http::HttpRequest& request,
                    const http::MultipartPart* image) {
  if (image == nullptr || image->filename.empty() || request.Body().size() > kMaxBodyBytes) {
    return ErrorBody(413, kTooLarge);
  }
  if (image->content_type != "image/jpeg") return ErrorBody(400, kNotJpeg);
  // tutti trusted the label and its worker then failed on anything else, after answering 200
  // for an image that would never be stored; tessera says so while the client is listening.
  auto format = engine::SniffFormat(image->data);
  if (!format || *format != engine::Format::kJpeg) return ErrorBody(400, kNotJpeg);

  std::string id = NewUuid();
  std::vector<uint8_t> bytes(image->data.begin(), image->data.end());
  if (!workers.Offer(id, std::move(bytes), request.body_read + workers.options().handoff_wait)) {
    return ErrorBody(429, kNoWorker);
  }
  std::string body = nlohmann::json{{"image_id", id}}.dump() + "\n";
  return HttpResponse::Bytes(200, "application/json",
                             std::vector<uint8_t>(body.begin(), body.end()));
}

}  // namespace tessera::api::compat::tutti
