// What only the SQLite backend promises beyond the contracts: WAL and synchronous=FULL, schema
// versioning, busy/locked mapped to kUnavailable, durability across connections, and several
// real processes draining one database file without delivering a task twice.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "queue/sqlite/sqlite_database.h"
#include "queue/sqlite/sqlite_job_store.h"
#include "queue/sqlite/sqlite_task_queue.h"
#include "support/temp_dir.h"

namespace tessera::queue {
namespace {

using std::chrono::milliseconds;

TaskSpec Task(std::string id) {
  TaskSpec spec;
  spec.id = std::move(id);
  spec.job_id = "job-" + spec.id;
  spec.kind = "process";
  spec.capabilities = {"core"};
  return spec;
}

Result<std::string> PragmaText(SqliteDatabase& db, const char* pragma) {
  return db.Read([&](SqliteTransaction& txn) -> Result<std::string> {
    Result<SqliteStatement> select = txn.Prepare(pragma);
    if (!select) return select.error();
    Result<bool> row = select->Step();
    if (!row) return row.error();
    return select->Text(0);
  });
}

class SqliteSpecific : public ::testing::Test {
 protected:
  std::filesystem::path DbPath() const { return dir_.path() / "tessera.db"; }
  std::shared_ptr<SqliteDatabase> MustOpen(SqliteDatabase::Options options = {}) {
    Result<std::shared_ptr<SqliteDatabase>> db = SqliteDatabase::Open(DbPath(), options);
    if (!db) {
      ADD_FAILURE() << db.error().ToString();
      return nullptr;
    }
    return *db;
  }

  testing::TempDir dir_;
  ManualClock clock_;
};

TEST_F(SqliteSpecific, OpenCreatesTheCurrentSchemaInDurableWalMode) {
  auto db = MustOpen();
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(*db->SchemaVersion(), kSqliteSchemaVersion);
  EXPECT_EQ(*PragmaText(*db, "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(*PragmaText(*db, "PRAGMA synchronous"), "2") << "FULL";
  auto second = MustOpen();
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(*second->SchemaVersion(), kSqliteSchemaVersion) << "reopening keeps the schema";
}

TEST_F(SqliteSpecific, ASchemaNewerThanThisBuildIsRefused) {
  {
    auto db = MustOpen();
    ASSERT_NE(db, nullptr);
    Status bumped = db->Write([](SqliteTransaction& txn) {
      return txn.Execute("PRAGMA user_version = " + std::to_string(kSqliteSchemaVersion + 1));
    });
    ASSERT_TRUE(bumped.has_value()) << bumped.error().ToString();
  }
  Result<std::shared_ptr<SqliteDatabase>> reopened = SqliteDatabase::Open(DbPath());
  ASSERT_FALSE(reopened.has_value());
  EXPECT_EQ(reopened.error().code, ErrorCode::kIo);
  EXPECT_NE(reopened.error().message.find("newer"), std::string::npos)
      << reopened.error().ToString();
}

// A version-1 file (before tiled processing) is upgraded in place: its jobs keep every field,
// read execution "" and tiles "auto", and can record tiles.
TEST_F(SqliteSpecific, AVersionOneFileIsUpgradedKeepingItsJobs) {
  {
    auto db = MustOpen();
    ASSERT_NE(db, nullptr);
    Status downgraded = db->Write([](SqliteTransaction& txn) {
      return txn.Execute(
          "DROP TABLE job_tiles; ALTER TABLE jobs DROP COLUMN execution; "
          "ALTER TABLE jobs DROP COLUMN tiles; "
          "INSERT INTO jobs VALUES ('J1', 'running', 'blur:sigma=2', 'inputs/J1', '', '', 1, "
          "'[\"core\"]', NULL, 'r1', 1, 0, 4, '', '', '', 10, 20, 30, 0); "
          "PRAGMA user_version = 1;");
    });
    ASSERT_TRUE(downgraded.has_value()) << downgraded.error().ToString();
    EXPECT_EQ(*db->SchemaVersion(), 1);
  }
  auto store = SqliteJobStore::Open(DbPath(), clock_);
  ASSERT_TRUE(store.has_value()) << store.error().ToString();
  Result<JobRecord> job = (*store)->Get("J1");
  ASSERT_TRUE(job.has_value()) << job.error().ToString();
  EXPECT_EQ(job->pipeline, "blur:sigma=2");
  EXPECT_EQ(job->state, JobState::kRunning);
  EXPECT_EQ(job->tiles_total, 4);
  EXPECT_EQ(job->execution, "");
  EXPECT_EQ(job->tiles, "auto");
  Result<TileMark> mark = (*store)->MarkTileDone("J1", 3);
  ASSERT_TRUE(mark.has_value()) << mark.error().ToString();
  EXPECT_EQ(mark->tiles_done, 1);
  EXPECT_EQ(*MustOpen()->SchemaVersion(), kSqliteSchemaVersion);
}

TEST_F(SqliteSpecific, AnUnopenableFileIsAnIoError) {
  Result<std::shared_ptr<SqliteDatabase>> db =
      SqliteDatabase::Open(dir_.path() / "no" / "such" / "dir" / "tessera.db");
  ASSERT_FALSE(db.has_value());
  EXPECT_EQ(db.error().code, ErrorCode::kIo);
  EXPECT_FALSE(db.error().detail.empty()) << "sqlite's own text is the detail";
}

// One connection holds the write lock; another waits for its busy timeout, then reports
// kUnavailable; with a longer timeout it simply waits its turn.
TEST_F(SqliteSpecific, ALockHeldPastTheBusyTimeoutIsUnavailable) {
  auto holder_db = MustOpen();
  auto impatient_db = MustOpen({.busy_timeout = milliseconds(50)});
  auto patient_db = MustOpen({.busy_timeout = milliseconds(10'000)});
  ASSERT_TRUE(holder_db && impatient_db && patient_db);
  SqliteTaskQueue impatient(impatient_db, clock_);
  SqliteTaskQueue patient(patient_db, clock_);

  std::atomic<bool> locked{false}, release{false};
  std::thread holder([&] {
    Status held = holder_db->Write([&](SqliteTransaction&) -> Status {
      locked = true;
      while (!release) std::this_thread::sleep_for(milliseconds(5));
      return OkStatus();
    });
    EXPECT_TRUE(held.has_value());
  });
  while (!locked) std::this_thread::sleep_for(milliseconds(1));

  Status refused = impatient.Enqueue(Task("t1"));
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::kUnavailable);
  EXPECT_FALSE(refused.error().detail.empty());

  std::thread releaser([&] {
    std::this_thread::sleep_for(milliseconds(200));
    release = true;
  });
  Status waited = patient.Enqueue(Task("t2"));
  EXPECT_TRUE(waited.has_value()) << waited.error().ToString();
  releaser.join();
  holder.join();
}

TEST_F(SqliteSpecific, AcceptedTasksSurviveTheConnectionThatAcceptedThem) {
  {
    Result<std::unique_ptr<SqliteTaskQueue>> queue = SqliteTaskQueue::Open(DbPath(), clock_);
    ASSERT_TRUE(queue.has_value()) << queue.error().ToString();
    ASSERT_TRUE((*queue)->Enqueue(Task("kept")).has_value());
  }
  Result<std::unique_ptr<SqliteTaskQueue>> reopened = SqliteTaskQueue::Open(DbPath(), clock_);
  ASSERT_TRUE(reopened.has_value());
  Result<std::optional<ClaimedTask>> claimed =
      (*reopened)->Claim({"w", {"core"}}, milliseconds(1000));
  ASSERT_TRUE(claimed.has_value() && claimed->has_value());
  EXPECT_EQ((*claimed)->spec.id, "kept");
}

// The child's whole life: drain the queue, writing each acked id to `out`. Exit status 0 on
// success; the child must not touch gtest.
int DrainInChild(const std::filesystem::path& db_path, const std::filesystem::path& out,
                 int worker) {
  ManualClock clock;
  Result<std::unique_ptr<SqliteTaskQueue>> queue = SqliteTaskQueue::Open(db_path, clock);
  if (!queue) return 2;
  std::ofstream acked(out);
  WorkerIdentity me{"process-" + std::to_string(worker), {"core"}};
  while (true) {
    Result<std::optional<ClaimedTask>> claimed = (*queue)->Claim(me, milliseconds(60'000));
    if (!claimed) return 3;
    if (!*claimed) return acked.good() ? 0 : 4;
    if (!(*queue)->Ack(**claimed)) return 5;
    acked << (*claimed)->spec.id << '\n';
  }
}

TEST_F(SqliteSpecific, SeveralProcessesDrainOneFileDeliveringEachTaskOnce) {
  constexpr int kTasks = 300;
  constexpr int kProcesses = 3;
  {
    Result<std::unique_ptr<SqliteTaskQueue>> queue = SqliteTaskQueue::Open(DbPath(), clock_);
    ASSERT_TRUE(queue.has_value()) << queue.error().ToString();
    for (int i = 0; i < kTasks; ++i) {
      ASSERT_TRUE((*queue)->Enqueue(Task("t" + std::to_string(i))).has_value());
    }
  }
  std::vector<pid_t> children;
  for (int p = 0; p < kProcesses; ++p) {
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::_exit(DrainInChild(DbPath(), dir_.path() / ("acked-" + std::to_string(p)), p));
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child status " << status;
  }
  std::multiset<std::string> acked;
  for (int p = 0; p < kProcesses; ++p) {
    std::ifstream in(dir_.path() / ("acked-" + std::to_string(p)));
    for (std::string id; std::getline(in, id);) acked.insert(id);
  }
  EXPECT_EQ(acked.size(), static_cast<size_t>(kTasks));
  EXPECT_EQ(std::set<std::string>(acked.begin(), acked.end()).size(), acked.size())
      << "a task was acked twice";
  Result<std::unique_ptr<SqliteTaskQueue>> queue = SqliteTaskQueue::Open(DbPath(), clock_);
  ASSERT_TRUE(queue.has_value());
  QueueStats stats = *(*queue)->Stats();
  EXPECT_EQ(stats.ready_normal + stats.leased + stats.dead, 0);
}

}  // namespace
}  // namespace tessera::queue
