#include <cmath>

#include "api/compat/django/routes.h"

namespace tessera::api::compat::django {

http::HttpResponse Error(unsigned status, std::string_view message) {
  auto r = http::HttpResponse::Json(status, nlohmann::json{{"error", message}}.dump());
  if (status == 429 || status == 503) r.SetHeader("Retry-After", "1");
  return r;
}

http::HttpResponse JsonAnswer(unsigned status, const Ordered& body) {
  return http::HttpResponse::Json(status, body.dump());
}

double EpochSeconds(SystemTime t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

double Round(double v, int digits) {
  const double scale = std::pow(10.0, digits);
  return std::round(v * scale) / scale;
}

nlohmann::json JsonBody(const http::HttpRequest& request) {
  auto body = request.Body();
  if (body.empty()) return nlohmann::json::object();
  auto j = nlohmann::json::parse(body.begin(), body.end(), nullptr, false);
  return j.is_object() ? j : nlohmann::json();
}

}  // namespace tessera::api::compat::django
