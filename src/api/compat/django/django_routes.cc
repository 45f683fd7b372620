// Registers every route of the Django distributed pipeline.
#include "api/compat/adapters.h"
#include "api/compat/django/routes.h"

namespace tessera::api::compat {

void AddDjangoRoutes(http::Router& router, const http::NativeApi& api, const Clock& clock,
                     const std::filesystem::path& sample_dir) {
  auto ctx = std::make_shared<const django::Context>(
      django::Context{.api = api, .clock = clock, .samples = django::SampleDir(sample_dir)});
  django::AddBasicRoutes(router, ctx);
  django::AddBenchmarkRoutes(router, ctx);
  django::AddDistributedRoutes(router, ctx);
  django::AddWorkersStatusRoute(router, ctx);
}

}  // namespace tessera::api::compat
