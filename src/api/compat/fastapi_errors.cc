// FastAPI's error bodies, which the Thumbify and ImageFlowCanvas clients were written against:
// ImageFlowCanvas ran FastAPI on pydantic 1, Thumbify (FastAPI 0.115) on pydantic 2.
#include <nlohmann/json.hpp>

#include "api/compat/adapters.h"

namespace tessera::api::compat {

http::HttpResponse FastApiMissing(std::string_view where, std::string_view field) {
  nlohmann::ordered_json item = {
      {"loc", {where, field}}, {"msg", "field required"}, {"type", "value_error.missing"}};
  nlohmann::ordered_json body = {{"detail", nlohmann::ordered_json::array({item})}};
  return http::HttpResponse::Json(422, body.dump());
}

http::HttpResponse PydanticV2Missing(std::string_view where, std::string_view field) {
  nlohmann::ordered_json item = {
      {"type", "missing"}, {"loc", {where, field}}, {"msg", "Field required"}, {"input", nullptr}};
  nlohmann::ordered_json body = {{"detail", nlohmann::ordered_json::array({item})}};
  return http::HttpResponse::Json(422, body.dump());
}

http::HttpResponse FastApiDetail(unsigned status, std::string_view message) {
  auto r = http::HttpResponse::Json(status, nlohmann::json{{"detail", message}}.dump());
  if (status == 429 || status == 503) r.SetHeader("Retry-After", "1");
  return r;
}

}  // namespace tessera::api::compat
