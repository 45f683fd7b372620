#include "api/http/router.h"

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
  for (const Route& r : routes_) {
    std::string method(MethodName(r.method));
    for (char& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    nlohmann::json op = r.openapi.is_object() ? r.openapi : nlohmann::json::object();
    if (!op.contains("responses")) op["responses"] = {{"200", {{"description", "OK"}}}};
    if (!r.needs_key) op["security"] = nlohmann::json::array();
    paths[r.pattern][method] = std::move(op);
  }
  nlohmann::json doc = {
      {"openapi", "3.0.3"},
      {"info", info},
      {"paths", paths},
      {"components",
       {{"securitySchemes", {{"bearer", {{"type", "http"}, {"scheme", "bearer"}}}}},
        {"schemas",
         {{"Error",
           {{"type", "object"},
            {"required", {"error"}},
            {"properties",
             {{"error",
               {{"type", "object"},
                {"required", {"code", "message"}},
                {"properties",
                 {{"code", {{"type", "string"}}},
                  {"message", {{"type", "string"}}},
                  {"field", {{"type", "string"}}}}}}}}}}},
          {"Detection",
           {{"type", "object"},
            {"properties",
             {{"model", {{"type", "string"}}},
              {"label", {{"type", "string"}}},
              {"class_id", {{"type", "integer"}}},
              {"confidence", {{"type", "number"}}},
              {"box",
               {{"type", "object"},
                {"properties",
                 {{"x", {{"type", "number"}}},
                  {"y", {{"type", "number"}}},
                  {"width", {{"type", "number"}}},
                  {"height", {{"type", "number"}}}}}}},
              {"step", {{"type", "integer"}}},
              {"image",
               {{"type", "object"},
                {"properties",
                 {{"width", {{"type", "integer"}}}, {"height", {{"type", "integer"}}}}}}}}}}},
          {"ProcessResult",
           {{"type", "object"},
            {"properties",
             {{"width", {{"type", "integer"}}},
              {"height", {{"type", "integer"}}},
              {"format", {{"type", "string"}}},
              {"detections",
               {{"type", "array"},
                {"items", {{"$ref", "#/components/schemas/Detection"}}}}}}}}}}}}},
      {"security", {{{"bearer", nlohmann::json::array()}}}},
  };
  return doc;
}

}  // namespace tessera::api::http
