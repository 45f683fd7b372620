// Issue 18 item 5: a job stuck `queued` with no task (Redis lost the end of its append-only file,
// a submitter crashed between record and task) was repaired only when a worker process started.
// Here the job record appears behind the backs of a running `tessera serve` (embedded SQLite)
// and of a running `tessera worker` (real redis-server), and must complete without a restart;
// a queued job whose task exists must not be given a second one.
#include <gtest/gtest.h>

#include <filesystem>

#include "core/clock.h"
#include "core/ids.h"
#include "jobs/job_service.h"
#include "jobs/task_payload.h"
#include "queue/redis/redis_client.h"
#include "queue/redis/redis_job_store.h"
#include "queue/redis/redis_task_queue.h"
#include "queue/redis/redis_worker_registry.h"
#include "queue/sqlite/sqlite_database.h"
#include "queue/sqlite/sqlite_job_store.h"
#include "queue/sqlite/sqlite_task_queue.h"
#include "queue/sqlite/sqlite_worker_registry.h"
#include "store/fs/fs_blob_store.h"
#include "support/image_testing.h"
#include "support/redis_server.h"
#include "support/serve_process.h"
#include "support/temp_dir.h"
#include "support/tessera_process.h"

namespace tessera::testing {
namespace {
namespace fs = std::filesystem;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr int64_t kRepairEveryMs = 200;

class QueuedRepairTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    InitEngineForTests();
    const std::string every = std::to_string(kRepairEveryMs);
    if (GetParam() == "sqlite") {
      serve_ = ServeProcess::Start(dir_.path(),
                                   {"--workers", "1", "--no-grpc", "--repair-every-ms", every});
      ASSERT_NE(serve_, nullptr);
      auto db = queue::SqliteDatabase::Open(data() / "tessera.db");
      ASSERT_TRUE(db.has_value()) << db.error().ToString();
      queue_ = std::make_unique<queue::SqliteTaskQueue>(*db, clock_);
      jobs_ = std::make_unique<queue::SqliteJobStore>(*db, clock_);
      registry_ = std::make_unique<queue::SqliteWorkerRegistry>(*db, clock_);
    } else {
      redis_ = std::make_unique<RedisServer>();
      Status started = redis_->Start();
      ASSERT_TRUE(started.has_value()) << started.error().ToString();
      worker_ = StartTessera(
          {"worker", "--queue", redis_->url(), "--store", "file://" + (data() / "blobs").string(),
           "--threads", "1", "--repair-every-ms", every},
          dir_.path() / "logs");
      queue::RedisClientOptions options;
      options.url.host = "127.0.0.1";
      options.url.port = redis_->port();
      queue_ = std::make_unique<queue::RedisTaskQueue>(
          std::make_shared<queue::RedisClient>(options), clock_);
      jobs_ = std::make_unique<queue::RedisJobStore>(std::make_shared<queue::RedisClient>(options),
                                                     clock_);
      registry_ = std::make_unique<queue::RedisWorkerRegistry>(
          std::make_shared<queue::RedisClient>(options), clock_);
      ASSERT_TRUE(WaitFor([&] { return registry_->ListLive()->size() == 1; }, seconds(20)))
          << Log();
    }
    blobs_ = std::make_unique<store::FsBlobStore>(data() / "blobs");
  }

  fs::path data() const { return dir_.path() / "data"; }

  std::string Log() const {
    return serve_ ? serve_->process().Stderr() : worker_ ? worker_->Stderr() : "";
  }

  // What a submitter that crashed after recording the job leaves (or a Redis that lost the
  // enqueue from the end of its append-only file): the input and the record, no task.
  std::string RecordWithoutTask() {
    queue::JobRecord job;
    job.id = NewId(clock_);
    job.pipeline = "invert;format:type=png";
    job.input_key = jobs::InputKeyFor(job.id);
    job.capabilities = {"core"};
    auto png = EncodeWithOpenCv(MakeTestPattern(40, 30), ".png");
    EXPECT_TRUE(blobs_->Put(job.input_key, png).has_value());
    auto created = jobs_->Create(job);
    EXPECT_TRUE(created.has_value()) << created.error().ToString();
    return job.id;
  }

  queue::JobState StateOf(const std::string& id) {
    auto job = jobs_->Get(id);
    return job ? job->state : queue::JobState::kDead;
  }

  TempDir dir_;
  SystemClock& clock_ = SystemClock::Get();
  std::unique_ptr<RedisServer> redis_;
  std::unique_ptr<ServeProcess> serve_;
  std::unique_ptr<BackgroundProcess> worker_;
  std::unique_ptr<queue::TaskQueue> queue_;
  std::unique_ptr<queue::JobStore> jobs_;
  std::unique_ptr<queue::WorkerRegistry> registry_;
  std::unique_ptr<store::BlobStore> blobs_;
};

TEST_P(QueuedRepairTest, AJobQueuedWithoutATaskCompletesWhileTheProcessesRun) {
  std::string id = RecordWithoutTask();
  ASSERT_FALSE(*queue_->Knows(id));
  // Within a few repair intervals (the job must first be one interval old), not at a restart.
  ASSERT_TRUE(WaitFor([&] { return StateOf(id) == queue::JobState::kSucceeded; },
                      milliseconds(20 * kRepairEveryMs)))
      << "job is " << queue::JobStateName(StateOf(id)) << "\n"
      << Log();
  EXPECT_TRUE(*blobs_->Exists(jobs::OutputKeyFor(id)));
  EXPECT_EQ(jobs_->Get(id)->attempts, 1);
  EXPECT_EQ(LogLines(Log(), "job_repaired").size(), 1u) << Log();
  EXPECT_NE(Log().find("\"job_id\":\"" + id + "\""), std::string::npos);
}

TEST_P(QueuedRepairTest, AQueuedJobWhoseTaskWaitsIsNotGivenASecondTask) {
  // A task no live worker can take: it waits, queued, through many repair passes.
  jobs::JobService service(*jobs_, *queue_, *blobs_, *registry_, clock_, engine::Limits{});
  auto png = EncodeWithOpenCv(MakeTestPattern(40, 30), ".png");
  jobs::SubmitRequest req;
  req.image = png;
  req.pipeline = "invert;format:type=png";
  req.capabilities = {"gpu"};
  auto created = service.Submit(req);
  ASSERT_TRUE(created.has_value()) << created.error().ToString();
  // Ten intervals: the job is old enough for every pass after the first.
  ASSERT_FALSE(WaitFor([&] { return queue_->Stats()->ready_normal != 1; },
                       milliseconds(10 * kRepairEveryMs)))
      << "ready tasks: " << queue_->Stats()->ready_normal;
  EXPECT_EQ(StateOf(created->job.id), queue::JobState::kQueued);
  EXPECT_TRUE(LogLines(Log(), "job_repaired").empty()) << Log();
}

INSTANTIATE_TEST_SUITE_P(Backends, QueuedRepairTest, ::testing::Values("sqlite", "redis"));

}  // namespace
}  // namespace tessera::testing
