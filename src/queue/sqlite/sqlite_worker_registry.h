// SqliteWorkerRegistry: the embedded WorkerRegistry, one row per worker in the `workers` table
// with the instant its TTL runs out (expires_at, from the injected Clock). Rows of workers that
// stopped heartbeating are deleted by the next Heartbeat of any worker.
#pragma once

#include <filesystem>
#include <memory>

#include "core/clock.h"
#include "queue/sqlite/sqlite_database.h"
#include "queue/worker_registry.h"

namespace tessera::queue {

class SqliteWorkerRegistry final : public WorkerRegistry {
 public:
  // REQUIRES: `db` is not null; `clock` outlives this.
  SqliteWorkerRegistry(std::shared_ptr<SqliteDatabase> db, const Clock& clock)
      : db_(std::move(db)), clock_(clock) {}
  // Opens its own connection to the database file at `path`.
  static Result<std::unique_ptr<SqliteWorkerRegistry>> Open(const std::filesystem::path& path,
                                                            const Clock& clock);

  Status Heartbeat(const WorkerInfo& info, std::chrono::milliseconds ttl) override;
  Status Deregister(std::string_view id) override;
  Result<std::vector<WorkerInfo>> ListLive() override;

 private:
  std::shared_ptr<SqliteDatabase> db_;
  const Clock& clock_;
};

}  // namespace tessera::queue
