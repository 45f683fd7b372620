// tutti upload service: POST /upload with a JPEG in the multipart part `image`, answered
// {"image_id":"<uuid v4>"} once one of the TuttiWorkers has taken it (docs/COMPAT.md).
#pragma once

#include <cstdint>
#include <string_view>

#include "api/compat/tutti/tutti_workers.h"
#include "api/http/http_types.h"
#include "api/http/multipart.h"

namespace tessera::api::compat::tutti {

// tutti's whole-body limit (8192 KiB, multipart framing included).
inline constexpr uint64_t kMaxBodyBytes = 8192ull * 1024;

// The answer to an upload whose first part named `image` is `image` (null: there is none, or
// the body was not multipart).
http::HttpResponse Upload(TuttiWorkers& workers, const http::HttpRequest& request,
                          const http::MultipartPart* image);

// tutti's error body, {"error":"<message>"} and a newline, as its encoder wrote it.
http::HttpResponse ErrorBody(unsigned status, std::string_view message);

// The server's own refusals on tutti's route in tutti's shape: an over-long body is tutti's
// 413, no room for the body is its 429, anything else {"error":"<message>"}.
http::HttpResponse ServerError(const Error& error, http::HttpResponse native);

}  // namespace tessera::api::compat::tutti
