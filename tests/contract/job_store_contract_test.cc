// The JobStore contract (queue/job_store.h), run against every backend: idempotent creation,
// the state machine and its timestamps, tile completion records, paginated listing under
// concurrent inserts, expiry and counts.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <set>
#include <thread>

#include "contract/queue_backends.h"
#include "core/ids.h"
#include "queue/job_store.h"

namespace tessera::queue {
namespace {

// The code of a failed call, "ok" for a success: an unexpected success then fails the
// expectation instead of aborting the whole run on error().
template <class T>
std::string CodeOf(const Result<T>& result) {
  return result ? "ok" : std::string(CodeName(result.error().code));
}

using std::chrono::seconds;

constexpr JobState kAllStates[] = {JobState::kQueued,    JobState::kRunning,
                                   JobState::kSucceeded, JobState::kFailedRetrying,
                                   JobState::kDead,      JobState::kCancelled};

class JobStoreContract : public ::testing::TestWithParam<contract::QueueBackendFactory> {
 protected:
  void SetUp() override {
    backend_ = GetParam().make();
    store_ = backend_->MakeJobStore(clock_);
  }

  JobRecord NewJob(std::string idempotency_key = "") {
    JobRecord job;
    job.id = NewId(clock_);
    job.pipeline = "resize w=640 | format jpeg q=85";
    job.input_key = "inputs/" + job.id;
    job.priority = Priority::kHigh;
    job.capabilities = {"core", "detect"};
    job.idempotency_key = std::move(idempotency_key);
    job.request_id = "req-" + job.id;
    job.tiles = "on";
    return job;
  }

  JobRecord MustCreate(JobStore& store, const JobRecord& job) {
    Result<CreatedJob> created = store.Create(job);
    if (!created) {
      ADD_FAILURE() << "Create failed: " << created.error().ToString();
      return job;
    }
    EXPECT_TRUE(created->created);
    return created->job;
  }
  JobRecord MustCreate(const JobRecord& job) { return MustCreate(*store_, job); }

  // Creates a job and drives it along a legal path into `state`.
  JobRecord CreateIn(JobState state) {
    JobRecord job = MustCreate(NewJob());
    std::vector<JobState> path;
    switch (state) {
      case JobState::kQueued: break;
      case JobState::kRunning: path = {JobState::kRunning}; break;
      case JobState::kSucceeded: path = {JobState::kRunning, JobState::kSucceeded}; break;
      case JobState::kFailedRetrying: path = {JobState::kRunning, JobState::kFailedRetrying}; break;
      case JobState::kDead: path = {JobState::kRunning, JobState::kDead}; break;
      case JobState::kCancelled: path = {JobState::kCancelled}; break;
    }
    for (JobState step : path) {
      Result<JobRecord> moved = store_->Transition(job.id, step, {});
      if (!moved) {
        ADD_FAILURE() << "Transition failed: " << moved.error().ToString();
        return job;
      }
      job = *moved;
    }
    return job;
  }

  std::vector<std::string> ListAllIds(std::optional<JobState> state, size_t page_size) {
    std::vector<std::string> ids;
    std::string cursor;
    for (int pages = 0; pages < 1000; ++pages) {
      Result<JobPage> page = store_->List(state, page_size, cursor);
      if (!page) {
        ADD_FAILURE() << "List failed: " << page.error().ToString();
        break;
      }
      for (const JobRecord& job : page->jobs) ids.push_back(job.id);
      if (page->next_cursor.empty()) break;
      cursor = page->next_cursor;
    }
    return ids;
  }

  ManualClock clock_;
  std::unique_ptr<contract::QueueBackend> backend_;
  std::unique_ptr<JobStore> store_;
};

TEST_P(JobStoreContract, CreateStoresTheJobAndStampsItWithTheStoreClock) {
  JobRecord job = NewJob("key-1");
  job.tiles_total = 12;
  job.attempts = 0;
  Result<CreatedJob> created = store_->Create(job);
  ASSERT_TRUE(created.has_value()) << created.error().ToString();
  EXPECT_TRUE(created->created);
  JobRecord expected = job;
  expected.created = expected.updated = clock_.Now();
  EXPECT_EQ(created->job, expected);
  Result<JobRecord> got = backend_->MakeJobStore(clock_)->Get(job.id);
  ASSERT_TRUE(got.has_value()) << got.error().ToString();
  EXPECT_EQ(*got, expected);
}

TEST_P(JobStoreContract, CreateRejectsAnEmptyIdAndAnIdInUse) {
  JobRecord no_id = NewJob();
  no_id.id.clear();
  EXPECT_EQ(CodeOf(store_->Create(no_id)), "bad_request");
  JobRecord job = MustCreate(NewJob());
  JobRecord same_id = NewJob();
  same_id.id = job.id;
  EXPECT_EQ(CodeOf(store_->Create(same_id)), "conflict");
}

TEST_P(JobStoreContract, TheSameIdempotencyKeyReturnsTheExistingJob) {
  JobRecord first = MustCreate(NewJob("client-key"));
  clock_.Advance(seconds(1));
  JobRecord retry = NewJob("client-key");
  retry.pipeline = "blur sigma=2";
  Result<CreatedJob> again = backend_->MakeJobStore(clock_)->Create(retry);
  ASSERT_TRUE(again.has_value()) << again.error().ToString();
  EXPECT_FALSE(again->created);
  EXPECT_EQ(again->job, first);
  EXPECT_EQ(CodeOf(store_->Get(retry.id)), "not_found") << "nothing was stored";

  EXPECT_TRUE(store_->Create(NewJob("other-key"))->created);
  EXPECT_TRUE(store_->Create(NewJob())->created);
  EXPECT_TRUE(store_->Create(NewJob())->created) << "jobs without a key never collide";
}

TEST_P(JobStoreContract, GetTransitionAndSetProgressOfAnUnknownJobAreNotFound) {
  EXPECT_EQ(CodeOf(store_->Get("01NOSUCHJOB0000000000000000")), "not_found");
  EXPECT_EQ(CodeOf(store_->Transition("nope", JobState::kRunning, {})), "not_found");
  EXPECT_EQ(CodeOf(store_->SetProgress("nope", 1, 2)), "not_found");
}

// Every (from, to) pair: the legal ones succeed, every other is kConflict naming both states.
TEST_P(JobStoreContract, TransitionFollowsTheStateMachine) {
  int legal = 0;
  for (JobState from : kAllStates) {
    for (JobState to : kAllStates) {
      SCOPED_TRACE(std::string(JobStateName(from)) + " -> " + std::string(JobStateName(to)));
      JobRecord job = CreateIn(from);
      ASSERT_EQ(job.state, from);
      Result<JobRecord> moved = store_->Transition(job.id, to, {});
      if (IsLegalTransition(from, to)) {
        ++legal;
        ASSERT_TRUE(moved.has_value()) << moved.error().ToString();
        EXPECT_EQ(moved->state, to);
        EXPECT_EQ(store_->Get(job.id)->state, to);
      } else {
        ASSERT_FALSE(moved.has_value());
        EXPECT_EQ(CodeOf(moved), "conflict");
        EXPECT_NE(moved.error().message.find(JobStateName(from)), std::string::npos)
            << moved.error().message;
        EXPECT_NE(moved.error().message.find(JobStateName(to)), std::string::npos)
            << moved.error().message;
        EXPECT_EQ(store_->Get(job.id)->state, from);
      }
    }
  }
  EXPECT_EQ(legal, 13);
}

TEST_P(JobStoreContract, TransitionKeepsStartedAndFinishedTimes) {
  JobRecord job = MustCreate(NewJob());
  EXPECT_EQ(job.started, SystemTime{});
  EXPECT_EQ(job.finished, SystemTime{});

  clock_.Advance(seconds(1));
  SystemTime first_start = clock_.Now();
  JobRecord now = *store_->Transition(job.id, JobState::kRunning, {});
  EXPECT_EQ(now.started, first_start);
  EXPECT_EQ(now.updated, first_start);
  EXPECT_EQ(now.created, job.created);

  clock_.Advance(seconds(1));
  now = *store_->Transition(job.id, JobState::kFailedRetrying, {});
  clock_.Advance(seconds(1));
  now = *store_->Transition(job.id, JobState::kRunning, {});
  EXPECT_EQ(now.started, first_start) << "started is the first time it ran";
  EXPECT_EQ(now.finished, SystemTime{});

  clock_.Advance(seconds(1));
  SystemTime died = clock_.Now();
  now = *store_->Transition(job.id, JobState::kDead, {});
  EXPECT_EQ(now.finished, died);

  clock_.Advance(seconds(1));
  now = *store_->Transition(job.id, JobState::kQueued, {});
  EXPECT_EQ(now.finished, SystemTime{}) << "leaving a terminal state clears finished";
  EXPECT_EQ(now.updated, clock_.Now());
  EXPECT_EQ(now.started, first_start);
  EXPECT_EQ(*store_->Get(job.id), now);

  JobRecord cancelled = MustCreate(NewJob());
  clock_.Advance(seconds(1));
  EXPECT_EQ(store_->Transition(cancelled.id, JobState::kCancelled, {})->finished, clock_.Now());
  JobRecord succeeded = CreateIn(JobState::kRunning);
  clock_.Advance(seconds(1));
  EXPECT_EQ(store_->Transition(succeeded.id, JobState::kSucceeded, {})->finished, clock_.Now());
}

TEST_P(JobStoreContract, TransitionAppliesTheUpdateAndKeepsUnsetFields) {
  JobRecord job = MustCreate(NewJob());
  JobUpdate start;
  start.attempts = 1;
  ASSERT_TRUE(store_->Transition(job.id, JobState::kRunning, start).has_value());

  JobUpdate fail;
  fail.error = MakeError(ErrorCode::kUnavailable, "blob store down", "output");
  JobRecord failed = *store_->Transition(job.id, JobState::kFailedRetrying, fail);
  EXPECT_EQ(failed.attempts, 1);
  ASSERT_TRUE(failed.error.has_value());
  EXPECT_EQ(failed.error->code, ErrorCode::kUnavailable);
  EXPECT_EQ(failed.error->message, "blob store down");
  EXPECT_EQ(failed.error->field, "output");

  JobUpdate restart;
  restart.attempts = 2;
  restart.clear_error = true;
  JobRecord restarted = *store_->Transition(job.id, JobState::kRunning, restart);
  EXPECT_EQ(restarted.attempts, 2);
  EXPECT_FALSE(restarted.error.has_value());

  JobUpdate succeed;
  succeed.output_key = "outputs/" + job.id + ".jpg";
  succeed.output_format = "jpeg";
  JobRecord done = *store_->Transition(job.id, JobState::kSucceeded, succeed);
  EXPECT_EQ(done.output_key, "outputs/" + job.id + ".jpg");
  EXPECT_EQ(done.output_format, "jpeg");
  EXPECT_EQ(done.attempts, 2);
  EXPECT_EQ(done.pipeline, job.pipeline);
  EXPECT_EQ(done.input_key, job.input_key);
  EXPECT_EQ(done.capabilities, job.capabilities);
  EXPECT_EQ(*store_->Get(job.id), done);
}

TEST_P(JobStoreContract, SetProgressRecordsTiles) {
  JobRecord job = CreateIn(JobState::kRunning);
  ASSERT_TRUE(store_->SetProgress(job.id, 3, 16).has_value());
  JobRecord got = *store_->Get(job.id);
  EXPECT_EQ(got.tiles_done, 3);
  EXPECT_EQ(got.tiles_total, 16);
  EXPECT_EQ(got.state, JobState::kRunning);
}

TEST_P(JobStoreContract, TransitionRecordsHowTheJobRuns) {
  JobRecord job = MustCreate(NewJob());
  EXPECT_EQ(job.execution, "");
  JobUpdate planned;
  planned.execution = "whole: resize:w=10 | tiled (halo 6): blur:sigma=2";
  JobRecord running = *store_->Transition(job.id, JobState::kRunning, planned);
  EXPECT_EQ(running.execution, *planned.execution);
  JobRecord done = *store_->Transition(job.id, JobState::kSucceeded, {});
  EXPECT_EQ(done.execution, *planned.execution) << "unset fields keep their value";
  EXPECT_EQ(store_->Get(job.id)->execution, *planned.execution);
}

// Tiles: each is recorded once however often it is marked, tiles_done counts distinct tiles,
// and exactly one of many concurrent markers of the same tile (over separate clients, as
// separate worker processes would be) is told it recorded it.
TEST_P(JobStoreContract, MarkTileDoneIsIdempotentAndCountsDistinctTiles) {
  JobRecord job = CreateIn(JobState::kRunning);
  ASSERT_TRUE(store_->SetProgress(job.id, 0, 3).has_value());
  EXPECT_FALSE(*store_->IsTileDone(job.id, 1));

  Result<TileMark> first = store_->MarkTileDone(job.id, 1);
  ASSERT_TRUE(first.has_value()) << first.error().ToString();
  EXPECT_TRUE(first->newly_done);
  EXPECT_EQ(first->tiles_done, 1);
  EXPECT_EQ(first->tiles_total, 3);
  EXPECT_FALSE(first->all_done());
  EXPECT_TRUE(*store_->IsTileDone(job.id, 1));
  EXPECT_FALSE(*store_->IsTileDone(job.id, 0));

  Result<TileMark> again = store_->MarkTileDone(job.id, 1);
  ASSERT_TRUE(again.has_value());
  EXPECT_FALSE(again->newly_done);
  EXPECT_EQ(again->tiles_done, 1);

  EXPECT_TRUE(store_->MarkTileDone(job.id, 0)->newly_done);
  Result<TileMark> last = store_->MarkTileDone(job.id, 2);
  EXPECT_TRUE(last->newly_done);
  EXPECT_EQ(last->tiles_done, 3);
  EXPECT_TRUE(last->all_done());
  EXPECT_TRUE(store_->MarkTileDone(job.id, 2)->all_done()) << "still all done, not newly";
  JobRecord got = *store_->Get(job.id);
  EXPECT_EQ(got.tiles_done, 3);
  EXPECT_EQ(got.tiles_total, 3);
  EXPECT_EQ(got.state, JobState::kRunning);
}

TEST_P(JobStoreContract, ConcurrentMarksOfOneTileRecordItOnce) {
  JobRecord job = CreateIn(JobState::kRunning);
  ASSERT_TRUE(store_->SetProgress(job.id, 0, 8).has_value());
  constexpr int kThreads = 4;
  std::atomic<int> newly{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      std::unique_ptr<JobStore> own = backend_->MakeJobStore(clock_);
      for (int tile = 0; tile < 8; ++tile) {
        Result<TileMark> mark = own->MarkTileDone(job.id, tile);
        if (!mark) {
          ++failures;
        } else if (mark->newly_done) {
          ++newly;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(newly.load(), 8) << "each of the 8 tiles recorded by exactly one call";
  EXPECT_EQ(store_->Get(job.id)->tiles_done, 8);
}

TEST_P(JobStoreContract, TileCallsOnAnUnknownJobOrNegativeTileFail) {
  EXPECT_EQ(CodeOf(store_->MarkTileDone("01NOSUCHJOB0000000000000000", 0)), "not_found");
  EXPECT_EQ(CodeOf(store_->IsTileDone("01NOSUCHJOB0000000000000000", 0)), "not_found");
  JobRecord job = CreateIn(JobState::kRunning);
  EXPECT_EQ(CodeOf(store_->MarkTileDone(job.id, -1)), "bad_request");
}

TEST_P(JobStoreContract, ExpireFinishedForgetsTheJobsTiles) {
  JobRecord job = MustCreate(NewJob());
  ASSERT_TRUE(store_->Transition(job.id, JobState::kRunning, {}).has_value());
  ASSERT_TRUE(store_->SetProgress(job.id, 0, 2).has_value());
  ASSERT_TRUE(store_->MarkTileDone(job.id, 0).has_value());
  ASSERT_TRUE(store_->Transition(job.id, JobState::kCancelled, {}).has_value());
  clock_.Advance(seconds(1));
  ASSERT_EQ(store_->ExpireFinished(clock_.Now(), 10)->size(), 1u);
  EXPECT_EQ(CodeOf(store_->IsTileDone(job.id, 0)), "not_found");
  // A new job reusing nothing of the old one starts with no tiles.
  JobRecord fresh = CreateIn(JobState::kRunning);
  EXPECT_FALSE(*store_->IsTileDone(fresh.id, 0));
}

TEST_P(JobStoreContract, ListPagesThroughEveryJobInIdOrder) {
  std::vector<std::string> ids;
  for (int i = 0; i < 25; ++i) {
    ids.push_back(MustCreate(NewJob()).id);
    if (i % 4 == 0) clock_.Advance(std::chrono::milliseconds(1));
  }
  std::sort(ids.begin(), ids.end());
  Result<JobPage> first = store_->List(std::nullopt, 10, "");
  ASSERT_TRUE(first.has_value()) << first.error().ToString();
  EXPECT_EQ(first->jobs.size(), 10u);
  EXPECT_FALSE(first->next_cursor.empty());
  EXPECT_EQ(ListAllIds(std::nullopt, 10), ids);
  EXPECT_EQ(ListAllIds(std::nullopt, 1), ids);
  Result<JobPage> all = store_->List(std::nullopt, 1000, "");
  ASSERT_TRUE(all.has_value());
  EXPECT_EQ(all->jobs.size(), 25u);
  EXPECT_TRUE(all->next_cursor.empty()) << "a short page is the last";
}

// Pages neither repeat nor skip jobs that existed when the listing began, while other clients
// insert jobs whose ids land among theirs.
TEST_P(JobStoreContract, ListIsStableUnderConcurrentInserts) {
  std::set<std::string> existing;
  for (int i = 0; i < 40; ++i) existing.insert(MustCreate(NewJob()).id);

  std::atomic<bool> stop{false};
  auto inserter_store = backend_->MakeJobStore(clock_);
  std::thread inserter([&] {
    for (int i = 0; i < 200 && !stop; ++i) MustCreate(*inserter_store, NewJob());
  });
  auto between_pages_store = backend_->MakeJobStore(clock_);
  std::vector<std::string> listed;
  std::string cursor;
  for (int pages = 0; pages < 1000; ++pages) {
    Result<JobPage> page = store_->List(std::nullopt, 7, cursor);
    ASSERT_TRUE(page.has_value()) << page.error().ToString();
    for (const JobRecord& job : page->jobs) listed.push_back(job.id);
    if (page->next_cursor.empty()) break;
    cursor = page->next_cursor;
    for (int i = 0; i < 3; ++i) MustCreate(*between_pages_store, NewJob());
  }
  stop = true;
  inserter.join();

  EXPECT_TRUE(std::is_sorted(listed.begin(), listed.end()));
  EXPECT_EQ(std::adjacent_find(listed.begin(), listed.end()), listed.end()) << "a repeat";
  std::vector<std::string> listed_existing;
  for (const std::string& id : listed) {
    if (existing.contains(id)) listed_existing.push_back(id);
  }
  EXPECT_EQ(listed_existing, std::vector<std::string>(existing.begin(), existing.end()));
}

TEST_P(JobStoreContract, ListFiltersByState) {
  std::vector<std::string> running, queued;
  for (int i = 0; i < 3; ++i) running.push_back(CreateIn(JobState::kRunning).id);
  for (int i = 0; i < 4; ++i) queued.push_back(CreateIn(JobState::kQueued).id);
  std::sort(running.begin(), running.end());
  std::sort(queued.begin(), queued.end());
  EXPECT_EQ(ListAllIds(JobState::kRunning, 2), running);
  EXPECT_EQ(ListAllIds(JobState::kQueued, 3), queued);
  Result<JobPage> none = store_->List(JobState::kSucceeded, 10, "");
  ASSERT_TRUE(none.has_value());
  EXPECT_TRUE(none->jobs.empty());
  EXPECT_TRUE(none->next_cursor.empty());
}

TEST_P(JobStoreContract, ListRejectsABadLimitOrCursor) {
  MustCreate(NewJob());
  EXPECT_EQ(CodeOf(store_->List(std::nullopt, 0, "")), "bad_request");
  EXPECT_EQ(CodeOf(store_->List(std::nullopt, 1001, "")), "bad_request");
  EXPECT_TRUE(store_->List(std::nullopt, 1000, "").has_value());
  for (const char* cursor : {"not a cursor", "%%%", "\x01\x02"}) {
    Result<JobPage> page = store_->List(std::nullopt, 10, cursor);
    ASSERT_FALSE(page.has_value()) << cursor;
    EXPECT_EQ(CodeOf(page), "bad_request") << cursor;
  }
}

TEST_P(JobStoreContract, ExpireFinishedDeletesOldTerminalJobsAndFreesTheirKeys) {
  JobRecord succeeded = MustCreate(NewJob("key-succeeded"));
  ASSERT_TRUE(store_->Transition(succeeded.id, JobState::kRunning, {}).has_value());
  ASSERT_TRUE(store_->Transition(succeeded.id, JobState::kSucceeded, {}).has_value());
  clock_.Advance(seconds(1));
  JobRecord dead = CreateIn(JobState::kDead);
  clock_.Advance(seconds(1));
  SystemTime cutoff = clock_.Now();
  clock_.Advance(seconds(1));
  JobRecord cancelled = CreateIn(JobState::kCancelled);
  JobRecord running = CreateIn(JobState::kRunning);
  JobRecord queued = CreateIn(JobState::kQueued);
  clock_.Advance(seconds(1));

  Result<std::vector<JobRecord>> expired = store_->ExpireFinished(cutoff, 100);
  ASSERT_TRUE(expired.has_value()) << expired.error().ToString();
  std::set<std::string> expired_ids;
  for (const JobRecord& job : *expired) expired_ids.insert(job.id);
  EXPECT_EQ(expired_ids, (std::set<std::string>{succeeded.id, dead.id}));
  for (const JobRecord& job : *expired) EXPECT_TRUE(IsTerminal(job.state));
  EXPECT_EQ(CodeOf(store_->Get(succeeded.id)), "not_found");
  EXPECT_EQ(CodeOf(store_->Get(dead.id)), "not_found");
  EXPECT_TRUE(store_->Get(cancelled.id).has_value());

  Result<CreatedJob> reused = store_->Create(NewJob("key-succeeded"));
  ASSERT_TRUE(reused.has_value());
  EXPECT_TRUE(reused->created) << "an expired job's idempotency key is free again";

  EXPECT_EQ(store_->ExpireFinished(clock_.Now() + seconds(1), 1)->size(), 1u) << "limit";
  EXPECT_TRUE(store_->ExpireFinished(clock_.Now() + seconds(1), 10)->empty());
  EXPECT_TRUE(store_->Get(running.id).has_value());
  EXPECT_TRUE(store_->Get(queued.id).has_value());
}

TEST_P(JobStoreContract, CountByStateCountsEveryJob) {
  auto count = [](const std::map<JobState, int64_t>& counts, JobState state) -> int64_t {
    auto it = counts.find(state);
    return it == counts.end() ? 0 : it->second;
  };
  Result<std::map<JobState, int64_t>> empty = store_->CountByState();
  ASSERT_TRUE(empty.has_value()) << empty.error().ToString();
  for (JobState state : kAllStates) EXPECT_EQ(count(*empty, state), 0);

  CreateIn(JobState::kQueued);
  CreateIn(JobState::kQueued);
  CreateIn(JobState::kRunning);
  CreateIn(JobState::kSucceeded);
  CreateIn(JobState::kCancelled);
  std::map<JobState, int64_t> counts = *store_->CountByState();
  EXPECT_EQ(count(counts, JobState::kQueued), 2);
  EXPECT_EQ(count(counts, JobState::kRunning), 1);
  EXPECT_EQ(count(counts, JobState::kSucceeded), 1);
  EXPECT_EQ(count(counts, JobState::kCancelled), 1);
  EXPECT_EQ(count(counts, JobState::kFailedRetrying), 0);
  EXPECT_EQ(count(counts, JobState::kDead), 0);
}

INSTANTIATE_TEST_SUITE_P(AllBackends, JobStoreContract,
                         ::testing::ValuesIn(contract::QueueBackends()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace tessera::queue
