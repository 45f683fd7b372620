// The worker over the embedded backends (SQLite, a blob directory) behind the fault-injecting
// wrappers: a result write that fails, an ack or a move to succeeded whose reply is lost, an ack
// that never arrives, a task delivered twice (in turn, overlapping, and to a pool of threads),
// tile marks lost or applied twice; every job still ends succeeded once, with the exact result.
#include <gtest/gtest.h>

#include <climits>
#include <functional>
#include <opencv2/core.hpp>
#include <utility>

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
#include "support/forwarding_job_store.h"
#include "support/image_testing.h"
#include "support/sqlite_backends_fixture.h"
#include "support/temp_dir.h"
#include "support/tessera_process.h"
#include "worker/lease_keeper.h"
#include "worker/task_runner.h"
#include "worker/worker.h"

namespace tessera::worker {
namespace {

using queue::JobState;
using std::chrono::milliseconds;
using testing::FaultKind;

constexpr milliseconds kLease{30'000};
// Longer than any test: the keepers' own threads never extend or re-check a lease here.
constexpr milliseconds kKeeperNeverTicks{3'600'000};
const queue::WorkerIdentity kWorker{"w1", {"core"}};
constexpr std::string_view kInvert = "invert;format:type=png";
// 96x64 in 32-pixel tiles: 3 x 2 tiles.
constexpr std::string_view kTiled = "blur:sigma=2;sharpen;format:type=png";
constexpr int kTiles = 6;

int CountEvents(const std::string& log, std::string_view event) {
  const std::string needle = "\"event\":\"" + std::string(event) + "\"";
  int n = 0;
  for (size_t at = log.find(needle); at != std::string::npos; at = log.find(needle, at + 1)) ++n;
  return n;
}

// A job store that, when its holder is about to record success, first lets `overtake` run (the
// other holder of a duplicated task running to its end), so the two runs overlap in the worst
// order: both computed and wrote the result, and the other recorded success and acked first.
class OvertakenJobStore final : public testing::ForwardingJobStore {
 public:
  OvertakenJobStore(queue::JobStore& target, std::function<void()> overtake)
      : ForwardingJobStore(target), overtake_(std::move(overtake)) {}

  Result<queue::JobRecord> Transition(std::string_view id, JobState to,
                                      const queue::JobUpdate& update) override {
    if (to == JobState::kSucceeded && overtake_) std::exchange(overtake_, nullptr)();
    return ForwardingJobStore::Transition(id, to, update);
  }

 private:
  std::function<void()> overtake_;
};

class WorkerFaultsTest : public testing::SqliteBackendsTest {
 protected:
  void SetUp() override {
    SqliteBackendsTest::SetUp();
    if (HasFatalFailure()) return;
    faulty_queue_ = std::make_unique<testing::FaultyTaskQueue>(*queue_, plan_);
    faulty_jobs_ = std::make_unique<testing::FaultyJobStore>(*jobs_, plan_);
    faulty_blobs_ = std::make_unique<testing::FaultyBlobStore>(*blobs_, plan_);
    keeper_ = std::make_unique<LeaseKeeper>(*faulty_queue_, kLease, kKeeperNeverTicks);
    runner_ = NewRunner(*faulty_jobs_, *keeper_);
  }

  std::unique_ptr<TaskRunner> NewRunner(queue::JobStore& jobs, LeaseKeeper& keeper) {
    engine::TilingOptions tiling;
    tiling.tile_size = 32;
    return std::make_unique<TaskRunner>(*faulty_queue_, jobs, *faulty_blobs_, keeper, clock_,
                                        Policy(), engine::ProcessOptions{}, tiling);
  }

  static jobs::RetryPolicy Policy() {
    jobs::RetryPolicy policy;
    policy.base = milliseconds(10);
    policy.cap = milliseconds(40);
    return policy;
  }

  // Submitted straight to the backends (the faults are for the worker).
  std::string Submit(int width, int height, std::string_view pipeline, std::string tiles = "off") {
    jobs::JobService service(*jobs_, *queue_, *blobs_, *registry_, clock_, engine::Limits{});
    input_ = testing::EncodeWithOpenCv(testing::MakeTestPattern(width, height), ".png");
    jobs::SubmitRequest req;
    req.image = input_;
    req.pipeline = std::string(pipeline);
    req.tiles = std::move(tiles);
    auto created = service.Submit(req);
    EXPECT_TRUE(created.has_value()) << created.error().ToString();
    return created ? created->job.id : "";
  }

  int64_t Unfinished() {
    auto s = queue_->Stats();
    return s->ready_high + s->ready_normal + s->ready_low + s->delayed + s->leased;
  }

  // One worker's claim loop, by hand: claims through the faulty queue and runs each task until
  // nothing is left, moving the clock past retry backoffs and expired leases (which the
  // worker's housekeeping would reclaim). Returns the outcomes in order.
  std::vector<TaskOutcome> Drain() {
    std::vector<TaskOutcome> outcomes;
    for (int round = 0; round < 100; ++round) {
      auto claimed = faulty_queue_->Claim(kWorker, kLease);
      if (claimed && *claimed) {
        outcomes.push_back(runner_->Run(**claimed));
        continue;
      }
      if (Unfinished() == 0) break;
      clock_.Advance(kLease + milliseconds(1));
      EXPECT_TRUE(queue_->ReclaimExpired(3).has_value());
    }
    return outcomes;
  }

  // Runs two deliveries of one task so that they overlap in the worst order: `second` runs to
  // its end while `first`, having written the result, is about to record the job's success.
  // Returns their outcomes (first, second).
  std::pair<TaskOutcome, TaskOutcome> RunOverlapping(const queue::ClaimedTask& first,
                                                     const queue::ClaimedTask& second) {
    std::optional<TaskOutcome> second_outcome;
    OvertakenJobStore overtaken(*faulty_jobs_, [&] { second_outcome = runner_->Run(second); });
    LeaseKeeper first_keeper(*faulty_queue_, kLease, kKeeperNeverTicks);
    TaskOutcome first_outcome = NewRunner(overtaken, first_keeper)->Run(first);
    EXPECT_TRUE(second_outcome.has_value()) << "the runs did not overlap";
    return {first_outcome, second_outcome.value_or(TaskOutcome::kAbandoned)};
  }

  // The job succeeded, and its result is byte for byte engine::Process's and, decoded by
  // OpenCV, the inverse of the input's pixels.
  void ExpectInvertedResult(const std::string& id) {
    auto job = jobs_->Get(id);
    ASSERT_TRUE(job.has_value()) << job.error().ToString();
    EXPECT_EQ(job->state, JobState::kSucceeded);
    EXPECT_FALSE(job->error.has_value()) << job->error->ToString();
    auto bytes = blobs_->Get(jobs::OutputKeyFor(id));
    ASSERT_TRUE(bytes.has_value()) << bytes.error().ToString();
    EXPECT_EQ(*bytes, testing::EngineOutput(input_, kInvert));
    cv::Mat decoded = testing::DecodeWithOpenCv(*bytes);
    cv::Mat input = testing::DecodeWithOpenCv(input_);
    ASSERT_FALSE(decoded.empty());
    cv::Mat inverted = cv::Scalar::all(255) - input;
    EXPECT_EQ(testing::MaxAbsDiff(decoded, inverted), 0.0);
  }

  void ExpectQueueEmpty() {
    auto s = queue_->Stats();
    EXPECT_EQ(Unfinished(), 0);
    EXPECT_EQ(s->dead, 0);
  }

  testing::FaultPlan plan_;
  std::unique_ptr<testing::FaultyTaskQueue> faulty_queue_;
  std::unique_ptr<testing::FaultyJobStore> faulty_jobs_;
  std::unique_ptr<testing::FaultyBlobStore> faulty_blobs_;
  std::unique_ptr<LeaseKeeper> keeper_;
  std::unique_ptr<TaskRunner> runner_;
  std::vector<uint8_t> input_;
};

TEST_F(WorkerFaultsTest, AResultWriteThatFailsOnceIsRetriedAndTheJobSucceeds) {
  plan_.Add({.method = "Put", .subject = "results/"});
  std::string id = Submit(64, 48, kInvert);

  EXPECT_EQ(Drain(), (std::vector{TaskOutcome::kRetried, TaskOutcome::kSucceeded}));
  ExpectInvertedResult(id);
  EXPECT_EQ(jobs_->Get(id)->attempts, 2);
  EXPECT_EQ(plan_.Injected(), 1);
  EXPECT_EQ(plan_.Calls("Put", "results/"), 2);
  ExpectQueueEmpty();
}

TEST_F(WorkerFaultsTest, AnAckWhoseReplyIsLostLeavesOneSucceededJobAndOneResultWrite) {
  plan_.Add({.method = "Ack", .kind = FaultKind::kLoseReply});
  std::string id = Submit(64, 48, kInvert);

  // The ack was applied: the task is gone and never delivered again.
  EXPECT_EQ(Drain(), std::vector{TaskOutcome::kSucceeded});
  EXPECT_EQ(plan_.Injected(), 1);
  ExpectInvertedResult(id);
  EXPECT_EQ(jobs_->Get(id)->attempts, 1);
  EXPECT_EQ(plan_.Calls("Put", "results/"), 1);
  EXPECT_EQ(plan_.Calls("Transition", "succeeded"), 1);
  ExpectQueueEmpty();
}

TEST_F(WorkerFaultsTest, AnAckThatNeverArrivedRedeliversTheTaskWhichIsOnlyAcked) {
  plan_.Add({.method = "Ack"});
  std::string id = Submit(64, 48, kInvert);

  // The task stays leased until its lease expires; its redelivery finds the job finished.
  EXPECT_EQ(Drain(), (std::vector{TaskOutcome::kSucceeded, TaskOutcome::kAbandoned}));
  ExpectInvertedResult(id);
  EXPECT_EQ(jobs_->Get(id)->attempts, 1) << "the redelivery restarted the finished job";
  EXPECT_EQ(plan_.Calls("Ack"), 2);
  EXPECT_EQ(plan_.Calls("Put", "results/"), 1);
  EXPECT_EQ(plan_.Calls("Transition", "running"), 1);
  EXPECT_EQ(plan_.Calls("Transition", "succeeded"), 1);
  ExpectQueueEmpty();
}

TEST_F(WorkerFaultsTest, AMoveToSucceededWhoseReplyIsLostStands) {
  plan_.Add({.method = "Transition", .subject = "succeeded", .kind = FaultKind::kLoseReply});
  std::string id = Submit(64, 48, kInvert);

  // The runner takes the lost reply for a storage fault and retries the task; the job is
  // already succeeded, so the move to failed_retrying is refused and the retry is only acked.
  EXPECT_EQ(Drain(), (std::vector{TaskOutcome::kRetried, TaskOutcome::kAbandoned}));
  ExpectInvertedResult(id);
  EXPECT_EQ(jobs_->Get(id)->attempts, 1);
  EXPECT_EQ(plan_.Calls("Put", "results/"), 1);
  ExpectQueueEmpty();
}

TEST_F(WorkerFaultsTest, ATaskDeliveredTwiceInTurnIsProcessedOnce) {
  plan_.Add({.method = "Claim", .kind = FaultKind::kTwice});
  std::string id = Submit(64, 48, kInvert);

  ::testing::internal::CaptureStderr();
  std::vector<TaskOutcome> outcomes = Drain();
  std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(outcomes, (std::vector{TaskOutcome::kSucceeded, TaskOutcome::kAbandoned}));
  ExpectInvertedResult(id);
  EXPECT_EQ(jobs_->Get(id)->attempts, 1);
  EXPECT_EQ(plan_.Calls("Put", "results/"), 1);
  EXPECT_EQ(plan_.Calls("Transition", "running"), 1);
  EXPECT_EQ(CountEvents(log, "job_succeeded"), 1) << log;
  ExpectQueueEmpty();
}

TEST_F(WorkerFaultsTest, ATaskDeliveredTwiceAndRunTwiceAtOnceSucceedsOnce) {
  plan_.Add({.method = "Claim", .kind = FaultKind::kTwice});
  std::string id = Submit(64, 48, kInvert);
  auto first = faulty_queue_->Claim(kWorker, kLease);
  auto second = faulty_queue_->Claim({"w2", {"core"}}, kLease);
  ASSERT_TRUE(first.has_value() && first->has_value());
  ASSERT_TRUE(second.has_value() && second->has_value());
  ASSERT_EQ((*first)->lease_token, (*second)->lease_token) << "not a duplicate delivery";

  ::testing::internal::CaptureStderr();
  auto [first_outcome, second_outcome] = RunOverlapping(**first, **second);
  std::string log = ::testing::internal::GetCapturedStderr();

  EXPECT_EQ(second_outcome, TaskOutcome::kSucceeded);
  EXPECT_EQ(first_outcome, TaskOutcome::kAbandoned) << "both holders reported the success";
  EXPECT_EQ(CountEvents(log, "job_succeeded"), 1) << log;
  ExpectInvertedResult(id);
  EXPECT_EQ(jobs_->Get(id)->attempts, 1);
  // Both wrote the result (each still held the lease then): the same bytes, so harmless.
  EXPECT_EQ(plan_.Calls("Put", "results/"), 2);
  EXPECT_EQ(plan_.Calls("Transition", "succeeded"), 2);
  ExpectQueueEmpty();
}

TEST_F(WorkerFaultsTest, AnAssemblyDeliveredTwiceAndRunTwiceAtOnceSucceedsOnce) {
  std::string id = Submit(96, 64, kTiled, "on");
  // Claims: the process task (which coordinates), the tiles, then the assembly, handed out twice.
  plan_.Add({.method = "Claim", .nth = 1 + kTiles + 1, .kind = FaultKind::kTwice});
  std::optional<queue::ClaimedTask> assembly;
  for (int i = 0; i < 1 + kTiles + 1 && !assembly; ++i) {
    auto claimed = faulty_queue_->Claim(kWorker, kLease);
    ASSERT_TRUE(claimed.has_value() && claimed->has_value()) << "claim " << i;
    if ((*claimed)->spec.kind == jobs::kAssembleTaskKind) {
      assembly = **claimed;
    } else {
      ASSERT_EQ(runner_->Run(**claimed), TaskOutcome::kSucceeded) << "claim " << i;
    }
  }
  ASSERT_TRUE(assembly.has_value());
  auto again = faulty_queue_->Claim({"w2", {"core"}}, kLease);
  ASSERT_TRUE(again.has_value() && again->has_value());
  ASSERT_EQ((*again)->lease_token, assembly->lease_token) << "not a duplicate delivery";

  ::testing::internal::CaptureStderr();
  auto [first_outcome, second_outcome] = RunOverlapping(*assembly, **again);
  std::string log = ::testing::internal::GetCapturedStderr();

  EXPECT_EQ(second_outcome, TaskOutcome::kSucceeded);
  EXPECT_EQ(first_outcome, TaskOutcome::kAbandoned);
  EXPECT_EQ(CountEvents(log, "job_succeeded"), 1) << log;
  auto job = jobs_->Get(id);
  ASSERT_TRUE(job.has_value());
  EXPECT_EQ(job->state, JobState::kSucceeded);
  EXPECT_EQ(job->tiles_done, kTiles);
  auto bytes = blobs_->Get(jobs::OutputKeyFor(id));
  ASSERT_TRUE(bytes.has_value());
  EXPECT_EQ(*bytes, testing::EngineOutput(input_, kTiled)) << "tiled != whole";
  EXPECT_TRUE(blobs_->List("tiles/")->empty());
  ExpectQueueEmpty();
}

TEST_F(WorkerFaultsTest, APoolGivenEveryTaskTwiceSucceedsEachJobOnce) {
  plan_.Add({.method = "Claim", .times = INT_MAX, .kind = FaultKind::kTwice});
  std::vector<std::string> ids;
  for (int i = 0; i < 6; ++i) ids.push_back(Submit(64, 48, kInvert));

  WorkerOptions options;
  options.threads = 2;
  options.lease = kLease;
  options.idle_poll_max = milliseconds(20);
  options.retry = Policy();
  Worker pool(*faulty_queue_, *faulty_jobs_, *faulty_blobs_, *registry_, clock_, options);
  pool.Start();
  auto all_succeeded = [&] {
    for (const auto& id : ids) {
      if (jobs_->Get(id)->state != JobState::kSucceeded) return false;
    }
    return true;
  };
  ASSERT_TRUE(testing::WaitFor(all_succeeded, milliseconds(20'000)));
  // Every duplicate is handed out by the claim after its original.
  ASSERT_TRUE(
      testing::WaitFor([&] { return pool.counters().succeeded + pool.counters().abandoned == 12; },
                       milliseconds(10'000)));
  pool.RequestStop();
  ASSERT_TRUE(pool.Wait(milliseconds(5000)));

  for (const auto& id : ids) ExpectInvertedResult(id);
  EXPECT_EQ(pool.counters().succeeded, 6);
  EXPECT_EQ(pool.counters().abandoned, 6);
  EXPECT_EQ(pool.counters().failed, 0);
  ExpectQueueEmpty();
}

TEST_F(WorkerFaultsTest, TileMarksLostOrAppliedTwiceStillAssembleTheExactResultOnce) {
  // The last tile's mark is applied but its reply lost (so nobody has yet seen every tile
  // done); every other mark is applied twice.
  plan_.Add({.method = "MarkTileDone", .nth = kTiles, .kind = FaultKind::kLoseReply})
      .Add({.method = "MarkTileDone", .times = INT_MAX, .kind = FaultKind::kTwice});
  std::string id = Submit(96, 64, kTiled, "on");

  ::testing::internal::CaptureStderr();
  std::vector<TaskOutcome> outcomes = Drain();
  std::string log = ::testing::internal::GetCapturedStderr();
  auto job = jobs_->Get(id);
  ASSERT_TRUE(job.has_value());
  EXPECT_EQ(job->state, JobState::kSucceeded) << log;
  EXPECT_EQ(job->tiles_total, kTiles);
  EXPECT_EQ(job->tiles_done, kTiles);
  // The process task, each tile once and the failed last one again, and one assembly.
  EXPECT_EQ(outcomes.size(), static_cast<size_t>(1 + kTiles + 1 + 1));
  EXPECT_EQ(CountEvents(log, "tile_run"), kTiles) << "a tile was computed twice";
  EXPECT_EQ(CountEvents(log, "job_succeeded"), 1);
  EXPECT_EQ(plan_.Calls("Put", "results/"), 1);
  auto bytes = blobs_->Get(jobs::OutputKeyFor(id));
  ASSERT_TRUE(bytes.has_value());
  EXPECT_EQ(*bytes, testing::EngineOutput(input_, kTiled)) << "tiled != whole";
  auto tiles_left = blobs_->List("tiles/");
  ASSERT_TRUE(tiles_left.has_value());
  EXPECT_TRUE(tiles_left->empty());
  ExpectQueueEmpty();
}

}  // namespace
}  // namespace tessera::worker
