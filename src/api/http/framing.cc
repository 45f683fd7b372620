#include "api/http/framing.h"

#include <cctype>

namespace tessera::api::http {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool EqualsNoCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::optional<std::string> FramingError(const std::vector<std::string_view>& transfer_encodings,
                                        bool has_content_length, unsigned http_version) {
  if (transfer_encodings.empty()) return std::nullopt;
  if (http_version < 11) return "Transfer-Encoding is not allowed in an HTTP/1.0 request";
  if (has_content_length) {
    return "a request may not carry both Transfer-Encoding and Content-Length";
  }
  std::vector<std::string_view> codings;
  for (std::string_view value : transfer_encodings) {
    while (!value.empty()) {
      size_t comma = value.find(',');
      std::string_view item = Trim(value.substr(0, comma));
      value = comma == std::string_view::npos ? std::string_view() : value.substr(comma + 1);
      if (!item.empty()) codings.push_back(item);
    }
  }
  if (codings.empty()) return "empty Transfer-Encoding";
  for (std::string_view coding : codings) {
    if (!EqualsNoCase(coding, "chunked")) {
      return "unsupported transfer-coding '" + std::string(coding) + "' (only chunked is accepted)";
    }
  }
  if (codings.size() > 1) return "chunked may be applied only once";
  return std::nullopt;
}

}  // namespace tessera::api::http
