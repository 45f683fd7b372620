// JobStore: the durable record of every job a client submitted, and its state machine.
//
// Implementations: SqliteJobStore (embedded, the same database file as SqliteTaskQueue) and
// RedisJobStore (a hash per job, a sorted-set index per state). Both pass
// tests/contract/job_store_contract_test.cc.
//
// States and legal transitions (IsLegalTransition):
//
//   queued ──▶ running ──▶ succeeded
//     │  ▲       │ │ ▲
//     │  │       │ └─┘ (a redelivery after a lost lease starts the job again)
//     │  │       ├──▶ failed_retrying ──▶ running
//     │  │       └──▶ dead
//     │  └─────────── dead, cancelled, failed_retrying (an operator's retry)
//     └──▶ cancelled ◀── running, failed_retrying
//
// succeeded is final; dead and cancelled only leave by an explicit retry (to queued).
//
// Thread-safety: every method may be called concurrently from any thread and process.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "queue/task.h"

namespace tessera::queue {

enum class JobState { kQueued, kRunning, kSucceeded, kFailedRetrying, kDead, kCancelled };

// "queued", "running", "succeeded", "failed_retrying", "dead", "cancelled".
std::string_view JobStateName(JobState s);
std::optional<JobState> ParseJobState(std::string_view name);
bool IsTerminal(JobState s);  // succeeded, dead, cancelled
bool IsLegalTransition(JobState from, JobState to);

struct JobRecord {
  std::string id;  // NewId(); also the id of its first task
  JobState state = JobState::kQueued;
  std::string pipeline;       // canonical text spelling
  std::string input_key;      // blob key of the input
  std::string output_key;     // blob key of the result (set when it succeeds)
  std::string output_format;  // "jpeg", "png", ... (set when it succeeds)
  Priority priority = Priority::kNormal;
  std::vector<std::string> capabilities;  // what a worker needs to run it
  std::string idempotency_key;            // empty: none
  std::string request_id;                 // the submitting request's id, for logs
  int attempts = 0;                       // deliveries so far
  std::string tiles = "auto";             // requested tiling: auto | on | off
  int64_t tiles_done = 0;                 // progress (tiled jobs); 0/0 for whole-image jobs
  int64_t tiles_total = 0;
  // How the pipeline runs, once a worker has planned it: "whole: <pipeline>" or
  // "whole: <steps> | tiled (halo H): <steps> | whole: <steps>" (engine PipelineSplit::Describe).
  // Empty until then.
  std::string execution;
  // The last error; nullopt if none. Stores keep its code, message and field (not its detail).
  std::optional<Error> error;
  SystemTime created{};
  SystemTime updated{};
  SystemTime started{};   // first time it entered running (epoch: never)
  SystemTime finished{};  // when it reached succeeded/dead/cancelled (epoch: not yet)

  bool operator==(const JobRecord&) const = default;
};

// What a Transition changes besides the state. Unset fields keep their stored value.
struct JobUpdate {
  std::optional<int> attempts;
  std::optional<std::string> output_key;
  std::optional<std::string> output_format;
  std::optional<std::string> execution;
  std::optional<Error> error;  // sets JobRecord::error (without its detail)
  bool clear_error = false;    // clears it (a successful retry)
};

struct CreatedJob {
  JobRecord job;
  bool created = true;  // false: an existing job with the same idempotency key was returned
};

// What MarkTileDone found and did.
struct TileMark {
  bool newly_done = false;  // this call recorded the tile (false: it was already recorded)
  int64_t tiles_done = 0;   // distinct tiles of the job recorded, after this call
  int64_t tiles_total = 0;  // as last set by SetProgress
  bool all_done() const { return tiles_total > 0 && tiles_done >= tiles_total; }
};

struct JobPage {
  std::vector<JobRecord> jobs;
  std::string next_cursor;  // empty when this is the last page
};

class JobStore {
 public:
  virtual ~JobStore() = default;

  // Stores `job` (its state must be queued, its id unused). If job.idempotency_key is not empty
  // and a job with that key exists, stores nothing and returns the existing job with
  // created = false. created/updated are set from the store's Clock.
  // Errors: kBadRequest (empty id), kConflict (id already used).
  virtual Result<CreatedJob> Create(const JobRecord& job) = 0;

  // Errors: kNotFound.
  virtual Result<JobRecord> Get(std::string_view id) = 0;

  // Moves the job to `to` and applies `update`, atomically, and returns the new record.
  // `updated` is set; `started` on first entering running; `finished` on entering a terminal
  // state (and cleared when leaving one). Errors: kNotFound; kConflict when
  // !IsLegalTransition(current, to), naming both states.
  virtual Result<JobRecord> Transition(std::string_view id, JobState to,
                                       const JobUpdate& update) = 0;

  // Records progress. Errors: kNotFound.
  virtual Status SetProgress(std::string_view id, int64_t done, int64_t total) = 0;

  // Tiled jobs: records that tile `tile` (0-based) of job `id` is stored, idempotently and
  // atomically: the first call for a tile adds it to the job's set of done tiles; later calls
  // (a redelivered tile task, a second worker) change nothing and say newly_done = false. Either
  // way tiles_done becomes the number of distinct tiles recorded, so progress never counts a
  // tile twice. At most one call per tile returns newly_done = true, even across processes
  // (normally exactly one; a call retried after a lost reply may see false).
  // Errors: kNotFound (no such job), kBadRequest (tile < 0).
  virtual Result<TileMark> MarkTileDone(std::string_view id, int64_t tile) = 0;

  // Whether MarkTileDone(id, tile) has been called. Errors: kNotFound (no such job).
  virtual Result<bool> IsTileDone(std::string_view id, int64_t tile) = 0;

  // Jobs in id order (ids sort by creation time), optionally only those in `state`, at most
  // `limit` (1..1000), starting after `cursor` (a next_cursor from an earlier page, or empty).
  // Stable under concurrent inserts: a page never repeats or skips a job that existed when the
  // listing began. Errors: kBadRequest (limit out of range, malformed cursor).
  virtual Result<JobPage> List(std::optional<JobState> state, size_t limit,
                               std::string_view cursor) = 0;

  // Deletes up to `limit` jobs in a terminal state whose `finished` is before `cutoff` and
  // returns them (so their blobs can be deleted too). Their idempotency keys become free and
  // their recorded tiles are forgotten.
  virtual Result<std::vector<JobRecord>> ExpireFinished(SystemTime cutoff, size_t limit) = 0;

  // How many jobs are in each state (states with none may be absent).
  virtual Result<std::map<JobState, int64_t>> CountByState() = 0;
};

}  // namespace tessera::queue
