// The worker pool in-process over the embedded backends: retries with backoff until the
// attempt budget, dead-task reconciliation after a lease-expiry burial, and retention of
// finished jobs and their blobs.
#include "worker/worker.h"

#include <gtest/gtest.h>

#include <climits>

#include "core/clock.h"
#include "jobs/job_service.h"
#include "queue/sqlite/sqlite_database.h"
#include "queue/sqlite/sqlite_job_store.h"
#include "queue/sqlite/sqlite_task_queue.h"
#include "queue/sqlite/sqlite_worker_registry.h"
#include "store/fs/fs_blob_store.h"
#include "support/faulty_blob_store.h"
#include "support/image_testing.h"
#include "support/temp_dir.h"
#include "support/tessera_process.h"

namespace tessera::worker {
namespace {

using std::chrono::milliseconds;

// The first `failures` reads of inputs (all of them by default) find the store unreachable: the
// worker sees a storage error on each of those attempts.
testing::FaultRule InputReadsFail(int failures = INT_MAX) {
  return {.method = "Get",
          .subject = "inputs/",
          .times = failures,
          .error = MakeError(ErrorCode::kUnavailable, "injected: store unreachable")};
}

class WorkerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::InitEngineForTests();
    auto db = queue::SqliteDatabase::Open(dir_.path() / "t.db");
    ASSERT_TRUE(db.has_value());
    db_ = *db;
    queue_ = std::make_unique<queue::SqliteTaskQueue>(db_, clock_);
    jobs_ = std::make_unique<queue::SqliteJobStore>(db_, clock_);
    registry_ = std::make_unique<queue::SqliteWorkerRegistry>(db_, clock_);
    blobs_ = std::make_unique<store::FsBlobStore>(dir_.path() / "blobs");
    service_ = std::make_unique<jobs::JobService>(*jobs_, *queue_, *blobs_, *registry_, clock_,
                                                  engine::Limits{});
  }

  std::string SubmitOne() {
    auto png = testing::EncodeWithOpenCv(testing::MakeTestPattern(32, 24), ".png");
    jobs::SubmitRequest req;
    req.image = png;
    req.pipeline = "invert;format:type=png";
    auto created = service_->Submit(req);
    EXPECT_TRUE(created.has_value()) << created.error().ToString();
    return created ? created->job.id : "";
  }

  WorkerOptions FastOptions() {
    WorkerOptions o;
    o.threads = 1;
    o.lease = milliseconds(600);
    o.reclaim_every = milliseconds(50);
    o.idle_poll_max = milliseconds(20);
    o.retry.base = milliseconds(10);
    o.retry.cap = milliseconds(40);
    o.retry.max_attempts = 3;
    return o;
  }

  queue::JobState StateOf(const std::string& id) { return jobs_->Get(id)->state; }

  testing::TempDir dir_;
  SystemClock& clock_ = SystemClock::Get();
  std::shared_ptr<queue::SqliteDatabase> db_;
  std::unique_ptr<queue::SqliteTaskQueue> queue_;
  std::unique_ptr<queue::SqliteJobStore> jobs_;
  std::unique_ptr<queue::SqliteWorkerRegistry> registry_;
  std::unique_ptr<store::FsBlobStore> blobs_;
  std::unique_ptr<jobs::JobService> service_;
};

TEST_F(WorkerTest, TransientFailuresRetryThenDieWithTheLastError) {
  std::string id = SubmitOne();
  testing::FaultPlan plan;
  plan.Add(InputReadsFail());
  testing::FaultyBlobStore failing(*blobs_, plan);
  WorkerOptions options = FastOptions();
  options.retry.storage_window = milliseconds(0);
  Worker w(*queue_, *jobs_, failing, *registry_, clock_, options);
  w.Start();
  ASSERT_TRUE(testing::WaitFor([&] { return StateOf(id) == queue::JobState::kDead; },
                               milliseconds(10'000)));
  w.RequestStop();
  ASSERT_TRUE(w.Wait(milliseconds(5000)));
  auto job = jobs_->Get(id);
  EXPECT_EQ(job->attempts, 3);
  ASSERT_TRUE(job->error.has_value());
  EXPECT_EQ(job->error->code, ErrorCode::kUnavailable);
  EXPECT_EQ(plan.Calls("Get", "inputs/"), 3);
  EXPECT_EQ(queue_->Stats()->dead, 1);
}

// Issue 18 item 7: a disk full for 20 s ended running jobs dead after about 15 s of retries.
TEST_F(WorkerTest, AStorageFaultIsRetriedPastMaxAttemptsWithinTheStorageWindow) {
  std::string id = SubmitOne();
  testing::FaultPlan plan;
  plan.Add(InputReadsFail(7));
  testing::FaultyBlobStore failing(*blobs_, plan);
  WorkerOptions options = FastOptions();  // 3 attempts
  options.retry.storage_window = milliseconds(60'000);
  Worker w(*queue_, *jobs_, failing, *registry_, clock_, options);
  w.Start();
  ASSERT_TRUE(testing::WaitFor([&] { return StateOf(id) == queue::JobState::kSucceeded; },
                               milliseconds(10'000)))
      << "state " << queue::JobStateName(StateOf(id));
  w.RequestStop();
  ASSERT_TRUE(w.Wait(milliseconds(5000)));
  EXPECT_EQ(jobs_->Get(id)->attempts, 8);
  EXPECT_EQ(plan.Calls("Get", "inputs/"), 8);
}

TEST_F(WorkerTest, AStorageFaultOutlastingTheWindowEndsTheJobDead) {
  std::string id = SubmitOne();
  testing::FaultPlan plan;
  plan.Add(InputReadsFail());
  testing::FaultyBlobStore failing(*blobs_, plan);
  WorkerOptions options = FastOptions();
  options.retry.storage_window = milliseconds(400);
  const auto start = std::chrono::steady_clock::now();
  Worker w(*queue_, *jobs_, failing, *registry_, clock_, options);
  w.Start();
  ASSERT_TRUE(testing::WaitFor([&] { return StateOf(id) == queue::JobState::kDead; },
                               milliseconds(10'000)));
  w.RequestStop();
  ASSERT_TRUE(w.Wait(milliseconds(5000)));
  EXPECT_GE(std::chrono::steady_clock::now() - start, milliseconds(400));
  EXPECT_GT(plan.Calls("Get", "inputs/"), 3);
  EXPECT_EQ(jobs_->Get(id)->error.value_or(Error{}).code, ErrorCode::kUnavailable);
}

// A job submitted to an idle embedded server waited for the pool's next poll (200-490 ms for a
// 64x48 invert, the poll backing off to 500 ms); the service now wakes the pool.
TEST_F(WorkerTest, AnEnqueueWakesAnIdleWorkerAtOnce) {
  WorkerOptions options = FastOptions();
  options.idle_poll_min = milliseconds(60'000);  // polling alone would take a minute
  options.idle_poll_max = milliseconds(60'000);
  Worker w(*queue_, *jobs_, *blobs_, *registry_, clock_, options);
  w.Start();
  std::this_thread::sleep_for(milliseconds(200));  // its first claim found nothing: idle

  std::string unseen = SubmitOne();
  std::this_thread::sleep_for(milliseconds(500));
  EXPECT_EQ(StateOf(unseen), queue::JobState::kQueued) << "the worker polled after all";

  service_->OnEnqueued([&w] { w.Wake(); });
  std::string id = SubmitOne();
  EXPECT_TRUE(testing::WaitFor([&] { return StateOf(id) == queue::JobState::kSucceeded; },
                               milliseconds(5000)));
  service_->OnEnqueued(nullptr);
  w.RequestStop();
  ASSERT_TRUE(w.Wait(milliseconds(5000)));
}

TEST_F(WorkerTest, ATaskBuriedByLeaseExpiryMarksItsJobDead) {
  std::string id = SubmitOne();
  // Three holders claim the task and vanish (as if SIGKILLed) until the lease budget is spent.
  queue::WorkerIdentity ghost{"ghost", {"core"}};
  for (int i = 0; i < 4; ++i) {
    auto claimed = queue_->Claim(ghost, milliseconds(30));
    ASSERT_TRUE(claimed.has_value() && claimed->has_value()) << i;
    ASSERT_TRUE(jobs_->Transition(id, queue::JobState::kRunning, {}).has_value());
    std::this_thread::sleep_for(milliseconds(60));
    ASSERT_TRUE(queue_->ReclaimExpired(3).has_value());
  }
  ASSERT_EQ(queue_->Stats()->dead, 1);
  ASSERT_EQ(StateOf(id), queue::JobState::kRunning);
  Worker w(*queue_, *jobs_, *blobs_, *registry_, clock_, FastOptions());
  w.Start();
  ASSERT_TRUE(
      testing::WaitFor([&] { return StateOf(id) == queue::JobState::kDead; }, milliseconds(5000)));
  EXPECT_EQ(jobs_->Get(id)->error.value_or(Error{}).code, ErrorCode::kDeadlineExceeded);
}

TEST_F(WorkerTest, FinishedJobsAndTheirBlobsExpireAfterRetention) {
  std::string id = SubmitOne();
  WorkerOptions o = FastOptions();
  o.retention = milliseconds(300);
  o.expire_every = milliseconds(50);
  Worker w(*queue_, *jobs_, *blobs_, *registry_, clock_, o);
  w.Start();
  ASSERT_TRUE(testing::WaitFor(
      [&] { return jobs_->Get(id).has_value() && StateOf(id) == queue::JobState::kSucceeded; },
      milliseconds(5000)));
  EXPECT_TRUE(*blobs_->Exists("results/" + id));
  // The record goes first, then its blobs (a crash in between leaves only unreferenced files).
  ASSERT_TRUE(testing::WaitFor(
      [&] { return !jobs_->Get(id).has_value() && !*blobs_->Exists("inputs/" + id); },
      milliseconds(5000)));
  EXPECT_EQ(jobs_->Get(id).error().code, ErrorCode::kNotFound);
  EXPECT_FALSE(*blobs_->Exists("results/" + id));
}

}  // namespace
}  // namespace tessera::worker
