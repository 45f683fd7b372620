// Issue 18 item 6: a worker whose lease was lost (expired and reclaimed by another worker) while
// its keeper still thought it held the task wrote the result anyway, and dropped the task
// without a log line. The lease is now confirmed with the backend before the write.
#include <gtest/gtest.h>

#include "core/clock.h"
#include "jobs/job_service.h"
#include "jobs/task_payload.h"
#include "queue/sqlite/sqlite_database.h"
#include "queue/sqlite/sqlite_job_store.h"
#include "queue/sqlite/sqlite_task_queue.h"
#include "queue/sqlite/sqlite_worker_registry.h"
#include "store/fs/fs_blob_store.h"
#include "support/faulty_blob_store.h"
#include "support/image_testing.h"
#include "support/sqlite_backends_fixture.h"
#include "support/temp_dir.h"
#include "worker/lease_keeper.h"
#include "worker/task_runner.h"

namespace tessera::worker {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds kLease{1000};
// Longer than any test: the keeper's own thread never extends or re-checks a lease here.
constexpr milliseconds kKeeperNeverTicks{3'600'000};

class LeaseFenceTest : public testing::SqliteBackendsTest {
 protected:
  std::string Submit(const std::string& pipeline) {
    jobs::JobService service(*jobs_, *queue_, *blobs_, *registry_, clock_, engine::Limits{});
    auto png = testing::EncodeWithOpenCv(testing::MakeTestPattern(64, 48), ".png");
    jobs::SubmitRequest req;
    req.image = png;
    req.pipeline = pipeline;
    req.tiles = "off";
    auto created = service.Submit(req);
    EXPECT_TRUE(created.has_value()) << created.error().ToString();
    return created ? created->job.id : "";
  }

  queue::ClaimedTask Claim(const std::string& worker_id) {
    auto claimed = queue_->Claim({worker_id, {"core"}}, kLease);
    EXPECT_TRUE(claimed.has_value() && claimed->has_value());
    return claimed && *claimed ? **claimed : queue::ClaimedTask{};
  }

  // The first holder's lease runs out and a second worker takes the task over.
  std::pair<queue::ClaimedTask, queue::ClaimedTask> StaleAndFreshHolders() {
    queue::ClaimedTask stale = Claim("stale");
    clock_.Advance(kLease + milliseconds(1));
    EXPECT_EQ(*queue_->ReclaimExpired(3), 1);
    queue::ClaimedTask fresh = Claim("fresh");
    EXPECT_EQ(fresh.spec.id, stale.spec.id);
    return {stale, fresh};
  }

  TaskOutcome RunAs(const queue::ClaimedTask& task, store::BlobStore& blobs) {
    LeaseKeeper keeper(*queue_, kLease, kKeeperNeverTicks);
    TaskRunner runner(*queue_, *jobs_, blobs, keeper, clock_, jobs::RetryPolicy{},
                      engine::ProcessOptions{});
    return runner.Run(task);
  }
};

TEST_F(LeaseFenceTest, AStaleHolderWritesNoResultAndLogsTheDrop) {
  std::string id = Submit("invert;format:type=png");
  auto [stale, fresh] = StaleAndFreshHolders();

  testing::FaultPlan no_faults;  // only counts the calls
  testing::FaultyBlobStore stale_blobs(*blobs_, no_faults);
  ::testing::internal::CaptureStderr();
  TaskOutcome outcome = RunAs(stale, stale_blobs);
  std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(outcome, TaskOutcome::kAbandoned);
  EXPECT_EQ(no_faults.Calls("Put") + no_faults.Calls("PutFile"), 0)
      << "the stale holder wrote to the blob store";
  EXPECT_FALSE(*blobs_->Exists(jobs::OutputKeyFor(id)));
  EXPECT_NE(log.find("\"event\":\"task_dropped\""), std::string::npos) << log;
  EXPECT_NE(log.find("\"job_id\":\"" + id + "\""), std::string::npos) << log;
  EXPECT_NE(log.find("\"task_id\":\"" + stale.spec.id + "\""), std::string::npos) << log;
  EXPECT_NE(log.find("\"reason\":\"lease_lost\""), std::string::npos) << log;

  // The holder of the lease still finishes the job.
  EXPECT_EQ(RunAs(fresh, *blobs_), TaskOutcome::kSucceeded);
  EXPECT_TRUE(*blobs_->Exists(jobs::OutputKeyFor(id)));
  EXPECT_EQ(jobs_->Get(id)->state, queue::JobState::kSucceeded);
}

TEST_F(LeaseFenceTest, ALeaseThatRanOutButWasNotTakenOverIsRenewedAndTheResultWritten) {
  std::string id = Submit("invert;format:type=png");
  queue::ClaimedTask holder = Claim("slow");
  clock_.Advance(kLease + milliseconds(1));  // nobody reclaimed it: the holder still has it
  EXPECT_EQ(RunAs(holder, *blobs_), TaskOutcome::kSucceeded);
  EXPECT_TRUE(*blobs_->Exists(jobs::OutputKeyFor(id)));
}

}  // namespace
}  // namespace tessera::worker
