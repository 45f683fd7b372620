#include "api/http/http_types.h"

#include <nlohmann/json.hpp>

#include "api/error_status.h"
#include "api/http/received_message.h"

namespace tessera::api::http {

namespace {

struct MethodSpelling {
  Method method;
  std::string_view name;
  bhttp::verb verb;
};

// One row per Method.
constexpr MethodSpelling kMethods[] = {
    {Method::kGet, "GET", bhttp::verb::get},
    {Method::kHead, "HEAD", bhttp::verb::head},
    {Method::kPost, "POST", bhttp::verb::post},
    {Method::kPut, "PUT", bhttp::verb::put},
    {Method::kPatch, "PATCH", bhttp::verb::patch},
    {Method::kDelete, "DELETE", bhttp::verb::delete_},
    {Method::kOptions, "OPTIONS", bhttp::verb::options},
};

}  // namespace

std::string_view MethodName(Method method) {
  for (const auto& m : kMethods) {
    if (m.method == method) return m.name;
  }
  return "OTHER";
}

Method MethodOf(bhttp::verb verb) {
  for (const auto& m : kMethods) {
    if (m.verb == verb) return m.method;
  }
  return Method::kOther;
}

std::string_view HttpRequest::Header(std::string_view name) const {
  if (raw == nullptr) return {};
  auto it = raw->beast.find(boost::beast::string_view(name.data(), name.size()));
  if (it == raw->beast.end()) return {};
  return {it->value().data(), it->value().size()};
}

std::span<const uint8_t> HttpRequest::Body() const {
  if (raw == nullptr) return {};
  return {raw->beast.body().data(), raw->beast.body().size()};
}

const std::string* HttpRequest::Query(std::string_view name) const {
  auto it = query.find(std::string(name));
  return it == query.end() ? nullptr : &it->second;
}

HttpResponse HttpResponse::Json(unsigned status, std::string_view json) {
  HttpResponse r;
  r.status = status;
  r.content_type = "application/json";
  r.body.assign(json.begin(), json.end());
  return r;
}

HttpResponse HttpResponse::Bytes(unsigned status, std::string content_type,
                                 std::vector<uint8_t> body) {
  HttpResponse r;
  r.status = status;
  r.content_type = std::move(content_type);
  r.body = std::move(body);
  return r;
}

void HttpResponse::SetHeader(std::string name, std::string value) {
  headers.emplace_back(std::move(name), std::move(value));
}

HttpResponse ErrorResponse(const Error& error) {
  nlohmann::json e = {{"code", CodeName(error.code)}, {"message", error.message}};
  if (!error.field.empty()) e["field"] = error.field;
  auto r = HttpResponse::Json(HttpStatusFor(error.code), nlohmann::json{{"error", e}}.dump());
  if (int seconds = FactsOf(error.code).retry_after_s; seconds > 0) {
    r.SetHeader("Retry-After", std::to_string(seconds));
  }
  return r;
}

namespace {
int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

std::string PercentDecode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%' && i + 2 < s.size()) {
      int hi = HexValue(s[i + 1]);
      int lo = HexValue(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(plus_is_space && c == '+' ? ' ' : c);
  }
  return out;
}

std::multimap<std::string, std::string> ParseQuery(std::string_view query) {
  std::multimap<std::string, std::string> out;
  size_t start = 0;
  while (start < query.size()) {
    size_t end = query.find('&', start);
    if (end == std::string_view::npos) end = query.size();
    std::string_view pair = query.substr(start, end - start);
    if (!pair.empty()) {
      size_t eq = pair.find('=');
      std::string_view key = pair.substr(0, eq);
      std::string_view value = eq == std::string_view::npos ? "" : pair.substr(eq + 1);
      out.emplace(PercentDecode(key, true), PercentDecode(value, true));
    }
    start = end + 1;
  }
  return out;
}

}  // namespace tessera::api::http
