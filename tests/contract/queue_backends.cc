// The backends every queue-seam contract suite runs against.
#include "contract/queue_backends.h"

#include "contract/backend_factories.h"

namespace tessera::contract {

std::vector<QueueBackendFactory> QueueBackends() {
  return {
      {"sqlite", MakeSqliteBackend},
      {"redis", MakeRedisBackend},
  };
}

}  // namespace tessera::contract
