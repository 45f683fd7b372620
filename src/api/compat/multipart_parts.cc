#include <algorithm>

#include "api/compat/adapters.h"

namespace tessera::api::compat {

std::vector<http::MultipartPart> MultipartParts(const http::HttpRequest& request) {
  std::string_view content_type = request.Header("Content-Type");
  if (!http::IsMultipart(content_type)) return {};
  auto boundary = http::MultipartBoundary(content_type);
  if (!boundary) return {};
  auto parsed = http::ParseMultipart(request.Body(), *boundary);
  return parsed ? std::move(*parsed) : std::vector<http::MultipartPart>{};
}

const http::MultipartPart* FindPart(const std::vector<http::MultipartPart>& parts,
                                    std::string_view name) {
  auto it = std::find_if(parts.begin(), parts.end(),
                         [&](const http::MultipartPart& p) { return p.name == name; });
  return it == parts.end() ? nullptr : &*it;
}

}  // namespace tessera::api::compat
