// Issue 18 item 5: a job recorded as queued whose task is missing (a crash between record and
// task, a Redis that lost the end of its append-only file) is enqueued again by the periodic
// repair, once, and a job that has a task (in any state, or under another id after a retry) is
// never given a second one.
#include "jobs/queued_job_repair.h"

#include <gtest/gtest.h>

#include "core/clock.h"
#include "core/ids.h"
#include "jobs/job_service.h"
#include "jobs/task_payload.h"
#include "queue/sqlite/sqlite_database.h"
#include "queue/sqlite/sqlite_job_store.h"
#include "queue/sqlite/sqlite_task_queue.h"
#include "queue/sqlite/sqlite_worker_registry.h"
#include "store/fs/fs_blob_store.h"
#include "support/image_testing.h"
#include "support/temp_dir.h"
#include "support/tessera_process.h"

namespace tessera::jobs {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds kMinAge{30'000};
const queue::WorkerIdentity kWorker{"w1", {"core"}};

class QueuedJobRepairTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(clock_); }

  void Open(const Clock& clock) {
    testing::InitEngineForTests();
    auto db = queue::SqliteDatabase::Open(dir_.path() / "t.db");
    ASSERT_TRUE(db.has_value());
    queue::SqliteTaskQueue::Options queue_options;
    queue_options.retention = milliseconds(1000);
    queue_ = std::make_unique<queue::SqliteTaskQueue>(*db, clock, queue_options);
    jobs_ = std::make_unique<queue::SqliteJobStore>(*db, clock);
    registry_ = std::make_unique<queue::SqliteWorkerRegistry>(*db, clock);
    blobs_ = std::make_unique<store::FsBlobStore>(dir_.path() / "blobs");
    service_ =
        std::make_unique<JobService>(*jobs_, *queue_, *blobs_, *registry_, clock, engine::Limits{});
  }

  std::string Submit() {
    auto png = testing::EncodeWithOpenCv(testing::MakeTestPattern(32, 24), ".png");
    SubmitRequest req;
    req.image = png;
    req.pipeline = "invert;format:type=png";
    auto created = service_->Submit(req);
    EXPECT_TRUE(created.has_value()) << created.error().ToString();
    return created ? created->job.id : "";
  }

  // What a submitter that crashed after recording the job leaves: the record, no task.
  std::string RecordWithoutTask(const Clock& clock) {
    queue::JobRecord job;
    job.id = NewId(clock);
    job.pipeline = "invert;format:type=png";
    job.input_key = InputKeyFor(job.id);
    job.capabilities = {"core"};
    auto created = jobs_->Create(job);
    EXPECT_TRUE(created.has_value()) << created.error().ToString();
    return job.id;
  }

  int Repair() {
    auto repaired = service_->RepairQueuedJobs(kMinAge);
    EXPECT_TRUE(repaired.has_value()) << repaired.error().ToString();
    return repaired ? *repaired : -1;
  }

  int64_t Ready() { return queue_->Stats()->ready_normal; }

  testing::TempDir dir_;
  ManualClock clock_;
  std::unique_ptr<queue::SqliteTaskQueue> queue_;
  std::unique_ptr<queue::SqliteJobStore> jobs_;
  std::unique_ptr<queue::SqliteWorkerRegistry> registry_;
  std::unique_ptr<store::FsBlobStore> blobs_;
  std::unique_ptr<JobService> service_;
};

TEST_F(QueuedJobRepairTest, AQueuedJobWithoutATaskIsEnqueuedOnce) {
  std::string id = RecordWithoutTask(clock_);
  clock_.Advance(kMinAge);
  EXPECT_EQ(Repair(), 1);
  EXPECT_TRUE(*queue_->Knows(id));
  EXPECT_EQ(Ready(), 1);
  EXPECT_EQ(Repair(), 0);
  EXPECT_EQ(Ready(), 1);
  auto claimed = queue_->Claim(kWorker, milliseconds(60'000));
  ASSERT_TRUE(claimed.has_value() && claimed->has_value());
  EXPECT_EQ((*claimed)->spec.job_id, id);
}

TEST_F(QueuedJobRepairTest, AJobYoungerThanTheMinimumAgeIsLeftToItsSubmitter) {
  RecordWithoutTask(clock_);
  clock_.Advance(kMinAge - milliseconds(1));
  EXPECT_EQ(Repair(), 0);
  EXPECT_EQ(Ready(), 0);
  clock_.Advance(milliseconds(1));
  EXPECT_EQ(Repair(), 1);
}

TEST_F(QueuedJobRepairTest, AJobWhoseTaskExistsIsNotGivenASecondOne) {
  Submit();
  Submit();
  clock_.Advance(kMinAge);
  EXPECT_EQ(Repair(), 0);
  EXPECT_EQ(Ready(), 2);
  // Leased, its job still recorded as queued (the worker has not moved it to running yet).
  auto claimed = queue_->Claim(kWorker, milliseconds(60'000));
  ASSERT_TRUE(claimed.has_value() && claimed->has_value());
  EXPECT_EQ(Repair(), 0);
  EXPECT_EQ(Ready(), 1);
  EXPECT_EQ(queue_->Stats()->leased, 1);
}

TEST_F(QueuedJobRepairTest, ARetriedJobWhoseTaskHasAnotherIdIsNotGivenASecondOne) {
  std::string id = Submit();
  ASSERT_TRUE(service_->Cancel(id).has_value());
  // The cancelled task is forgotten after the queue's retention; a retry then enqueues the job
  // under a new task id.
  clock_.Advance(milliseconds(2000));
  ASSERT_TRUE(queue_->ReclaimExpired(3).has_value());
  ASSERT_FALSE(*queue_->Knows(id));
  ASSERT_TRUE(service_->Retry(id).has_value());
  ASSERT_EQ(Ready(), 1);
  clock_.Advance(kMinAge);
  EXPECT_EQ(Repair(), 0);
  EXPECT_EQ(Ready(), 1);
}

TEST_F(QueuedJobRepairTest, TheBackgroundRepairRunsPeriodicallyAndStopsOnDestruction) {
  SystemClock& clock = SystemClock::Get();
  Open(clock);
  auto repair = std::make_unique<QueuedJobRepair>(*service_, milliseconds(50));
  // Younger than the interval at the first pass: only a later pass can repair it.
  std::string id = RecordWithoutTask(clock);
  ASSERT_TRUE(testing::WaitFor([&] { return *queue_->Knows(id); }, milliseconds(5000)));
  EXPECT_EQ(repair->repaired(), 1);
  auto before = clock.Monotonic();
  repair.reset();
  EXPECT_LT(clock.Monotonic() - before, milliseconds(1000));
}

}  // namespace
}  // namespace tessera::jobs
