#include "api/http/router.h"

#include <cctype>
#include <set>

#include "api/http/openapi_schemas.h"

namespace tessera::api::http {
namespace {

std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start < path.size()) {
    if (path[start] == '/') {
      ++start;
      continue;
    }
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    out.push_back(path.substr(start, end - start));
    start = end;
  }
  return out;
}

bool MatchPattern(std::string_view pattern, std::string_view path,
                  std::map<std::string, std::string>& params) {
  auto want = Segments(pattern);
  auto have = Segments(path);
  if (want.size() != have.size()) return false;
  // A trailing slash is significant only when the pattern has one ("/upload/" vs "/upload").
  bool pattern_slash = pattern.size() > 1 && pattern.back() == '/';
  bool path_slash = path.size() > 1 && path.back() == '/';
  if (pattern_slash != path_slash) return false;
  std::map<std::string, std::string> found;
  for (size_t i = 0; i < want.size(); ++i) {
    std::string_view w = want[i];
    if (w.size() > 2 && w.front() == '{' && w.back() == '}') {
      found.emplace(std::string(w.substr(1, w.size() - 2)), std::string(have[i]));
    } else if (w != have[i]) {
      return false;
    }
  }
  params = std::move(found);
  return true;
}

// "get" and "/v1/jobs/{id}/result" -> "getV1JobsIdResult": for routes that name no
// operationId of their own.
std::string OperationId(std::string_view method, std::string_view pattern) {
  std::string id(method);
  bool upper = true;
  for (char c : pattern) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      id += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
      upper = false;
    } else {
      upper = true;
    }
  }
  return id;
}

}  // namespace

void Router::Add(Route route) { routes_.push_back(std::move(route)); }

RouteMatch Router::Match(Method method, std::string_view path) const {
  RouteMatch m;
  for (const Route& r : routes_) {
    std::map<std::string, std::string> params;
    if (!MatchPattern(r.pattern, path, params)) continue;
    m.path_known = true;
    m.allowed.emplace_back(MethodName(r.method));
    if (r.method == method && m.route == nullptr) {
      m.route = &r;
      m.params = std::move(params);
    }
  }
  return m;
}

nlohmann::json Router::OpenApi(const nlohmann::json& info) const {
  nlohmann::json paths = nlohmann::json::object();
  std::set<std::string> ids;
  for (const Route& r : routes_) {
    std::string method(MethodName(r.method));
    for (char& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    nlohmann::json op = r.openapi.is_object() ? r.openapi : nlohmann::json::object();
    if (!op.contains("responses")) op["responses"] = {{"200", {{"description", "OK"}}}};
    if (!r.needs_key) op["security"] = nlohmann::json::array();
    const std::string base = op.contains("operationId") ? op["operationId"].get<std::string>()
                                                        : OperationId(method, r.pattern);
    // Unique, as OpenAPI requires, even for patterns that differ only in a trailing slash.
    std::string id = base;
    for (int n = 2; !ids.insert(id).second; ++n) id = base + std::to_string(n);
    op["operationId"] = id;
    paths[r.pattern][method] = std::move(op);
  }
  nlohmann::json doc = {
      {"openapi", "3.0.3"},
      {"info", info},
      // Relative to where this document was fetched from: the server that served it.
      {"servers",
       nlohmann::json::array({nlohmann::json{
           {"url", "/"}, {"description", "the tessera server answering this document"}}})},
      {"paths", paths},
      {"components",
       {{"securitySchemes", {{"bearer", {{"type", "http"}, {"scheme", "bearer"}}}}},
        {"schemas", openapi::ComponentSchemas()}}},
      {"security", {{{"bearer", nlohmann::json::array()}}}},
  };
  return doc;
}

}  // namespace tessera::api::http
