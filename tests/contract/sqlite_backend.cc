// The SQLite backend for the contract suites: one database file in a temp directory, and a new
// connection per client so that two clients behave like two processes sharing the file.
#include <cstdio>
#include <cstdlib>

#include "contract/backend_factories.h"
#include "queue/sqlite/sqlite_job_store.h"
#include "queue/sqlite/sqlite_task_queue.h"
#include "queue/sqlite/sqlite_worker_registry.h"
#include "support/temp_dir.h"

namespace tessera::contract {
namespace {

class SqliteBackend final : public QueueBackend {
 public:
  std::unique_ptr<queue::TaskQueue> MakeQueue(const Clock& clock) override {
    return std::make_unique<queue::SqliteTaskQueue>(Connect(), clock);
  }
  std::unique_ptr<queue::JobStore> MakeJobStore(const Clock& clock) override {
    return std::make_unique<queue::SqliteJobStore>(Connect(), clock);
  }
  std::unique_ptr<queue::WorkerRegistry> MakeRegistry(const Clock& clock) override {
    return std::make_unique<queue::SqliteWorkerRegistry>(Connect(), clock);
  }
  bool leases_follow_injected_clock() const override { return true; }

 private:
  std::shared_ptr<queue::SqliteDatabase> Connect() {
    auto db = queue::SqliteDatabase::Open(dir_.path() / "tessera.db");
    if (!db) {
      // The suites cannot run without a database; say why before stopping.
      std::fprintf(stderr, "sqlite backend: %s\n", db.error().ToString().c_str());
      std::abort();
    }
    return std::move(*db);
  }

  testing::TempDir dir_;
};

}  // namespace

std::unique_ptr<QueueBackend> MakeSqliteBackend() { return std::make_unique<SqliteBackend>(); }

}  // namespace tessera::contract
