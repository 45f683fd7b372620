// SqliteBackendsTest: a fixture over the embedded backends on real files in a temporary
// directory (one SQLite database holding the task queue, the job store and the worker registry;
// a filesystem blob store beside it), all reading one manual clock. Suites of the worker and the
// job service derive from it, call its SetUp first, and may wrap the backends in the fault
// wrappers (faulty_*.h). Header-only: the suites that use it already link the queue and store.
#pragma once

#include <gtest/gtest.h>

#include <memory>

#include "core/clock.h"
#include "queue/sqlite/sqlite_database.h"
#include "queue/sqlite/sqlite_job_store.h"
#include "queue/sqlite/sqlite_task_queue.h"
#include "queue/sqlite/sqlite_worker_registry.h"
#include "store/fs/fs_blob_store.h"
#include "support/image_testing.h"
#include "support/temp_dir.h"

namespace tessera::testing {

class SqliteBackendsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    InitEngineForTests();
    auto db = queue::SqliteDatabase::Open(dir_.path() / "t.db");
    ASSERT_TRUE(db.has_value()) << db.error().ToString();
    queue_ = std::make_unique<queue::SqliteTaskQueue>(*db, clock_);
    jobs_ = std::make_unique<queue::SqliteJobStore>(*db, clock_);
    registry_ = std::make_unique<queue::SqliteWorkerRegistry>(*db, clock_);
    blobs_ = std::make_unique<store::FsBlobStore>(dir_.path() / "blobs");
  }

  TempDir dir_;
  ManualClock clock_;
  std::unique_ptr<queue::SqliteTaskQueue> queue_;
  std::unique_ptr<queue::SqliteJobStore> jobs_;
  std::unique_ptr<queue::SqliteWorkerRegistry> registry_;
  std::unique_ptr<store::BlobStore> blobs_;
};

}  // namespace tessera::testing
