// The tiled-job choreography in-process over the embedded backends: a coordinator stopped
// mid-way (as a crash would) and run again skips the tiles already done and the inputs already
// stored, enqueues each tile once, a redelivered tile is not recomputed, the last tile enqueues
// the assembly exactly once, and the assembled result equals engine::Process.
#include "jobs/tiled_job.h"

#include <gtest/gtest.h>

#include "core/clock.h"
#include "engine/tiling/tiled_process.h"
#include "queue/sqlite/sqlite_database.h"
#include "queue/sqlite/sqlite_job_store.h"
#include "queue/sqlite/sqlite_task_queue.h"
#include "store/fs/fs_blob_store.h"
#include "support/image_testing.h"
#include "support/temp_dir.h"

namespace tessera::jobs {
namespace {

using std::chrono::seconds;

const WriteFence kNoFence = [] { return OkStatus(); };
const WriteFence kLeaseLost = [] {
  return Status(MakeError(ErrorCode::kConflict, "the task's lease was lost"));
};

class TiledJobTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::InitEngineForTests();
    auto db = queue::SqliteDatabase::Open(dir_.path() / "t.db");
    ASSERT_TRUE(db.has_value());
    queue_ = std::make_unique<queue::SqliteTaskQueue>(*db, clock_);
    jobs_ = std::make_unique<queue::SqliteJobStore>(*db, clock_);
    blobs_ = std::make_unique<store::FsBlobStore>(dir_.path() / "blobs");
    png_ = testing::EncodeWithOpenCv(testing::MakeTestPattern(150, 100, 3), ".png");
    pipeline_ = testing::MustParsePipeline("blur:sigma=2;sharpen;format:type=png");
    split_ = engine::SplitForTiling(pipeline_);

    queue::JobRecord job;
    job.id = "JOB1";
    job.pipeline = pipeline_.ToText();
    ASSERT_TRUE(jobs_->Create(job).has_value());
    ASSERT_TRUE(jobs_->Transition("JOB1", queue::JobState::kRunning, {}).has_value());
    process_task_.id = "JOB1";
    process_task_.job_id = "JOB1";
    process_task_.kind = std::string(kProcessTaskKind);
    process_task_.capabilities = {"core"};
    payload_ = TiledJobPayload{
        pipeline_.ToText(), {150, 100, 32, split_.halo}, "png", "JOB1", "results/JOB1"};
  }

  TiledJobSeams Seams() { return {*jobs_, *queue_, *blobs_}; }

  Result<CoordinateStats> Coordinate(int stop_after_rows) {
    auto info = engine::Probe(png_);
    EXPECT_TRUE(info.has_value());
    auto prepared = engine::PrepareForTiling(png_, *info, split_, {});
    EXPECT_TRUE(prepared.has_value());
    int rows_seen = 0;
    return CoordinateTiles(
        Seams(), process_task_, payload_, *prepared, split_,
        [&] { return rows_seen++ >= stop_after_rows; }, kNoFence);
  }

  // Claims and runs up to `n` ready tile tasks; returns the outcomes. A claimed task of another
  // kind (the assembly) stops the loop and is kept in other_.
  std::vector<TileRun> RunTiles(int n) {
    std::vector<TileRun> runs;
    for (int i = 0; i < n; ++i) {
      auto claimed = queue_->Claim({"w", {"core"}}, seconds(30));
      if (!claimed || !*claimed) break;
      if ((*claimed)->spec.kind != kTileTaskKind) {
        other_.push_back(**claimed);
        break;
      }
      auto payload = TileTaskPayload::FromJson((*claimed)->spec.payload);
      EXPECT_TRUE(payload.has_value());
      auto run = RunTile(Seams(), (*claimed)->spec, *payload, {}, kNoFence);
      EXPECT_TRUE(run.has_value()) << run.error().ToString();
      runs.push_back(*run);
      EXPECT_TRUE(queue_->Ack(**claimed).has_value());
    }
    return runs;
  }

  SystemClock& clock_ = SystemClock::Get();
  testing::TempDir dir_;
  std::unique_ptr<queue::SqliteTaskQueue> queue_;
  std::unique_ptr<queue::SqliteJobStore> jobs_;
  std::unique_ptr<store::BlobStore> blobs_;
  std::vector<uint8_t> png_;
  engine::Pipeline pipeline_;
  engine::PipelineSplit split_;
  queue::TaskSpec process_task_;
  TiledJobPayload payload_;
  std::vector<queue::ClaimedTask> other_;
};

TEST_F(TiledJobTest, InterruptedCoordinatorResumesAndTheJobAssemblesExactly) {
  constexpr int kTiles = 5 * 4;  // 150x100 in 32-pixel tiles
  // The first coordinator stops after two rows of tiles (as if it crashed there).
  auto stopped = Coordinate(2);
  ASSERT_FALSE(stopped.has_value());
  EXPECT_EQ(stopped.error().code, ErrorCode::kCancelled);
  EXPECT_EQ(jobs_->Get("JOB1")->tiles_total, kTiles);
  // Workers meanwhile finish 7 of the 10 tiles enqueued so far.
  auto first_runs = RunTiles(7);
  ASSERT_EQ(first_runs.size(), 7u);
  for (TileRun r : first_runs) EXPECT_EQ(r, TileRun::kProcessed);
  EXPECT_EQ(jobs_->Get("JOB1")->tiles_done, 7);

  // The redelivered coordinator skips the 7 done tiles, writes only the 10 inputs never
  // stored, and enqueues the rest (known task ids are no-ops).
  auto resumed = Coordinate(1000);
  ASSERT_TRUE(resumed.has_value()) << resumed.error().ToString();
  EXPECT_EQ(resumed->tiles_total, kTiles);
  EXPECT_EQ(resumed->already_done, 7);
  EXPECT_EQ(resumed->inputs_written, kTiles - 10);
  auto stats = queue_->Stats();
  EXPECT_EQ(stats->ready_normal, kTiles - 7) << "each remaining tile enqueued once";

  // A tile task delivered again after its tile is done is acknowledged without recomputing.
  TileTaskPayload again{payload_, 0};
  queue::TaskSpec tile0 = process_task_;
  tile0.id = TileTaskId("JOB1", 0);
  tile0.kind = std::string(kTileTaskKind);
  EXPECT_EQ(*RunTile(Seams(), tile0, again, {}, kNoFence), TileRun::kAlreadyDone);

  auto rest = RunTiles(100);
  EXPECT_EQ(rest.size(), static_cast<size_t>(kTiles - 7));
  EXPECT_EQ(jobs_->Get("JOB1")->tiles_done, kTiles);
  // Exactly one assemble task, whoever saw the last tile.
  ASSERT_EQ(other_.size(), 1u);
  EXPECT_EQ(other_[0].spec.kind, kAssembleTaskKind);
  EXPECT_EQ(other_[0].spec.id, AssembleTaskId("JOB1"));
  EXPECT_FALSE(queue_->Claim({"w", {"core"}}, seconds(30))->has_value());

  auto result =
      AssembleTiles(Seams(), *AssembleTaskPayload::FromJson(other_[0].spec.payload), {}, kNoFence);
  ASSERT_TRUE(result.has_value()) << result.error().ToString();
  auto whole = engine::Process(png_, pipeline_);
  ASSERT_TRUE(whole.has_value());
  EXPECT_EQ(*blobs_->Get("results/JOB1"), whole->bytes) << "tiled job == whole-image bytes";
  DeleteTiles(*blobs_, payload_);
  EXPECT_FALSE(*blobs_->Exists(TileOutputKey(TilePrefixFor("JOB1"), 0)));
}

TEST_F(TiledJobTest, TilesOfACancelledJobAreNotComputed) {
  ASSERT_TRUE(Coordinate(1000).has_value());
  ASSERT_TRUE(jobs_->Transition("JOB1", queue::JobState::kCancelled, {}).has_value());
  for (TileRun r : RunTiles(100)) EXPECT_EQ(r, TileRun::kJobFinished);
  EXPECT_EQ(jobs_->Get("JOB1")->tiles_done, 0);
  // Their stored inputs stay until the job record expires; the expiry deletes them by count.
  EXPECT_TRUE(*blobs_->Exists(TileInputKey(TilePrefixFor("JOB1"), 19)));
  DeleteTiles(*blobs_, "JOB1", 20);
  EXPECT_FALSE(*blobs_->Exists(TileInputKey(TilePrefixFor("JOB1"), 19)));
  EXPECT_FALSE(*blobs_->Exists(TileInputKey(TilePrefixFor("JOB1"), 0)));
}

TEST_F(TiledJobTest, AMissingTileOutputFailsTheAssemblyAsNotFound) {
  ASSERT_TRUE(Coordinate(1000).has_value());
  RunTiles(100);
  ASSERT_TRUE(blobs_->Delete(TileOutputKey(TilePrefixFor("JOB1"), 13)).has_value());
  auto result = AssembleTiles(Seams(), AssembleTaskPayload{payload_}, {}, kNoFence);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, ErrorCode::kNotFound);
}

TEST_F(TiledJobTest, AFencedOffHolderWritesNoTileAndNoResult) {
  auto info = engine::Probe(png_);
  auto prepared = engine::PrepareForTiling(png_, *info, split_, {});
  ASSERT_TRUE(prepared.has_value());
  auto coordinated = CoordinateTiles(
      Seams(), process_task_, payload_, *prepared, split_, [] { return false; }, kLeaseLost);
  ASSERT_FALSE(coordinated.has_value());
  EXPECT_EQ(coordinated.error().code, ErrorCode::kConflict);
  EXPECT_TRUE(blobs_->List(TilePrefixFor("JOB1"), 10)->empty()) << "no tile input written";

  ASSERT_TRUE(Coordinate(1000).has_value());
  auto claimed = queue_->Claim({"w", {"core"}}, seconds(30));
  ASSERT_TRUE(claimed.has_value() && claimed->has_value());
  auto payload = TileTaskPayload::FromJson((*claimed)->spec.payload);
  auto run = RunTile(Seams(), (*claimed)->spec, *payload, {}, kLeaseLost);
  ASSERT_FALSE(run.has_value());
  EXPECT_EQ(run.error().code, ErrorCode::kConflict);
  EXPECT_FALSE(*blobs_->Exists(TileOutputKey(TilePrefixFor("JOB1"), payload->tile)));
  EXPECT_EQ(jobs_->Get("JOB1")->tiles_done, 0);

  ASSERT_TRUE(RunTile(Seams(), (*claimed)->spec, *payload, {}, kNoFence).has_value());
  ASSERT_TRUE(queue_->Ack(**claimed).has_value());
  RunTiles(100);
  ASSERT_EQ(jobs_->Get("JOB1")->tiles_done, 20);
  auto assembled = AssembleTiles(Seams(), AssembleTaskPayload{payload_}, {}, kLeaseLost);
  ASSERT_FALSE(assembled.has_value());
  EXPECT_EQ(assembled.error().code, ErrorCode::kConflict);
  EXPECT_FALSE(*blobs_->Exists("results/JOB1"));
}

}  // namespace
}  // namespace tessera::jobs
