// The backends every queue-seam contract suite runs against.
#include "contract/backend_factories.h"
#include "contract/queue_backends.h"

namespace tessera::contract {

std::vector<QueueBackendFactory> QueueBackends() {
  return {
      {"sqlite", MakeSqliteBackend},
      {"redis", MakeRedisBackend},
  };
}

}  // namespace tessera::contract
