// Fuzz target: the multipart/form-data parser. The first line of the input is the request's
// Content-Type, the rest its body. Any refusal must be kBadRequest, and every part's data must
// lie inside the body (parts are views into it).
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string_view>

#include "api/http/multipart.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) { return 0; }

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t newline = input.find('\n');
  if (newline == std::string_view::npos) return 0;
  auto boundary = tessera::api::http::MultipartBoundary(input.substr(0, newline));
  if (!boundary) {
    if (boundary.error().code != tessera::ErrorCode::kBadRequest) std::abort();
    return 0;
  }
  std::span<const uint8_t> body(data + newline + 1, size - newline - 1);
  auto parts = tessera::api::http::ParseMultipart(body, *boundary);
  if (!parts) {
    if (parts.error().code != tessera::ErrorCode::kBadRequest) std::abort();
    return 0;
  }
  for (const auto& part : *parts) {
    if (part.data.empty()) continue;
    if (part.data.data() < body.data() ||
        part.data.data() + part.data.size() > body.data() + body.size()) {
      std::abort();
    }
  }
  return 0;
}
