// The Make*Backend functions QueueBackends() lists, one per durable-state implementation.
#pragma once

#include <memory>

#include "contract/queue_backends.h"

namespace tessera::contract {

// A fresh SQLite database file in its own temp directory (sqlite_backend.cc).
std::unique_ptr<QueueBackend> MakeSqliteBackend();

// A fresh redis-server on a free loopback port in its own temp directory (redis_backend.cc).
std::unique_ptr<QueueBackend> MakeRedisBackend();

}  // namespace tessera::contract
