// The distributed choreography of a tiled job (docs/ARCHITECTURE.md, "Tiled processing"):
//
//   process task (coordinator)  decode with sequential access, run the "before" steps, cut one
//                               row of tiles at a time; each tile's input (its rectangle plus
//                               halo) goes to the blob store and one tile task is enqueued
//   tile task (any worker)      local steps on the tile's input -> its output blob -> the tile is
//                               marked done in the JobStore (idempotent); the worker that sees
//                               every tile done enqueues the assemble task
//   assemble task               streams the stored tiles, row by row, into the "after" steps and
//                               the encoder; stores the result
//
// Every step is safe to run twice: blob keys and task ids are deterministic (task_payload.h),
// Enqueue of a known id is a no-op, and a tile already marked done is never processed again.
// So a crash anywhere resumes where it stopped: a re-run coordinator skips tiles already done
// (and inputs already stored), a redelivered tile task finds its tile done, and a re-run
// assembler writes the same bytes to the same key.
//
// Thread-safety: the functions share nothing; each may run on any thread of any process.
#pragma once

#include <cstdint>
#include <functional>

#include "core/result.h"
#include "engine/engine.h"
#include "engine/tiling/pipeline_split.h"
#include "jobs/task_payload.h"
#include "queue/job_store.h"
#include "queue/task_queue.h"
#include "store/blob_store.h"

namespace tessera::jobs {

struct TiledJobSeams {
  queue::JobStore& jobs;
  queue::TaskQueue& queue;
  store::BlobStore& blobs;
};

// Called immediately before each blob write of a task: an error (the task's lease was lost, so
// another holder owns its outcome) ends the run with that error and nothing more is written. A
// worker passes its LeaseKeeper::Renew.
using WriteFence = std::function<Status()>;

struct CoordinateStats {
  int64_t tiles_total = 0;
  int64_t inputs_written = 0;  // tile inputs stored by this run
  int64_t already_done = 0;    // tiles found done (a resumed coordinator skips them)
};

// Cuts `prepared` (the image after split.before) into job.plan's tiles and enqueues a tile task
// for each tile not yet done, with the priority and capabilities of `process_task`. Sets the
// job's tiles_total. Enqueues the assembly at once if every tile is already done. `stop` is
// polled between rows of tiles: true (the job was cancelled, the lease lost) ends the run with
// kCancelled; `fence` guards each tile input written. Errors: the blob store's and queue's;
// decode errors of the input; the fence's.
Result<CoordinateStats> CoordinateTiles(TiledJobSeams seams, const queue::TaskSpec& process_task,
                                        const TiledJobPayload& job, const engine::Image& prepared,
                                        const engine::PipelineSplit& split,
                                        const std::function<bool()>& stop, const WriteFence& fence);

enum class TileRun {
  kProcessed,    // this call ran the tile and marked it done
  kAlreadyDone,  // the tile was done before (a redelivery): nothing recomputed
  kJobFinished,  // the job is cancelled, dead or succeeded: nothing done
};

// Runs one tile task (see above). `task` is the tile task itself (for the follow-up's
// priority and capabilities); `fence` guards the tile output's write. Errors: kNotFound if the
// tile's input is missing; the engine's, blob store's, queue's and fence's.
Result<TileRun> RunTile(TiledJobSeams seams, const queue::TaskSpec& task,
                        const TileTaskPayload& payload, const engine::Limits& limits,
                        const WriteFence& fence);

// Stitches the stored tiles of `payload.job` (a row of tiles in memory at a time), runs the
// rest of the pipeline, encodes, and stores the result under job.output_key once `fence`
// allows. Errors: kNotFound if a tile output is missing; the engine's, blob store's and fence's.
Result<engine::ProcessResult> AssembleTiles(TiledJobSeams seams, const AssembleTaskPayload& payload,
                                            const engine::Limits& limits, const WriteFence& fence);

// Deletes the job's tile blobs (best effort; called once its result is stored).
void DeleteTiles(store::BlobStore& blobs, const TiledJobPayload& job);
// The same knowing only the process task id and the tile count (a job record being expired:
// its process task id is its job id unless it was retried after a cancel).
void DeleteTiles(store::BlobStore& blobs, std::string_view process_task_id, int64_t tiles);

}  // namespace tessera::jobs
