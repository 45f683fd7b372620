// TaskQueue: durable delivery of tasks to workers, at least once, under leases.
//
// Implementations: SqliteTaskQueue (embedded; a WAL database file that several processes on one
// machine may share) and RedisTaskQueue (distributed; Redis Streams with a consumer group).
// Both pass tests/contract/task_queue_contract_test.cc; each sentence "returns X when Y" below
// has a test there.
//
// Delivery model. A task is, at any moment, in exactly one of: delayed (not_before in the
// future), ready, leased (held by one worker until its lease expires), dead, or gone (acked or
// cancelled). A worker Claims a ready task, works, and then Acks it (done), Retries it (ready
// again after a not-before time), or Buries it (dead, with its error). A worker that dies
// simply stops extending its lease; ReclaimExpired makes the task ready again with attempt + 1,
// so every task is delivered at least once and possibly more: task side effects must be
// idempotent (tessera writes deterministic output keys).
//
// Clocks. not_before times are compared with the Clock the implementation was given, so a
// ManualClock controls delays and retry backoff in tests. Lease expiry is measured by the
// backend's own clock: the injected Clock for SQLite, the Redis server's clock for Redis
// (XAUTOCLAIM idle time), which a ManualClock cannot move. Contract tests therefore expire
// leases with short real durations (and advance the ManualClock too).
//
// Thread-safety: every method may be called concurrently from any thread; several processes
// may share one backend.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "queue/task.h"

namespace tessera::queue {

class TaskQueue {
 public:
  virtual ~TaskQueue() = default;

  // Makes `task` durable and, once not_before has passed, claimable. Enqueueing an id the queue
  // already knows (in any state, including acked within the retention window) is a no-op that
  // returns OK, so a crashed submitter may simply enqueue again.
  // Errors: kBadRequest (empty id or job_id), kUnavailable (backend down).
  virtual Status Enqueue(const TaskSpec& task) = 0;

  // Whether the queue knows `task_id`, in the sense of Enqueue: true for a task in any state,
  // including acked or cancelled within the retention window; false for an id never enqueued or
  // forgotten since. Errors: kUnavailable (backend down).
  virtual Result<bool> Knows(std::string_view task_id) = 0;

  // Leases one ready task whose every capability the worker has: highest priority first, and
  // oldest-ready first within a priority. Returns nullopt when none is ready for this worker.
  // The lease lasts `lease` unless extended. Never returns a task whose capabilities the worker
  // lacks, and never the same task to two holders at once (while the lease is live).
  virtual Result<std::optional<ClaimedTask>> Claim(const WorkerIdentity& worker,
                                                   std::chrono::milliseconds lease) = 0;

  // Extends the holder's lease to `lease` from now (the heartbeat).
  // Errors: kConflict when the lease was lost (expired and reclaimed, or the task was acked,
  // retried or buried by another holder); kCancelled when the task was cancelled meanwhile.
  virtual Status ExtendLease(const ClaimedTask& task, std::chrono::milliseconds lease) = 0;

  // Marks the task done; it is never delivered again.
  // Errors: kConflict when `task` no longer holds the lease (a stale holder must not ack a task
  // someone else now holds); kCancelled when it was cancelled meanwhile.
  virtual Status Ack(const ClaimedTask& task) = 0;

  // Releases the task to be claimed again at `not_before` (attempt + 1 on its next delivery),
  // recording `error` as its last error. Errors: as Ack.
  virtual Status Retry(const ClaimedTask& task, SystemTime not_before, const Error& error) = 0;

  // Moves the task to the dead-letter list with `error`. Errors: as Ack.
  virtual Status Bury(const ClaimedTask& task, const Error& error) = 0;

  // Finds leases that expired and makes those tasks ready again (attempt + 1, lease_expiries +
  // 1), or buries them when their lease_expiries would exceed `max_lease_expiries` (a poison
  // input that kills its worker ends dead instead of looping). Returns how many it handled.
  virtual Result<int> ReclaimExpired(int max_lease_expiries) = 0;

  // Cancels the task: a delayed or ready task is removed; a leased task is marked so that its
  // holder's next ExtendLease/Ack/Retry/Bury returns kCancelled. kNotFound for an unknown id;
  // OK (no-op) for one already acked, dead or cancelled.
  virtual Status Cancel(std::string_view task_id) = 0;

  // Makes a dead task ready again with a fresh attempt count.
  // Errors: kNotFound (unknown id), kConflict (not dead).
  virtual Status Requeue(std::string_view task_id) = 0;

  // Dead tasks, most recently died first, at most `limit`.
  virtual Result<std::vector<DeadTask>> ListDead(size_t limit) = 0;

  // Counts by state and the age of the oldest ready task.
  virtual Result<QueueStats> Stats() = 0;

  // OK if the backend is reachable (readiness checks).
  virtual Status Ping() = 0;
};

}  // namespace tessera::queue
