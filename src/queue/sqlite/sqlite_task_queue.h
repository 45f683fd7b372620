// SqliteTaskQueue: the embedded TaskQueue, one row per task in the `tasks` table of a WAL
// database file that several processes on one machine may share.
//
// Every operation is one BEGIN IMMEDIATE transaction. Claim is a single
// UPDATE ... WHERE seq = (SELECT ... ORDER BY priority, ready_at, seq LIMIT 1) RETURNING, whose
// subquery skips tasks needing a capability the worker lacks, so two processes can never lease
// the same task. Each claim draws a random lease token; ExtendLease/Ack/Retry/Bury compare it
// with the row's (fencing), and a reclaimed lease has none.
//
// All times, including lease deadlines (Now() + lease), come from the injected Clock.
//
// Acked and cancelled tasks stay as rows in state 'done'/'cancelled' so that enqueueing their
// id again stays a no-op; ReclaimExpired (the periodic maintenance call) deletes those finished
// more than Options::retention ago.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>

#include "core/clock.h"
#include "queue/sqlite/sqlite_database.h"
#include "queue/task_queue.h"

namespace tessera::queue {

class SqliteTaskQueue final : public TaskQueue {
 public:
  struct Options {
    // How long acked and cancelled task ids are remembered (Enqueue idempotency).
    std::chrono::milliseconds retention = std::chrono::hours(24 * 7);
  };

  // REQUIRES: `db` is not null; `clock` outlives this.
  SqliteTaskQueue(std::shared_ptr<SqliteDatabase> db, const Clock& clock, Options options);
  SqliteTaskQueue(std::shared_ptr<SqliteDatabase> db, const Clock& clock)
      : SqliteTaskQueue(std::move(db), clock, Options{}) {}
  // Opens its own connection to the database file at `path`.
  static Result<std::unique_ptr<SqliteTaskQueue>> Open(const std::filesystem::path& path,
                                                       const Clock& clock);

  Status Enqueue(const TaskSpec& task) override;
  Result<bool> Knows(std::string_view task_id) override;
  Result<std::optional<ClaimedTask>> Claim(const WorkerIdentity& worker,
                                           std::chrono::milliseconds lease) override;
  Status ExtendLease(const ClaimedTask& task, std::chrono::milliseconds lease) override;
  Status Ack(const ClaimedTask& task) override;
  Status Retry(const ClaimedTask& task, SystemTime not_before, const Error& error) override;
  Status Bury(const ClaimedTask& task, const Error& error) override;
  Result<int> ReclaimExpired(int max_lease_expiries) override;
  Status Cancel(std::string_view task_id) override;
  Status Requeue(std::string_view task_id) override;
  Result<std::vector<DeadTask>> ListDead(size_t limit) override;
  Result<QueueStats> Stats() override;
  Status Ping() override;

 private:
  std::shared_ptr<SqliteDatabase> db_;
  const Clock& clock_;
  Options options_;
};

}  // namespace tessera::queue
