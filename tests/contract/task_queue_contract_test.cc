// The TaskQueue contract (queue/task_queue.h), run against every backend: ordering, delays on
// the injected clock, leases and their fencing, retries, dead letters, cancellation, capability
// routing, statistics, and several clients claiming at once.
#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <thread>

#include "contract/queue_backends.h"
#include "queue/task_queue.h"

namespace tessera::queue {
namespace {

// The code of a failed call, "ok" for a success: an unexpected success then fails the
// expectation instead of aborting the whole run on error().
template <class T>
std::string CodeOf(const Result<T>& result) {
  return result ? "ok" : std::string(CodeName(result.error().code));
}

using std::chrono::milliseconds;
using std::chrono::seconds;

// Leases the tests let run out: short in real time, because Redis ages leases by its own clock.
constexpr milliseconds kShortLease{300};
constexpr milliseconds kLongLease{60'000};
const WorkerIdentity kCoreWorker{"worker-core", {"core"}};

std::string Describe(const Error& error) { return error.ToString(); }

class TaskQueueContract : public ::testing::TestWithParam<contract::QueueBackendFactory> {
 protected:
  void SetUp() override {
    backend_ = GetParam().make();
    queue_ = backend_->MakeQueue(clock_);
  }

  // Another client over the same state: another process, as far as the backend can tell.
  std::unique_ptr<TaskQueue> OtherClient() { return backend_->MakeQueue(clock_); }

  TaskSpec Task(std::string id, Priority priority = Priority::kNormal,
                std::vector<std::string> capabilities = {"core"}) {
    TaskSpec spec;
    spec.id = std::move(id);
    spec.job_id = "job-" + spec.id;
    spec.kind = "process";
    spec.payload = R"({"pipeline":"resize w=10"})";
    spec.priority = priority;
    spec.capabilities = std::move(capabilities);
    return spec;
  }

  void MustEnqueue(const TaskSpec& spec, TaskQueue* queue = nullptr) {
    Status enqueued = (queue ? queue : queue_.get())->Enqueue(spec);
    ASSERT_TRUE(enqueued.has_value()) << Describe(enqueued.error());
  }

  // The claimed task, or an empty one after recording a failure.
  ClaimedTask MustClaim(TaskQueue& queue, const WorkerIdentity& worker = kCoreWorker,
                        milliseconds lease = kLongLease) {
    Result<std::optional<ClaimedTask>> claimed = queue.Claim(worker, lease);
    if (!claimed) {
      ADD_FAILURE() << "Claim failed: " << Describe(claimed.error());
      return {};
    }
    if (!*claimed) {
      ADD_FAILURE() << "Claim found nothing for " << worker.id;
      return {};
    }
    return **claimed;
  }
  ClaimedTask MustClaim(const WorkerIdentity& worker = kCoreWorker,
                        milliseconds lease = kLongLease) {
    return MustClaim(*queue_, worker, lease);
  }

  // The id of whatever `worker` can claim now, "" if nothing.
  std::string ClaimedId(const WorkerIdentity& worker = kCoreWorker) {
    Result<std::optional<ClaimedTask>> claimed = queue_->Claim(worker, kLongLease);
    if (!claimed) {
      ADD_FAILURE() << "Claim failed: " << Describe(claimed.error());
      return "<error>";
    }
    return *claimed ? (*claimed)->spec.id : "";
  }

  QueueStats MustStats() {
    Result<QueueStats> stats = queue_->Stats();
    if (!stats) {
      ADD_FAILURE() << "Stats failed: " << Describe(stats.error());
      return {};
    }
    return *stats;
  }

  // Lets every lease taken with kShortLease run out (on the injected clock, and in real time
  // for backends that age leases by their own) and calls ReclaimExpired until it has handled
  // `expected` tasks or a deadline passes. Returns how many it handled.
  int ExpireShortLeases(int expected, int max_lease_expiries = 10) {
    clock_.Advance(kShortLease + milliseconds(1));
    auto give_up = std::chrono::steady_clock::now() + seconds(5);
    int handled = 0;
    while (true) {
      Result<int> reclaimed = queue_->ReclaimExpired(max_lease_expiries);
      if (!reclaimed) {
        ADD_FAILURE() << "ReclaimExpired failed: " << Describe(reclaimed.error());
        return handled;
      }
      handled += *reclaimed;
      if (handled >= expected || std::chrono::steady_clock::now() > give_up) return handled;
      std::this_thread::sleep_for(milliseconds(20));
    }
  }

  // Lets `span` pass on the injected clock and, where leases follow the backend's own clock,
  // in real time too.
  void PassLeaseTime(milliseconds span) {
    clock_.Advance(span);
    if (!backend_->leases_follow_injected_clock()) std::this_thread::sleep_for(span);
  }

  ManualClock clock_;
  std::unique_ptr<contract::QueueBackend> backend_;
  std::unique_ptr<TaskQueue> queue_;
};

TEST_P(TaskQueueContract, ClaimReturnsTheEnqueuedTaskUnderALease) {
  TaskSpec spec = Task("t1");
  spec.payload = std::string("binary\0payload\xff", 16);
  MustEnqueue(spec);
  ClaimedTask claimed = MustClaim();
  EXPECT_EQ(claimed.spec, spec);
  EXPECT_EQ(claimed.attempt, 1);
  EXPECT_EQ(claimed.lease_expiries, 0);
  EXPECT_EQ(claimed.worker_id, kCoreWorker.id);
  EXPECT_FALSE(claimed.lease_token.empty());
  EXPECT_EQ(OtherClient()->Claim(kCoreWorker, kLongLease)->has_value(), false)
      << "a leased task must not reach a second holder";
  EXPECT_TRUE(queue_->Ack(claimed).has_value());
  EXPECT_EQ(ClaimedId(), "");
}

TEST_P(TaskQueueContract, ClaimReturnsNulloptWhenNothingIsReady) {
  Result<std::optional<ClaimedTask>> claimed = queue_->Claim(kCoreWorker, kLongLease);
  ASSERT_TRUE(claimed.has_value()) << Describe(claimed.error());
  EXPECT_FALSE(claimed->has_value());
}

TEST_P(TaskQueueContract, EnqueueRejectsAnEmptyIdOrJobId) {
  TaskSpec no_id = Task("");
  EXPECT_EQ(CodeOf(queue_->Enqueue(no_id)), "bad_request");
  TaskSpec no_job = Task("t1");
  no_job.job_id.clear();
  EXPECT_EQ(CodeOf(queue_->Enqueue(no_job)), "bad_request");
  EXPECT_EQ(ClaimedId(), "");
}

TEST_P(TaskQueueContract, HigherPriorityFirstThenFirstInFirstOut) {
  MustEnqueue(Task("low-1", Priority::kLow));
  MustEnqueue(Task("normal-1", Priority::kNormal));
  MustEnqueue(Task("high-1", Priority::kHigh));
  MustEnqueue(Task("normal-2", Priority::kNormal));
  MustEnqueue(Task("high-2", Priority::kHigh));
  MustEnqueue(Task("low-2", Priority::kLow));
  std::vector<std::string> order;
  for (int i = 0; i < 6; ++i) order.push_back(ClaimedId());
  EXPECT_EQ(order, (std::vector<std::string>{"high-1", "high-2", "normal-1", "normal-2", "low-1",
                                             "low-2"}));
  EXPECT_EQ(ClaimedId(), "");
}

TEST_P(TaskQueueContract, NotBeforeFollowsTheInjectedClock) {
  TaskSpec later = Task("later");
  later.not_before = clock_.Now() + std::chrono::hours(1);
  MustEnqueue(later);
  EXPECT_EQ(ClaimedId(), "");
  EXPECT_EQ(MustStats().delayed, 1);
  clock_.Advance(std::chrono::minutes(59));
  EXPECT_EQ(ClaimedId(), "");
  clock_.Advance(std::chrono::minutes(1));
  EXPECT_EQ(ClaimedId(), "later");
}

TEST_P(TaskQueueContract, ADelayedTaskQueuesBehindTasksReadyBeforeIt) {
  TaskSpec delayed = Task("delayed");
  delayed.not_before = clock_.Now() + seconds(10);
  MustEnqueue(delayed);
  clock_.Advance(seconds(5));
  MustEnqueue(Task("prompt"));
  clock_.Advance(seconds(10));
  EXPECT_EQ(ClaimedId(), "prompt");
  EXPECT_EQ(ClaimedId(), "delayed");
}

TEST_P(TaskQueueContract, RetryBackoffFollowsTheInjectedClock) {
  MustEnqueue(Task("t1"));
  ClaimedTask first = MustClaim();
  ASSERT_TRUE(queue_
                  ->Retry(first, clock_.Now() + seconds(30),
                          MakeError(ErrorCode::kUnavailable, "blob store down"))
                  .has_value());
  EXPECT_EQ(ClaimedId(), "");
  QueueStats stats = MustStats();
  EXPECT_EQ(stats.delayed, 1);
  EXPECT_EQ(stats.leased, 0);
  clock_.Advance(seconds(29));
  EXPECT_EQ(ClaimedId(), "");
  clock_.Advance(seconds(1));
  ClaimedTask second = MustClaim();
  EXPECT_EQ(second.spec.id, "t1");
  EXPECT_EQ(second.attempt, 2);
  EXPECT_EQ(second.lease_expiries, 0);
}

TEST_P(TaskQueueContract, EnqueueOfAKnownIdIsANoOpInEveryState) {
  TaskSpec original = Task("t1");
  original.payload = "first";
  MustEnqueue(original);
  TaskSpec again = original;
  again.payload = "second";
  MustEnqueue(again);  // ready
  ClaimedTask claimed = MustClaim();
  EXPECT_EQ(claimed.spec.payload, "first");
  MustEnqueue(again);  // leased
  EXPECT_EQ(ClaimedId(), "");
  ASSERT_TRUE(queue_->Ack(claimed).has_value());
  MustEnqueue(again);  // acked
  EXPECT_EQ(ClaimedId(), "") << "an acked task must never be delivered again";

  MustEnqueue(Task("buried"));
  ASSERT_TRUE(queue_->Bury(MustClaim(), MakeError(ErrorCode::kCorruptImage, "x")).has_value());
  MustEnqueue(Task("buried"));
  EXPECT_EQ(ClaimedId(), "");
  EXPECT_EQ(queue_->ListDead(10)->size(), 1u);

  MustEnqueue(Task("cancelled"));
  ASSERT_TRUE(queue_->Cancel("cancelled").has_value());
  MustEnqueue(Task("cancelled"));
  EXPECT_EQ(ClaimedId(), "");

  QueueStats stats = MustStats();
  EXPECT_EQ(stats.ready_normal, 0);
  EXPECT_EQ(stats.leased, 0);
  EXPECT_EQ(stats.dead, 1);
}

TEST_P(TaskQueueContract, KnowsEveryIdEnqueueWouldTreatAsKnown) {
  auto knows = [&](const std::string& id) {
    Result<bool> known = OtherClient()->Knows(id);
    EXPECT_TRUE(known.has_value()) << Describe(known.error());
    return known && *known;
  };
  EXPECT_FALSE(knows("never"));
  MustEnqueue(Task("t1"));
  EXPECT_TRUE(knows("t1"));  // ready
  ClaimedTask claimed = MustClaim();
  EXPECT_TRUE(knows("t1"));  // leased
  ASSERT_TRUE(queue_->Ack(claimed).has_value());
  EXPECT_TRUE(knows("t1"));  // acked, within the retention window

  TaskSpec delayed = Task("delayed");
  delayed.not_before = clock_.Now() + seconds(60);
  MustEnqueue(delayed);
  EXPECT_TRUE(knows("delayed"));

  MustEnqueue(Task("buried"));
  ASSERT_TRUE(queue_->Bury(MustClaim(), MakeError(ErrorCode::kCorruptImage, "x")).has_value());
  EXPECT_TRUE(knows("buried"));

  MustEnqueue(Task("cancelled"));
  ASSERT_TRUE(queue_->Cancel("cancelled").has_value());
  EXPECT_TRUE(knows("cancelled"));
}

TEST_P(TaskQueueContract, AnExpiredLeaseIsReclaimedForTheNextWorker) {
  MustEnqueue(Task("t1"));
  ClaimedTask first = MustClaim(*queue_, kCoreWorker, kShortLease);
  EXPECT_EQ(*queue_->ReclaimExpired(3), 0) << "nothing has expired yet";
  EXPECT_EQ(ExpireShortLeases(1), 1);
  auto other = OtherClient();
  ClaimedTask second = MustClaim(*other, {"worker-2", {"core"}});
  EXPECT_EQ(second.spec, first.spec);
  EXPECT_EQ(second.attempt, 2);
  EXPECT_EQ(second.lease_expiries, 1);
  EXPECT_EQ(second.worker_id, "worker-2");
  EXPECT_NE(second.lease_token, first.lease_token);
}

// A crashed worker's task keeps its place: it runs before work of its priority that arrived
// after it, not behind the whole backlog.
TEST_P(TaskQueueContract, AReclaimedTaskRunsBeforeNewerWorkOfItsPriority) {
  MustEnqueue(Task("first"));
  MustEnqueue(Task("second"));
  ClaimedTask crashed = MustClaim(*queue_, kCoreWorker, kShortLease);
  ASSERT_EQ(crashed.spec.id, "first");
  clock_.Advance(milliseconds(1));
  for (int i = 0; i < 5; ++i) MustEnqueue(Task("newer-" + std::to_string(i)));
  MustEnqueue(Task("low", Priority::kLow));
  ASSERT_EQ(ExpireShortLeases(1), 1);
  MustEnqueue(Task("after-reclaim"));
  MustEnqueue(Task("high", Priority::kHigh));
  std::vector<std::string> order;
  for (int i = 0; i < 10; ++i) order.push_back(ClaimedId());
  EXPECT_EQ(order,
            (std::vector<std::string>{"high", "first", "second", "newer-0", "newer-1", "newer-2",
                                      "newer-3", "newer-4", "after-reclaim", "low"}));
}

TEST_P(TaskQueueContract, AttemptsCountRetriesAndExpiredLeases) {
  MustEnqueue(Task("t1"));
  ClaimedTask claimed = MustClaim();
  EXPECT_EQ(claimed.attempt, 1);
  ASSERT_TRUE(queue_->Retry(claimed, clock_.Now(), MakeError(ErrorCode::kIo, "1")).has_value());
  claimed = MustClaim(*queue_, kCoreWorker, kShortLease);
  EXPECT_EQ(claimed.attempt, 2);
  ASSERT_EQ(ExpireShortLeases(1), 1);
  claimed = MustClaim();
  EXPECT_EQ(claimed.attempt, 3);
  EXPECT_EQ(claimed.lease_expiries, 1);
  ASSERT_TRUE(queue_->Retry(claimed, clock_.Now(), MakeError(ErrorCode::kIo, "3")).has_value());
  claimed = MustClaim();
  EXPECT_EQ(claimed.attempt, 4);
  EXPECT_EQ(claimed.lease_expiries, 1);
}

TEST_P(TaskQueueContract, ATaskWhoseLeasesKeepExpiringEndsDead) {
  MustEnqueue(Task("poison"));
  MustClaim(*queue_, kCoreWorker, kShortLease);
  ASSERT_EQ(ExpireShortLeases(1, /*max_lease_expiries=*/1), 1);
  ClaimedTask second = MustClaim(*queue_, kCoreWorker, kShortLease);
  EXPECT_EQ(second.lease_expiries, 1);
  ASSERT_EQ(ExpireShortLeases(1, /*max_lease_expiries=*/1), 1);
  EXPECT_EQ(ClaimedId(), "") << "over its lease-expiry budget the task must be dead";
  Result<std::vector<DeadTask>> dead = queue_->ListDead(10);
  ASSERT_TRUE(dead.has_value()) << Describe(dead.error());
  ASSERT_EQ(dead->size(), 1u);
  EXPECT_EQ((*dead)[0].spec.id, "poison");
  EXPECT_EQ((*dead)[0].attempts, 2);
  EXPECT_EQ(MustStats().dead, 1);
}

TEST_P(TaskQueueContract, AStaleHolderIsFencedOffAfterItsLeaseWasReclaimed) {
  MustEnqueue(Task("t1"));
  ClaimedTask stale = MustClaim(*queue_, kCoreWorker, kShortLease);
  ASSERT_EQ(ExpireShortLeases(1), 1);
  auto other = OtherClient();
  ClaimedTask current = MustClaim(*other, {"worker-2", {"core"}});
  Error failure = MakeError(ErrorCode::kInternal, "stale");
  EXPECT_EQ(CodeOf(queue_->Ack(stale)), "conflict");
  EXPECT_EQ(CodeOf(queue_->ExtendLease(stale, kLongLease)), "conflict");
  EXPECT_EQ(CodeOf(queue_->Retry(stale, clock_.Now(), failure)), "conflict");
  EXPECT_EQ(CodeOf(queue_->Bury(stale, failure)), "conflict");
  EXPECT_EQ(queue_->ListDead(10)->size(), 0u);
  Status acked = other->Ack(current);
  EXPECT_TRUE(acked.has_value()) << Describe(acked.error());
  EXPECT_EQ(CodeOf(queue_->ExtendLease(stale, kLongLease)), "conflict")
      << "acked by another holder";
  EXPECT_EQ(ClaimedId(), "");
}

TEST_P(TaskQueueContract, ExtendLeaseKeepsTheTaskFromBeingReclaimed) {
  MustEnqueue(Task("t1"));
  ClaimedTask claimed = MustClaim(*queue_, kCoreWorker, kShortLease);
  Status extended = queue_->ExtendLease(claimed, kLongLease);
  ASSERT_TRUE(extended.has_value()) << Describe(extended.error());
  PassLeaseTime(2 * kShortLease);
  EXPECT_EQ(*queue_->ReclaimExpired(3), 0);
  EXPECT_EQ(OtherClient()->Claim(kCoreWorker, kLongLease)->has_value(), false);
  Status acked = queue_->Ack(claimed);
  EXPECT_TRUE(acked.has_value()) << Describe(acked.error());
}

TEST_P(TaskQueueContract, ExtendLeaseRunsTheLeaseFromNowEvenWhenShorter) {
  MustEnqueue(Task("t1"));
  ClaimedTask claimed = MustClaim(*queue_, kCoreWorker, kLongLease);
  ASSERT_TRUE(queue_->ExtendLease(claimed, kShortLease).has_value());
  EXPECT_EQ(ExpireShortLeases(1), 1);
  EXPECT_EQ(MustClaim().attempt, 2);
}

// Nobody else can take a task until ReclaimExpired runs, so its holder still may settle it.
TEST_P(TaskQueueContract, AnExpiredLeaseIsHeldUntilReclaimed) {
  MustEnqueue(Task("t1"));
  ClaimedTask claimed = MustClaim(*queue_, kCoreWorker, kShortLease);
  PassLeaseTime(kShortLease + milliseconds(50));
  Status acked = queue_->Ack(claimed);
  EXPECT_TRUE(acked.has_value()) << Describe(acked.error());
  EXPECT_EQ(*queue_->ReclaimExpired(3), 0);
  EXPECT_EQ(ClaimedId(), "");
}

TEST_P(TaskQueueContract, AHolderThatSettledItsTaskNoLongerHoldsTheLease) {
  Error failure = MakeError(ErrorCode::kInternal, "x");
  MustEnqueue(Task("acked"));
  ClaimedTask acked = MustClaim();
  ASSERT_TRUE(queue_->Ack(acked).has_value());
  EXPECT_EQ(CodeOf(queue_->Ack(acked)), "conflict");
  EXPECT_EQ(CodeOf(queue_->ExtendLease(acked, kLongLease)), "conflict");

  MustEnqueue(Task("retried"));
  ClaimedTask retried = MustClaim();
  ASSERT_TRUE(queue_->Retry(retried, clock_.Now() + seconds(60), failure).has_value());
  EXPECT_EQ(CodeOf(queue_->Ack(retried)), "conflict");
  EXPECT_EQ(CodeOf(queue_->Bury(retried, failure)), "conflict");

  MustEnqueue(Task("buried"));
  ClaimedTask buried = MustClaim();
  ASSERT_TRUE(queue_->Bury(buried, failure).has_value());
  EXPECT_EQ(CodeOf(queue_->Retry(buried, clock_.Now(), failure)), "conflict");
  EXPECT_EQ(queue_->ListDead(10)->size(), 1u);
  EXPECT_EQ(MustStats().delayed, 1) << "the retried task still waits for its backoff";
}

TEST_P(TaskQueueContract, BuryMovesTheTaskToTheDeadLetters) {
  TaskSpec spec = Task("t1", Priority::kHigh, {"core", "detect"});
  MustEnqueue(spec);
  ClaimedTask claimed = MustClaim({"w", {"core", "detect"}});
  clock_.Advance(seconds(3));
  Error error = MakeError(ErrorCode::kCorruptImage, "truncated JPEG", "input", "libjpeg: EOF");
  ASSERT_TRUE(queue_->Bury(claimed, error).has_value());
  EXPECT_EQ(ClaimedId({"w", {"core", "detect"}}), "");
  Result<std::vector<DeadTask>> dead = queue_->ListDead(10);
  ASSERT_TRUE(dead.has_value()) << Describe(dead.error());
  ASSERT_EQ(dead->size(), 1u);
  EXPECT_EQ((*dead)[0].spec, spec);
  EXPECT_EQ((*dead)[0].attempts, 1);
  EXPECT_EQ((*dead)[0].last_error.code, ErrorCode::kCorruptImage);
  EXPECT_EQ((*dead)[0].last_error.message, "truncated JPEG");
  EXPECT_EQ((*dead)[0].died, clock_.Now());
  EXPECT_EQ(MustStats().dead, 1);
}

TEST_P(TaskQueueContract, ListDeadIsMostRecentFirstAndLimited) {
  for (const char* id : {"a", "b", "c"}) {
    MustEnqueue(Task(id));
    ASSERT_TRUE(queue_->Bury(MustClaim(), MakeError(ErrorCode::kInternal, id)).has_value());
    clock_.Advance(seconds(1));
  }
  auto ids = [](const std::vector<DeadTask>& dead) {
    std::vector<std::string> out;
    for (const DeadTask& d : dead) out.push_back(d.spec.id);
    return out;
  };
  EXPECT_EQ(ids(*queue_->ListDead(10)), (std::vector<std::string>{"c", "b", "a"}));
  EXPECT_EQ(ids(*queue_->ListDead(2)), (std::vector<std::string>{"c", "b"}));
}

TEST_P(TaskQueueContract, RequeueMakesADeadTaskReadyWithFreshAttempts) {
  MustEnqueue(Task("t1"));
  ASSERT_TRUE(queue_->Retry(MustClaim(), clock_.Now(), MakeError(ErrorCode::kIo, "1")).has_value());
  ASSERT_TRUE(queue_->Bury(MustClaim(), MakeError(ErrorCode::kIo, "2")).has_value());
  Status requeued = queue_->Requeue("t1");
  ASSERT_TRUE(requeued.has_value()) << Describe(requeued.error());
  EXPECT_TRUE(queue_->ListDead(10)->empty());
  ClaimedTask again = MustClaim();
  EXPECT_EQ(again.spec.id, "t1");
  EXPECT_EQ(again.attempt, 1);
  EXPECT_EQ(again.lease_expiries, 0);
}

TEST_P(TaskQueueContract, RequeueRefusesTasksThatAreNotDead) {
  EXPECT_EQ(CodeOf(queue_->Requeue("unknown")), "not_found");
  MustEnqueue(Task("ready"));
  EXPECT_EQ(CodeOf(queue_->Requeue("ready")), "conflict");
  ClaimedTask leased = MustClaim();
  EXPECT_EQ(CodeOf(queue_->Requeue("ready")), "conflict");
  EXPECT_TRUE(queue_->Ack(leased).has_value()) << "a refused Requeue must not disturb the lease";
}

TEST_P(TaskQueueContract, CancelRemovesReadyAndDelayedTasks) {
  MustEnqueue(Task("ready"));
  TaskSpec delayed = Task("delayed");
  delayed.not_before = clock_.Now() + std::chrono::hours(1);
  MustEnqueue(delayed);
  EXPECT_TRUE(queue_->Cancel("ready").has_value());
  EXPECT_TRUE(queue_->Cancel("delayed").has_value());
  clock_.Advance(std::chrono::hours(2));
  EXPECT_EQ(ClaimedId(), "");
  QueueStats stats = MustStats();
  EXPECT_EQ(stats.ready_normal + stats.delayed + stats.leased + stats.dead, 0);
  EXPECT_TRUE(queue_->Cancel("ready").has_value()) << "cancelling twice is a no-op";
}

TEST_P(TaskQueueContract, CancelOfALeasedTaskReachesItsHolder) {
  // One task per way the holder can next touch it.
  for (const char* id : {"extend", "ack", "retry", "bury"}) MustEnqueue(Task(id));
  Error failure = MakeError(ErrorCode::kInternal, "x");
  for (int i = 0; i < 4; ++i) {
    ClaimedTask held = MustClaim();
    ASSERT_TRUE(OtherClient()->Cancel(held.spec.id).has_value());
    Status touched = held.spec.id == "extend"  ? queue_->ExtendLease(held, kLongLease)
                     : held.spec.id == "ack"   ? queue_->Ack(held)
                     : held.spec.id == "retry" ? queue_->Retry(held, clock_.Now(), failure)
                                               : queue_->Bury(held, failure);
    EXPECT_EQ(CodeOf(touched), "cancelled") << held.spec.id;
  }
  EXPECT_EQ(ClaimedId(), "");
  EXPECT_TRUE(queue_->ListDead(10)->empty());
}

TEST_P(TaskQueueContract, ACancelledLeaseThatExpiresIsNotRedelivered) {
  MustEnqueue(Task("t1"));
  MustClaim(*queue_, kCoreWorker, kShortLease);
  ASSERT_TRUE(queue_->Cancel("t1").has_value());
  PassLeaseTime(kShortLease + milliseconds(50));
  ASSERT_TRUE(queue_->ReclaimExpired(3).has_value());
  EXPECT_EQ(ClaimedId(), "");
  EXPECT_TRUE(queue_->ListDead(10)->empty());
}

TEST_P(TaskQueueContract, CancelIsNotFoundForUnknownIdsAndANoOpWhenFinished) {
  EXPECT_EQ(CodeOf(queue_->Cancel("unknown")), "not_found");
  MustEnqueue(Task("acked"));
  ASSERT_TRUE(queue_->Ack(MustClaim()).has_value());
  EXPECT_TRUE(queue_->Cancel("acked").has_value());
  MustEnqueue(Task("dead"));
  ASSERT_TRUE(queue_->Bury(MustClaim(), MakeError(ErrorCode::kInternal, "x")).has_value());
  EXPECT_TRUE(queue_->Cancel("dead").has_value());
  EXPECT_EQ(queue_->ListDead(10)->size(), 1u) << "cancelling a dead task leaves it dead";
}

TEST_P(TaskQueueContract, AWorkerNeverReceivesATaskNeedingACapabilityItLacks) {
  MustEnqueue(Task("needs-detect", Priority::kHigh, {"core", "detect"}));
  MustEnqueue(Task("core-only", Priority::kLow, {"core"}));
  EXPECT_EQ(ClaimedId({"core", {"core"}}), "core-only") << "skips what it cannot run";
  EXPECT_EQ(ClaimedId({"core", {"core"}}), "");
  EXPECT_EQ(ClaimedId({"detect-only", {"detect"}}), "");
  EXPECT_EQ(ClaimedId({"superset", {"gpu", "detect", "core"}}), "needs-detect");
}

TEST_P(TaskQueueContract, ATaskNeedingNothingGoesToAnyWorker) {
  MustEnqueue(Task("plain", Priority::kNormal, {}));
  EXPECT_EQ(ClaimedId({"bare", {}}), "plain");
  MustEnqueue(Task("core", Priority::kNormal, {"core"}));
  EXPECT_EQ(ClaimedId({"bare", {}}), "");
}

TEST_P(TaskQueueContract, StatsCountTasksByState) {
  QueueStats empty = MustStats();
  EXPECT_EQ(empty.ready_high + empty.ready_normal + empty.ready_low + empty.delayed + empty.leased +
                empty.dead,
            0);
  EXPECT_EQ(empty.oldest_ready_age, milliseconds(0));

  MustEnqueue(Task("leased", Priority::kHigh));
  MustClaim();
  MustEnqueue(Task("dead", Priority::kHigh));
  ASSERT_TRUE(queue_->Bury(MustClaim(), MakeError(ErrorCode::kInternal, "x")).has_value());
  MustEnqueue(Task("h1", Priority::kHigh));
  MustEnqueue(Task("n1", Priority::kNormal));
  MustEnqueue(Task("n2", Priority::kNormal));
  MustEnqueue(Task("l1", Priority::kLow));
  TaskSpec delayed = Task("d1", Priority::kHigh);
  delayed.not_before = clock_.Now() + std::chrono::minutes(1);
  MustEnqueue(delayed);
  clock_.Advance(seconds(5));

  QueueStats stats = MustStats();
  EXPECT_EQ(stats.ready_high, 1);
  EXPECT_EQ(stats.ready_normal, 2);
  EXPECT_EQ(stats.ready_low, 1);
  EXPECT_EQ(stats.delayed, 1);
  EXPECT_EQ(stats.leased, 1);
  EXPECT_EQ(stats.dead, 1);
  EXPECT_EQ(stats.oldest_ready_age, seconds(5));
}

TEST_P(TaskQueueContract, OldestReadyAgeCountsFromNotBefore) {
  TaskSpec delayed = Task("t1");
  delayed.not_before = clock_.Now() + seconds(10);
  MustEnqueue(delayed);
  EXPECT_EQ(MustStats().oldest_ready_age, milliseconds(0)) << "not claimable yet";
  clock_.Advance(seconds(15));
  EXPECT_EQ(MustStats().oldest_ready_age, seconds(5));
}

TEST_P(TaskQueueContract, PingSucceeds) { EXPECT_TRUE(queue_->Ping().has_value()); }

// Four workers, each its own client, drain 500 tasks: every task acked exactly once.
TEST_P(TaskQueueContract, ConcurrentWorkersAckEveryTaskExactlyOnce) {
  constexpr int kTasks = 500;
  constexpr int kWorkers = 4;
  for (int i = 0; i < kTasks; ++i) {
    MustEnqueue(Task("t" + std::to_string(i), static_cast<Priority>(i % 3)));
  }
  std::vector<std::unique_ptr<TaskQueue>> clients;
  for (int w = 0; w < kWorkers; ++w) clients.push_back(OtherClient());
  std::mutex mu;
  std::map<std::string, int> acks;
  std::vector<std::string> failures;
  std::vector<std::thread> workers;
  for (int w = 0; w < kWorkers; ++w) {
    workers.emplace_back([&, w] {
      WorkerIdentity me{"worker-" + std::to_string(w), {"core"}};
      while (true) {
        Result<std::optional<ClaimedTask>> claimed = clients[w]->Claim(me, kLongLease);
        if (!claimed || !*claimed) {
          std::lock_guard<std::mutex> lock(mu);
          if (!claimed) failures.push_back("claim: " + Describe(claimed.error()));
          return;
        }
        Status acked = clients[w]->Ack(**claimed);
        std::lock_guard<std::mutex> lock(mu);
        if (acked) {
          ++acks[(*claimed)->spec.id];
        } else {
          failures.push_back("ack: " + Describe(acked.error()));
        }
      }
    });
  }
  for (std::thread& t : workers) t.join();
  EXPECT_TRUE(failures.empty()) << failures.size() << " failures, first: " << failures[0];
  EXPECT_EQ(acks.size(), static_cast<size_t>(kTasks));
  for (const auto& [id, count] : acks) EXPECT_EQ(count, 1) << id;
  QueueStats stats = MustStats();
  EXPECT_EQ(stats.ready_high + stats.ready_normal + stats.ready_low + stats.delayed + stats.leased +
                stats.dead,
            0);
  EXPECT_EQ(ClaimedId(), "");
}

INSTANTIATE_TEST_SUITE_P(AllBackends, TaskQueueContract,
                         ::testing::ValuesIn(contract::QueueBackends()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace tessera::queue
