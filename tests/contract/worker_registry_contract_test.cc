// The WorkerRegistry contract (queue/worker_registry.h), run against every backend: heartbeats
// register and refresh workers, a worker that stops heartbeating drops out after its TTL, and
// ListLive is ordered by id.
#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

#include "contract/queue_backends.h"
#include "queue/worker_registry.h"

namespace tessera::queue {
namespace {

// The code of a failed call, "ok" for a success: an unexpected success then fails the
// expectation instead of aborting the whole run on error().
template <class T>
std::string CodeOf(const Result<T>& result) {
  return result ? "ok" : std::string(CodeName(result.error().code));
}

using std::chrono::milliseconds;

// Short in real time, because Redis expires registrations by its own clock.
constexpr milliseconds kShortTtl{300};
constexpr milliseconds kLongTtl{60'000};

class WorkerRegistryContract : public ::testing::TestWithParam<contract::QueueBackendFactory> {
 protected:
  void SetUp() override {
    backend_ = GetParam().make();
    registry_ = backend_->MakeRegistry(clock_);
  }

  WorkerInfo Worker(std::string id) {
    WorkerInfo info;
    info.id = std::move(id);
    info.host = "host-a";
    info.pid = 4242;
    info.capabilities = {"core", "detect"};
    info.threads = 4;
    info.started = clock_.Now() - std::chrono::minutes(5);
    info.tasks_succeeded = 10;
    info.tasks_failed = 1;
    return info;
  }

  void MustHeartbeat(const WorkerInfo& info, milliseconds ttl) {
    Status beat = registry_->Heartbeat(info, ttl);
    ASSERT_TRUE(beat.has_value()) << beat.error().ToString();
  }

  std::vector<std::string> LiveIds() {
    Result<std::vector<WorkerInfo>> live = registry_->ListLive();
    if (!live) {
      ADD_FAILURE() << "ListLive failed: " << live.error().ToString();
      return {};
    }
    std::vector<std::string> ids;
    for (const WorkerInfo& info : *live) ids.push_back(info.id);
    return ids;
  }

  // Lets `span` pass on the injected clock and, where TTLs follow the backend's own clock, in
  // real time too.
  void PassTtlTime(milliseconds span) {
    clock_.Advance(span);
    if (!backend_->leases_follow_injected_clock()) std::this_thread::sleep_for(span);
  }

  // Whether `id` drops out of ListLive within a few seconds of real time.
  bool DropsOut(const std::string& id) {
    auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (std::chrono::steady_clock::now() < give_up) {
      std::vector<std::string> ids = LiveIds();
      if (std::find(ids.begin(), ids.end(), id) == ids.end()) return true;
      std::this_thread::sleep_for(milliseconds(20));
    }
    return false;
  }

  ManualClock clock_;
  std::unique_ptr<contract::QueueBackend> backend_;
  std::unique_ptr<WorkerRegistry> registry_;
};

TEST_P(WorkerRegistryContract, HeartbeatRegistersTheWorker) {
  WorkerInfo info = Worker("w1");
  MustHeartbeat(info, kLongTtl);
  Result<std::vector<WorkerInfo>> live = backend_->MakeRegistry(clock_)->ListLive();
  ASSERT_TRUE(live.has_value()) << live.error().ToString();
  ASSERT_EQ(live->size(), 1u);
  WorkerInfo expected = info;
  expected.last_heartbeat = clock_.Now();
  EXPECT_EQ((*live)[0], expected);
}

TEST_P(WorkerRegistryContract, HeartbeatRejectsAnEmptyId) {
  EXPECT_EQ(CodeOf(registry_->Heartbeat(Worker(""), kLongTtl)), "bad_request");
  EXPECT_TRUE(LiveIds().empty());
}

TEST_P(WorkerRegistryContract, ARefreshReplacesEveryField) {
  MustHeartbeat(Worker("w1"), kLongTtl);
  clock_.Advance(std::chrono::seconds(10));
  WorkerInfo refreshed = Worker("w1");
  refreshed.capabilities = {"core"};
  refreshed.threads = 8;
  refreshed.tasks_succeeded = 11;
  refreshed.tasks_failed = 2;
  MustHeartbeat(refreshed, kLongTtl);
  Result<std::vector<WorkerInfo>> live = registry_->ListLive();
  ASSERT_TRUE(live.has_value());
  ASSERT_EQ(live->size(), 1u);
  WorkerInfo expected = refreshed;
  expected.last_heartbeat = clock_.Now();
  EXPECT_EQ((*live)[0], expected);
}

TEST_P(WorkerRegistryContract, AWorkerThatStopsHeartbeatingDropsOutAfterItsTtl) {
  MustHeartbeat(Worker("silent"), kShortTtl);
  MustHeartbeat(Worker("steady"), kLongTtl);
  EXPECT_EQ(LiveIds(), (std::vector<std::string>{"silent", "steady"}));
  clock_.Advance(kShortTtl + milliseconds(1));
  EXPECT_TRUE(DropsOut("silent"));
  EXPECT_EQ(LiveIds(), std::vector<std::string>{"steady"});
}

TEST_P(WorkerRegistryContract, EachHeartbeatRestartsTheTtl) {
  constexpr milliseconds kTtl{1000};
  MustHeartbeat(Worker("w1"), kTtl);
  PassTtlTime(milliseconds(600));
  MustHeartbeat(Worker("w1"), kTtl);
  PassTtlTime(milliseconds(600));
  EXPECT_EQ(LiveIds(), std::vector<std::string>{"w1"}) << "1200 ms after the first heartbeat";
  clock_.Advance(milliseconds(401));
  EXPECT_TRUE(DropsOut("w1"));
}

TEST_P(WorkerRegistryContract, DeregisterRemovesAtOnceAndIgnoresUnknownIds) {
  MustHeartbeat(Worker("w1"), kLongTtl);
  MustHeartbeat(Worker("w2"), kLongTtl);
  EXPECT_TRUE(backend_->MakeRegistry(clock_)->Deregister("w1").has_value());
  EXPECT_EQ(LiveIds(), std::vector<std::string>{"w2"});
  EXPECT_TRUE(registry_->Deregister("never-registered").has_value());
  EXPECT_TRUE(registry_->Deregister("w1").has_value());
}

TEST_P(WorkerRegistryContract, ListLiveIsOrderedById) {
  for (const char* id : {"worker-c", "worker-a", "worker-b"}) MustHeartbeat(Worker(id), kLongTtl);
  EXPECT_EQ(LiveIds(), (std::vector<std::string>{"worker-a", "worker-b", "worker-c"}));
}

INSTANTIATE_TEST_SUITE_P(AllBackends, WorkerRegistryContract,
                         ::testing::ValuesIn(contract::QueueBackends()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace tessera::queue
