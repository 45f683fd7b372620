#include "queue/sqlite/sqlite_task_queue.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <random>

#include "queue/string_list.h"

namespace tessera::queue {
namespace {

std::string NewLeaseToken() {
  static thread_local std::mt19937_64 rng(std::random_device{}());
  char token[33];
  std::snprintf(token, sizeof token, "%016llx%016llx", static_cast<unsigned long long>(rng()),
                static_cast<unsigned long long>(rng()));
  return token;
}

// Write bodies that report a domain outcome (kConflict, kCancelled, ...) which must still be
// committed return Result<Status>: the outer error rolls back, the inner one is the answer.
Status Flatten(Result<Status> outcome) {
  if (!outcome) return std::move(outcome).error();
  return *outcome;
}

// The columns a claim returns, in this order.
constexpr char kClaimSql[] = R"sql(
UPDATE tasks
SET state = 'leased', attempts = attempts + 1, worker_id = ?2, lease_token = ?3,
    lease_deadline = ?4
WHERE seq = (
  SELECT t.seq FROM tasks AS t
  WHERE t.state = 'ready' AND t.ready_at <= ?1
    AND NOT EXISTS (SELECT 1 FROM json_each(t.capabilities) AS needed
                    WHERE needed.value NOT IN (SELECT value FROM json_each(?5)))
  ORDER BY t.priority, t.ready_at, t.seq
  LIMIT 1)
RETURNING id, job_id, kind, payload, priority, capabilities, not_before, attempts, lease_expiries
)sql";

TaskSpec SpecFromRow(const SqliteStatement& row, int first_column) {
  TaskSpec spec;
  spec.id = row.Text(first_column);
  spec.job_id = row.Text(first_column + 1);
  spec.kind = row.Text(first_column + 2);
  spec.payload = row.Text(first_column + 3);
  spec.priority = static_cast<Priority>(row.Int(first_column + 4));
  spec.capabilities = DecodeStringList(row.Text(first_column + 5));
  spec.not_before = FromUnixMillis(row.Int(first_column + 6));
  return spec;
}

// Whether `task` still holds its lease, inside a write transaction. A leased task that was
// cancelled meanwhile is moved to 'cancelled' here, on its holder's first contact.
Result<Status> CheckLeaseHeld(SqliteTransaction& txn, const ClaimedTask& task, int64_t now) {
  Result<SqliteStatement> select =
      txn.Prepare("SELECT state, lease_token, cancel_requested FROM tasks WHERE id = ?1");
  if (!select) return select.error();
  select->Bind(1, task.spec.id);
  Result<bool> row = select->Step();
  if (!row) return row.error();
  const std::string& id = task.spec.id;
  if (!*row) return Status(MakeError(ErrorCode::kConflict, "task " + id + " is not in the queue"));
  std::string state = select->Text(0);
  bool token_matches = !select->IsNull(1) && select->Text(1) == task.lease_token;
  bool cancel_requested = select->Int(2) != 0;
  if (!token_matches) {
    return Status(
        MakeError(ErrorCode::kConflict, "task " + id + ": this worker no longer holds its lease"));
  }
  if (state == "cancelled") {
    return Status(MakeError(ErrorCode::kCancelled, "task " + id + " was cancelled"));
  }
  if (state != "leased") {
    return Status(
        MakeError(ErrorCode::kConflict, "task " + id + " is " + state + ", no longer leased"));
  }
  if (cancel_requested) {
    Result<SqliteStatement> finish = txn.Prepare(
        "UPDATE tasks SET state = 'cancelled', finished_at = ?2, lease_deadline = NULL "
        "WHERE id = ?1");
    if (!finish) return finish.error();
    if (Status done = finish->Bind(1, id).Bind(2, now).Run(); !done) return done.error();
    return Status(MakeError(ErrorCode::kCancelled, "task " + id + " was cancelled"));
  }
  return OkStatus();
}

void BindError(SqliteStatement& stmt, int first_parameter, const Error& error) {
  stmt.Bind(first_parameter, CodeName(error.code))
      .Bind(first_parameter + 1, error.message)
      .Bind(first_parameter + 2, error.field)
      .Bind(first_parameter + 3, error.detail);
}

// The task's state column, or nullopt for an unknown id.
Result<std::optional<std::string>> StateOf(SqliteTransaction& txn, std::string_view task_id) {
  Result<SqliteStatement> select = txn.Prepare("SELECT state FROM tasks WHERE id = ?1");
  if (!select) return select.error();
  select->Bind(1, task_id);
  Result<bool> row = select->Step();
  if (!row) return row.error();
  if (!*row) return std::optional<std::string>();
  return std::optional<std::string>(select->Text(0));
}

// Committed as the operation's answer (not a failure that rolls the transaction back).
Error UnknownTask(std::string_view task_id) {
  return MakeError(ErrorCode::kNotFound, "no task " + std::string(task_id));
}
}  // namespace

SqliteTaskQueue::SqliteTaskQueue(std::shared_ptr<SqliteDatabase> db, const Clock& clock,
                                 Options options)
    : db_(std::move(db)), clock_(clock), options_(options) {}

Result<std::unique_ptr<SqliteTaskQueue>> SqliteTaskQueue::Open(const std::filesystem::path& path,
                                                               const Clock& clock) {
  Result<std::shared_ptr<SqliteDatabase>> db = SqliteDatabase::Open(path);
  if (!db) return db.error();
  return std::make_unique<SqliteTaskQueue>(std::move(*db), clock);
}

Status SqliteTaskQueue::Enqueue(const TaskSpec& task) {
  if (task.id.empty()) return MakeError(ErrorCode::kBadRequest, "task id is empty", "id");
  if (task.job_id.empty()) {
    return MakeError(ErrorCode::kBadRequest, "task job_id is empty", "job_id");
  }
  int64_t now = ToUnixMillis(clock_.Now());
  int64_t not_before = ToUnixMillis(task.not_before);
  return db_->Write([&](SqliteTransaction& txn) -> Status {
    Result<SqliteStatement> insert = txn.Prepare(R"sql(
INSERT INTO tasks (id, job_id, kind, payload, priority, capabilities, not_before, state,
                   enqueued_at, ready_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'ready', ?8, ?9)
ON CONFLICT (id) DO NOTHING
)sql");
    if (!insert) return insert.error();
    insert->Bind(1, task.id)
        .Bind(2, task.job_id)
        .Bind(3, task.kind)
        .BindBlob(4, task.payload)
        .Bind(5, static_cast<int64_t>(task.priority))
        .Bind(6, EncodeStringList(task.capabilities))
        .Bind(7, not_before)
        .Bind(8, now)
        .Bind(9, std::max(now, not_before));
    return insert->Run();
  });
}

Result<bool> SqliteTaskQueue::Knows(std::string_view task_id) {
  return db_->Read([&](SqliteTransaction& txn) -> Result<bool> {
    Result<std::optional<std::string>> state = StateOf(txn, task_id);
    if (!state) return state.error();
    return state->has_value();
  });
}

Result<std::optional<ClaimedTask>> SqliteTaskQueue::Claim(const WorkerIdentity& worker,
                                                          std::chrono::milliseconds lease) {
  int64_t now = ToUnixMillis(clock_.Now());
  std::string token = NewLeaseToken();
  return db_->Write([&](SqliteTransaction& txn) -> Result<std::optional<ClaimedTask>> {
    Result<SqliteStatement> claim = txn.Prepare(kClaimSql);
    if (!claim) return claim.error();
    claim->Bind(1, now)
        .Bind(2, worker.id)
        .Bind(3, token)
        .Bind(4, now + lease.count())
        .Bind(5, EncodeStringList(worker.capabilities));
    Result<bool> row = claim->Step();
    if (!row) return row.error();
    if (!*row) return std::optional<ClaimedTask>();
    ClaimedTask claimed;
    claimed.spec = SpecFromRow(*claim, 0);
    claimed.attempt = static_cast<int>(claim->Int(7));
    claimed.lease_expiries = static_cast<int>(claim->Int(8));
    claimed.worker_id = worker.id;
    claimed.lease_token = token;
    // RETURNING rows are all computed up front; finishing the statement applies the update.
    if (Status finished = claim->Run(); !finished) return finished.error();
    return std::optional<ClaimedTask>(std::move(claimed));
  });
}

Status SqliteTaskQueue::ExtendLease(const ClaimedTask& task, std::chrono::milliseconds lease) {
  int64_t now = ToUnixMillis(clock_.Now());
  return Flatten(db_->Write([&](SqliteTransaction& txn) -> Result<Status> {
    Result<Status> held = CheckLeaseHeld(txn, task, now);
    if (!held || !*held) return held;
    Result<SqliteStatement> extend =
        txn.Prepare("UPDATE tasks SET lease_deadline = ?2 WHERE id = ?1");
    if (!extend) return extend.error();
    if (Status done = extend->Bind(1, task.spec.id).Bind(2, now + lease.count()).Run(); !done) {
      return done.error();
    }
    return OkStatus();
  }));
}

Status SqliteTaskQueue::Ack(const ClaimedTask& task) {
  int64_t now = ToUnixMillis(clock_.Now());
  return Flatten(db_->Write([&](SqliteTransaction& txn) -> Result<Status> {
    Result<Status> held = CheckLeaseHeld(txn, task, now);
    if (!held || !*held) return held;
    Result<SqliteStatement> ack = txn.Prepare(
        "UPDATE tasks SET state = 'done', finished_at = ?2, lease_deadline = NULL WHERE id = ?1");
    if (!ack) return ack.error();
    if (Status done = ack->Bind(1, task.spec.id).Bind(2, now).Run(); !done) return done.error();
    return OkStatus();
  }));
}

Status SqliteTaskQueue::Retry(const ClaimedTask& task, SystemTime not_before, const Error& error) {
  int64_t now = ToUnixMillis(clock_.Now());
  return Flatten(db_->Write([&](SqliteTransaction& txn) -> Result<Status> {
    Result<Status> held = CheckLeaseHeld(txn, task, now);
    if (!held || !*held) return held;
    Result<SqliteStatement> retry = txn.Prepare(R"sql(
UPDATE tasks
SET state = 'ready', ready_at = ?2, worker_id = NULL, lease_token = NULL, lease_deadline = NULL,
    error_code = ?3, error_message = ?4, error_field = ?5, error_detail = ?6
WHERE id = ?1
)sql");
    if (!retry) return retry.error();
    retry->Bind(1, task.spec.id).Bind(2, std::max(now, ToUnixMillis(not_before)));
    BindError(*retry, 3, error);
    if (Status done = retry->Run(); !done) return done.error();
    return OkStatus();
  }));
}

Status SqliteTaskQueue::Bury(const ClaimedTask& task, const Error& error) {
  int64_t now = ToUnixMillis(clock_.Now());
  return Flatten(db_->Write([&](SqliteTransaction& txn) -> Result<Status> {
    Result<Status> held = CheckLeaseHeld(txn, task, now);
    if (!held || !*held) return held;
    Result<SqliteStatement> bury = txn.Prepare(R"sql(
UPDATE tasks
SET state = 'dead', died_at = ?2,
    dead_order = (SELECT coalesce(max(dead_order), 0) + 1 FROM tasks WHERE state = 'dead'),
    worker_id = NULL, lease_token = NULL, lease_deadline = NULL,
    error_code = ?3, error_message = ?4, error_field = ?5, error_detail = ?6
WHERE id = ?1
)sql");
    if (!bury) return bury.error();
    bury->Bind(1, task.spec.id).Bind(2, now);
    BindError(*bury, 3, error);
    if (Status done = bury->Run(); !done) return done.error();
    return OkStatus();
  }));
}

Result<int> SqliteTaskQueue::ReclaimExpired(int max_lease_expiries) {
  int64_t now = ToUnixMillis(clock_.Now());
  Error budget_spent =
      MakeError(ErrorCode::kDeadlineExceeded, "its lease expired more than " +
                                                  std::to_string(max_lease_expiries) +
                                                  " times: each worker holding it died or hung");
  return db_->Write([&](SqliteTransaction& txn) -> Result<int> {
    int64_t handled = 0;
    // The order matters: cancelled first, then those over budget, then the rest.
    Result<SqliteStatement> cancel = txn.Prepare(R"sql(
UPDATE tasks SET state = 'cancelled', finished_at = ?1, lease_deadline = NULL
WHERE state = 'leased' AND lease_deadline <= ?1 AND cancel_requested = 1
)sql");
    if (!cancel) return cancel.error();
    if (Status done = cancel->Bind(1, now).Run(); !done) return done.error();
    handled += txn.Changes();

    Result<SqliteStatement> bury = txn.Prepare(R"sql(
UPDATE tasks
SET state = 'dead', died_at = ?1, lease_expiries = lease_expiries + 1,
    dead_order = (SELECT coalesce(max(dead_order), 0) + 1 FROM tasks WHERE state = 'dead'),
    worker_id = NULL, lease_token = NULL, lease_deadline = NULL,
    error_code = ?3, error_message = ?4, error_field = ?5, error_detail = ?6
WHERE state = 'leased' AND lease_deadline <= ?1 AND lease_expiries + 1 > ?2
)sql");
    if (!bury) return bury.error();
    bury->Bind(1, now).Bind(2, static_cast<int64_t>(max_lease_expiries));
    BindError(*bury, 3, budget_spent);
    if (Status done = bury->Run(); !done) return done.error();
    handled += txn.Changes();

    // ready_at is left as it was: the task keeps its place before newer work of its priority.
    Result<SqliteStatement> release = txn.Prepare(R"sql(
UPDATE tasks
SET state = 'ready', lease_expiries = lease_expiries + 1,
    worker_id = NULL, lease_token = NULL, lease_deadline = NULL
WHERE state = 'leased' AND lease_deadline <= ?1
)sql");
    if (!release) return release.error();
    if (Status done = release->Bind(1, now).Run(); !done) return done.error();
    handled += txn.Changes();

    Result<SqliteStatement> forget = txn.Prepare(R"sql(
DELETE FROM tasks WHERE seq IN (
  SELECT seq FROM tasks WHERE state IN ('done', 'cancelled') AND finished_at < ?1 LIMIT 1000)
)sql");
    if (!forget) return forget.error();
    if (Status done = forget->Bind(1, now - options_.retention.count()).Run(); !done) {
      return done.error();
    }
    return static_cast<int>(handled);
  });
}

Status SqliteTaskQueue::Cancel(std::string_view task_id) {
  int64_t now = ToUnixMillis(clock_.Now());
  return Flatten(db_->Write([&](SqliteTransaction& txn) -> Result<Status> {
    Result<std::optional<std::string>> state_or = StateOf(txn, task_id);
    if (!state_or) return state_or.error();
    if (!state_or->has_value()) return Status(UnknownTask(task_id));
    const std::string& state = **state_or;
    if (state == "ready") {
      Result<SqliteStatement> cancel =
          txn.Prepare("UPDATE tasks SET state = 'cancelled', finished_at = ?2 WHERE id = ?1");
      if (!cancel) return cancel.error();
      if (Status done = cancel->Bind(1, task_id).Bind(2, now).Run(); !done) return done.error();
    } else if (state == "leased") {
      // The holder learns of it on its next contact (kCancelled); see CheckLeaseHeld.
      Result<SqliteStatement> mark =
          txn.Prepare("UPDATE tasks SET cancel_requested = 1 WHERE id = ?1");
      if (!mark) return mark.error();
      if (Status done = mark->Bind(1, task_id).Run(); !done) return done.error();
    }
    return OkStatus();  // done, dead or cancelled already: nothing to do
  }));
}

Status SqliteTaskQueue::Requeue(std::string_view task_id) {
  int64_t now = ToUnixMillis(clock_.Now());
  return Flatten(db_->Write([&](SqliteTransaction& txn) -> Result<Status> {
    Result<std::optional<std::string>> state_or = StateOf(txn, task_id);
    if (!state_or) return state_or.error();
    if (!state_or->has_value()) return Status(UnknownTask(task_id));
    if (const std::string& state = **state_or; state != "dead") {
      return Status(MakeError(ErrorCode::kConflict,
                              "task " + std::string(task_id) + " is " + state + ", not dead"));
    }
    Result<SqliteStatement> requeue = txn.Prepare(R"sql(
UPDATE tasks
SET state = 'ready', ready_at = ?2, attempts = 0, lease_expiries = 0, cancel_requested = 0,
    died_at = NULL, dead_order = NULL,
    error_code = NULL, error_message = NULL, error_field = NULL, error_detail = NULL
WHERE id = ?1
)sql");
    if (!requeue) return requeue.error();
    if (Status done = requeue->Bind(1, task_id).Bind(2, now).Run(); !done) return done.error();
    return OkStatus();
  }));
}

Result<std::vector<DeadTask>> SqliteTaskQueue::ListDead(size_t limit) {
  return db_->Read([&](SqliteTransaction& txn) -> Result<std::vector<DeadTask>> {
    Result<SqliteStatement> select = txn.Prepare(R"sql(
SELECT id, job_id, kind, payload, priority, capabilities, not_before,
       attempts, error_code, error_message, error_field, error_detail, died_at
FROM tasks WHERE state = 'dead'
ORDER BY died_at DESC, dead_order DESC
LIMIT ?1
)sql");
    if (!select) return select.error();
    select->Bind(1, static_cast<int64_t>(std::min<size_t>(limit, INT64_MAX)));
    std::vector<DeadTask> dead;
    while (true) {
      Result<bool> row = select->Step();
      if (!row) return row.error();
      if (!*row) break;
      DeadTask task;
      task.spec = SpecFromRow(*select, 0);
      task.attempts = static_cast<int>(select->Int(7));
      std::string code = select->Text(8);
      task.last_error.code = ErrorCode::kInternal;
      for (int c = 0; c <= static_cast<int>(ErrorCode::kInternal); ++c) {
        if (CodeName(static_cast<ErrorCode>(c)) == code) task.last_error.code = ErrorCode(c);
      }
      task.last_error.message = select->Text(9);
      task.last_error.field = select->Text(10);
      task.last_error.detail = select->Text(11);
      task.died = FromUnixMillis(select->Int(12));
      dead.push_back(std::move(task));
    }
    return dead;
  });
}

Result<QueueStats> SqliteTaskQueue::Stats() {
  int64_t now = ToUnixMillis(clock_.Now());
  return db_->Read([&](SqliteTransaction& txn) -> Result<QueueStats> {
    Result<SqliteStatement> select = txn.Prepare(R"sql(
SELECT coalesce(sum(state = 'ready' AND ready_at <= ?1 AND priority = 0), 0),
       coalesce(sum(state = 'ready' AND ready_at <= ?1 AND priority = 1), 0),
       coalesce(sum(state = 'ready' AND ready_at <= ?1 AND priority = 2), 0),
       coalesce(sum(state = 'ready' AND ready_at > ?1), 0),
       coalesce(sum(state = 'leased'), 0),
       coalesce(sum(state = 'dead'), 0),
       min(CASE WHEN state = 'ready' AND ready_at <= ?1 THEN ready_at END)
FROM tasks WHERE state IN ('ready', 'leased', 'dead')
)sql");
    if (!select) return select.error();
    select->Bind(1, now);
    Result<bool> row = select->Step();
    if (!row) return row.error();
    QueueStats stats;
    stats.ready_high = select->Int(0);
    stats.ready_normal = select->Int(1);
    stats.ready_low = select->Int(2);
    stats.delayed = select->Int(3);
    stats.leased = select->Int(4);
    stats.dead = select->Int(5);
    if (!select->IsNull(6))
      stats.oldest_ready_age = std::chrono::milliseconds(now - select->Int(6));
    return stats;
  });
}

Status SqliteTaskQueue::Ping() {
  return db_->Read([](SqliteTransaction& txn) -> Status {
    Result<SqliteStatement> select = txn.Prepare("SELECT 1");
    if (!select) return select.error();
    return select->Run();
  });
}

}  // namespace tessera::queue
