// Registers every route of the Django distributed pipeline. The seed's project mounted its API
// twice, at /api/ and at the root, so each route is also served without the /api prefix.
#include "api/compat/adapters.h"
#include "api/compat/django/routes.h"

namespace tessera::api::compat {

void AddDjangoRoutes(http::Router& router, const http::NativeApi& api, const Clock& clock,
                     const std::filesystem::path& sample_dir) {
  auto ctx = std::make_shared<const django::Context>(
      django::Context{.api = api, .clock = clock, .samples = django::SampleDir(sample_dir)});
  http::Router api_routes;
  django::AddBasicRoutes(api_routes, ctx);
  django::AddBenchmarkRoutes(api_routes, ctx);
  django::AddDistributedRoutes(api_routes, ctx);
  django::AddWorkersStatusRoute(api_routes, ctx);
  for (const http::Route& r : api_routes.routes()) {
    router.Add(r);
    http::Route root = r;
    root.pattern = r.pattern.substr(std::string_view("/api").size());
    router.Add(std::move(root));
  }
  django::AddStaticRoute(router, ctx);
}

}  // namespace tessera::api::compat
