// Router: the table of HTTP routes. Each route declares its method, path pattern ("/v1/jobs/{id}"),
// how large a body it accepts, whether it needs an API key, whether its handler blocks (and so
// runs on a blocking-work thread, never an I/O thread), and its OpenAPI operation. The OpenAPI
// document is assembled from this table, so it lists exactly the routes served.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "api/http/http_types.h"

namespace tessera::api::http {

using Handler = std::function<HttpResponse(HttpRequest&)>;

struct Route {
  Method method = Method::kGet;
  std::string pattern;  // literal segments and {name} segments; also the metrics label
  Handler handler;
  bool blocking = true;  // false only for handlers that never wait on I/O or CPU
  uint64_t max_body_bytes = 64 << 10;
  std::string_view max_body_flag;  // the flag that sets max_body_bytes, named by a 413; empty: none
  bool needs_key = true;           // false: answered without an API key
  nlohmann::json openapi;          // the OpenAPI operation object (operationId optional)
  // Rewrites the answers the server itself gives on this route (401, 408, 413, 503 past the
  // body budget) into the route's own error shape; null: the native `native` response as is.
  std::function<HttpResponse(const Error& error, HttpResponse native)> error_response;
};

struct RouteMatch {
  const Route* route = nullptr;  // null: no route for this method
  std::map<std::string, std::string> params;
  bool path_known = false;           // some route has this path (with another method): 405
  std::vector<std::string> allowed;  // methods the path allows, for the Allow header
};

class Router {
 public:
  void Add(Route route);
  RouteMatch Match(Method method, std::string_view path) const;
  const std::vector<Route>& routes() const { return routes_; }

  // OpenAPI 3.0 document with `info`, one path item per pattern, a relative `servers` entry
  // (the server that answers the document) and the component schemas of openapi_schemas.h.
  // Every operation has an operationId: its own, or one made from its method and pattern
  // ("getV1JobsId"), with a number appended where two would be equal.
  nlohmann::json OpenApi(const nlohmann::json& info) const;

 private:
  std::vector<Route> routes_;
};

}  // namespace tessera::api::http
