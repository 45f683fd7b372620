// JobService::Submit over the embedded backends (SQLite, a blob directory) behind the
// fault-injecting wrappers: a job record written whose reply is lost, a record never written,
// an input written whose reply is lost, an enqueue that fails or whose reply is lost after the
// record is written. Every job a client was told about, or that a retry with its idempotency key
// finds, runs exactly once to the exact result; nothing is left behind that names no job.
#include <gtest/gtest.h>

#include <opencv2/core.hpp>

#include "core/clock.h"
#include "jobs/job_service.h"
#include "jobs/task_payload.h"
#include "queue/sqlite/sqlite_database.h"
#include "queue/sqlite/sqlite_job_store.h"
#include "queue/sqlite/sqlite_task_queue.h"
#include "queue/sqlite/sqlite_worker_registry.h"
#include "store/fs/fs_blob_store.h"
#include "support/fault_plan.h"
#include "support/faulty_blob_store.h"
#include "support/faulty_job_store.h"
#include "support/faulty_task_queue.h"
#include "support/image_testing.h"
#include "support/sqlite_backends_fixture.h"
#include "support/temp_dir.h"
#include "worker/lease_keeper.h"
#include "worker/task_runner.h"

namespace tessera::jobs {
namespace {

using queue::JobState;
using std::chrono::milliseconds;
using testing::FaultKind;
using worker::TaskOutcome;

constexpr milliseconds kLease{30'000};
constexpr milliseconds kKeeperNeverTicks{3'600'000};
constexpr milliseconds kMinAge{30'000};
constexpr std::string_view kInvert = "invert;format:type=png";

class JobServiceFaultsTest : public testing::SqliteBackendsTest {
 protected:
  void SetUp() override {
    SqliteBackendsTest::SetUp();
    if (HasFatalFailure()) return;
    faulty_queue_ = std::make_unique<testing::FaultyTaskQueue>(*queue_, plan_);
    faulty_jobs_ = std::make_unique<testing::FaultyJobStore>(*jobs_, plan_);
    faulty_blobs_ = std::make_unique<testing::FaultyBlobStore>(*blobs_, plan_);
    service_ = std::make_unique<JobService>(*faulty_jobs_, *faulty_queue_, *faulty_blobs_,
                                            *registry_, clock_, engine::Limits{});
    input_ = testing::EncodeWithOpenCv(testing::MakeTestPattern(64, 48), ".png");
  }

  SubmitRequest Request(std::string idempotency_key = "") {
    SubmitRequest req;
    req.image = input_;
    req.pipeline = std::string(kInvert);
    req.idempotency_key = std::move(idempotency_key);
    return req;
  }

  std::vector<queue::JobRecord> AllJobs() {
    auto page = jobs_->List(std::nullopt, 100, "");
    EXPECT_TRUE(page.has_value());
    return page ? page->jobs : std::vector<queue::JobRecord>{};
  }

  std::vector<std::string> Inputs() {
    auto keys = blobs_->List("inputs/");
    EXPECT_TRUE(keys.has_value());
    return keys ? *keys : std::vector<std::string>{};
  }

  int64_t Tasks() {
    auto s = queue_->Stats();
    return s->ready_high + s->ready_normal + s->ready_low + s->delayed + s->leased + s->dead;
  }

  // A worker, without faults, runs every task there is; returns the outcomes.
  std::vector<TaskOutcome> RunAll() {
    worker::LeaseKeeper keeper(*queue_, kLease, kKeeperNeverTicks);
    worker::TaskRunner runner(*queue_, *jobs_, *blobs_, keeper, clock_, RetryPolicy{},
                              engine::ProcessOptions{});
    std::vector<TaskOutcome> outcomes;
    for (;;) {
      auto claimed = queue_->Claim({"w1", {"core"}}, kLease);
      EXPECT_TRUE(claimed.has_value());
      if (!claimed || !*claimed) return outcomes;
      outcomes.push_back(runner.Run(**claimed));
    }
  }

  // The job succeeded with the inverse of the input's pixels.
  void ExpectInvertedResult(const std::string& id) {
    auto job = jobs_->Get(id);
    ASSERT_TRUE(job.has_value()) << job.error().ToString();
    EXPECT_EQ(job->state, JobState::kSucceeded) << (job->error ? job->error->ToString() : "");
    EXPECT_EQ(job->attempts, 1);
    auto bytes = blobs_->Get(OutputKeyFor(id));
    ASSERT_TRUE(bytes.has_value()) << bytes.error().ToString();
    cv::Mat decoded = testing::DecodeWithOpenCv(*bytes);
    ASSERT_FALSE(decoded.empty());
    cv::Mat inverted = cv::Scalar::all(255) - testing::DecodeWithOpenCv(input_);
    EXPECT_EQ(testing::MaxAbsDiff(decoded, inverted), 0.0);
  }

  testing::FaultPlan plan_;
  std::unique_ptr<testing::FaultyTaskQueue> faulty_queue_;
  std::unique_ptr<testing::FaultyJobStore> faulty_jobs_;
  std::unique_ptr<testing::FaultyBlobStore> faulty_blobs_;
  std::unique_ptr<JobService> service_;
  std::vector<uint8_t> input_;
};

TEST_F(JobServiceFaultsTest, ARecordWrittenWhoseReplyIsLostIsFoundAndItsJobRuns) {
  plan_.Add({.method = "Create", .kind = FaultKind::kLoseReply});
  auto first = service_->Submit(Request("order-42"));
  ASSERT_TRUE(first.has_value()) << "the service could have looked: " << first.error().ToString();
  EXPECT_TRUE(first->created);
  const std::string id = first->job.id;
  EXPECT_EQ(Inputs(), std::vector{InputKeyFor(id)});
  EXPECT_EQ(Tasks(), 1);

  // The client, not having seen the answer, sends the request again with its key.
  auto retry = service_->Submit(Request("order-42"));
  ASSERT_TRUE(retry.has_value()) << retry.error().ToString();
  EXPECT_FALSE(retry->created);
  EXPECT_EQ(retry->job.id, id);
  EXPECT_EQ(AllJobs().size(), 1u);
  EXPECT_EQ(Inputs(), std::vector{InputKeyFor(id)}) << "an orphan input was left";
  EXPECT_EQ(Tasks(), 1);

  EXPECT_EQ(RunAll(), std::vector{TaskOutcome::kSucceeded});
  ExpectInvertedResult(id);
}

TEST_F(JobServiceFaultsTest, ARecordWrittenWhoseReplyIsLostIsTheJobTheClientsRetryGets) {
  // The record is written but the reply lost, and the service cannot look it up either: the
  // client is told the submission failed, and sends it again with the same key.
  plan_.Add({.method = "Create", .kind = FaultKind::kLoseReply}).Add({.method = "Get"});
  auto first = service_->Submit(Request("order-42"));
  ASSERT_FALSE(first.has_value());
  EXPECT_EQ(first.error().code, ErrorCode::kUnavailable);
  std::vector<queue::JobRecord> recorded = AllJobs();
  ASSERT_EQ(recorded.size(), 1u);
  const std::string id = recorded[0].id;
  EXPECT_EQ(Inputs(), std::vector{InputKeyFor(id)}) << "the recorded job's input was deleted";

  auto retry = service_->Submit(Request("order-42"));
  ASSERT_TRUE(retry.has_value()) << retry.error().ToString();
  EXPECT_FALSE(retry->created);
  EXPECT_EQ(retry->job.id, id);
  EXPECT_EQ(AllJobs().size(), 1u);
  EXPECT_EQ(Inputs(), std::vector{InputKeyFor(id)}) << "an orphan input was left";
  EXPECT_EQ(Tasks(), 1);

  EXPECT_EQ(RunAll(), std::vector{TaskOutcome::kSucceeded});
  ExpectInvertedResult(id);
}

TEST_F(JobServiceFaultsTest, ARecordNeverWrittenLeavesNothingBehind) {
  plan_.Add({.method = "Create"});
  auto first = service_->Submit(Request("order-42"));
  ASSERT_FALSE(first.has_value());
  EXPECT_EQ(first.error().code, ErrorCode::kUnavailable);
  EXPECT_TRUE(AllJobs().empty());
  EXPECT_TRUE(Inputs().empty()) << "an orphan input was left";
  EXPECT_EQ(Tasks(), 0);
}

TEST_F(JobServiceFaultsTest, AnInputWrittenWhoseReplyIsLostIsNotLeftBehind) {
  plan_.Add({.method = "Put", .subject = "inputs/", .kind = FaultKind::kLoseReply});
  auto first = service_->Submit(Request());
  ASSERT_FALSE(first.has_value());
  EXPECT_EQ(first.error().code, ErrorCode::kUnavailable);
  EXPECT_TRUE(AllJobs().empty());
  EXPECT_TRUE(Inputs().empty()) << "an orphan input was left";
  EXPECT_EQ(Tasks(), 0);
}

TEST_F(JobServiceFaultsTest, AnEnqueueFailingAfterTheRecordIsReportedAndTheJobRepaired) {
  plan_.Add({.method = "Enqueue", .subject = "process"});
  auto first = service_->Submit(Request());
  ASSERT_FALSE(first.has_value());
  EXPECT_EQ(first.error().code, ErrorCode::kUnavailable);
  // The job is recorded, queued, with its input, and has no task yet.
  std::vector<queue::JobRecord> recorded = AllJobs();
  ASSERT_EQ(recorded.size(), 1u);
  const std::string id = recorded[0].id;
  EXPECT_EQ(recorded[0].state, JobState::kQueued);
  EXPECT_EQ(Inputs(), std::vector{InputKeyFor(id)});
  EXPECT_EQ(Tasks(), 0);

  // The repair leaves a submission that may be in progress alone, then enqueues it, once.
  EXPECT_EQ(*service_->RepairQueuedJobs(kMinAge), 0);
  clock_.Advance(kMinAge + milliseconds(1));
  EXPECT_EQ(*service_->RepairQueuedJobs(kMinAge), 1);
  EXPECT_EQ(*service_->RepairQueuedJobs(kMinAge), 0);
  EXPECT_EQ(Tasks(), 1);

  EXPECT_EQ(RunAll(), std::vector{TaskOutcome::kSucceeded});
  ExpectInvertedResult(id);
}

TEST_F(JobServiceFaultsTest, AnEnqueueFailingIsMadeGoodByTheClientsRetryWithItsKey) {
  plan_.Add({.method = "Enqueue", .subject = "process"});
  ASSERT_FALSE(service_->Submit(Request("order-42")).has_value());
  auto retry = service_->Submit(Request("order-42"));
  ASSERT_TRUE(retry.has_value()) << retry.error().ToString();
  EXPECT_FALSE(retry->created);
  EXPECT_EQ(AllJobs().size(), 1u);
  EXPECT_EQ(Inputs(), std::vector{InputKeyFor(retry->job.id)});
  EXPECT_EQ(Tasks(), 1);
  clock_.Advance(kMinAge + milliseconds(1));
  EXPECT_EQ(*service_->RepairQueuedJobs(kMinAge), 0) << "a second task for the job";

  EXPECT_EQ(RunAll(), std::vector{TaskOutcome::kSucceeded});
  ExpectInvertedResult(retry->job.id);
}

TEST_F(JobServiceFaultsTest, AnEnqueueWhoseReplyIsLostMakesOneTaskWhateverFollows) {
  plan_.Add({.method = "Enqueue", .subject = "process", .kind = FaultKind::kLoseReply});
  ASSERT_FALSE(service_->Submit(Request("order-42")).has_value());
  std::vector<queue::JobRecord> recorded = AllJobs();
  ASSERT_EQ(recorded.size(), 1u);
  EXPECT_TRUE(*queue_->Knows(recorded[0].id));

  auto retry = service_->Submit(Request("order-42"));
  ASSERT_TRUE(retry.has_value()) << retry.error().ToString();
  EXPECT_EQ(retry->job.id, recorded[0].id);
  clock_.Advance(kMinAge + milliseconds(1));
  EXPECT_EQ(*service_->RepairQueuedJobs(kMinAge), 0);
  EXPECT_EQ(Tasks(), 1);
  EXPECT_EQ(plan_.Calls("Enqueue", "process"), 2);

  EXPECT_EQ(RunAll(), std::vector{TaskOutcome::kSucceeded});
  ExpectInvertedResult(recorded[0].id);
}

}  // namespace
}  // namespace tessera::jobs
