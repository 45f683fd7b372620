#include "queue/sqlite/sqlite_job_store.h"

#include <algorithm>
#include <cstdint>

#include "queue/sqlite/sqlite_cursor.h"
#include "queue/sqlite/sqlite_string_list.h"

namespace tessera::queue {
namespace {

// The column order JobFromRow reads and WriteJob binds.
#define TESSERA_JOB_COLUMNS                                                                     \
  "id, state, pipeline, input_key, output_key, output_format, priority, capabilities, "         \
  "idempotency_key, request_id, attempts, tiles_done, tiles_total, error_code, error_message, " \
  "error_field, created_at, updated_at, started_at, finished_at, execution, tiles"
#define TESSERA_JOB_PARAMETERS                                                                  \
  "?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, " \
  "?21, ?22"

JobRecord JobFromRow(const SqliteStatement& row) {
  JobRecord job;
  job.id = row.Text(0);
  job.state = ParseJobState(row.Text(1)).value_or(JobState::kQueued);
  job.pipeline = row.Text(2);
  job.input_key = row.Text(3);
  job.output_key = row.Text(4);
  job.output_format = row.Text(5);
  job.priority = static_cast<Priority>(row.Int(6));
  job.capabilities = DecodeStringList(row.Text(7));
  job.idempotency_key = row.Text(8);
  job.request_id = row.Text(9);
  job.attempts = static_cast<int>(row.Int(10));
  job.tiles_done = row.Int(11);
  job.tiles_total = row.Int(12);
  job.error_code = row.Text(13);
  job.error_message = row.Text(14);
  job.error_field = row.Text(15);
  job.created = FromUnixMillis(row.Int(16));
  job.updated = FromUnixMillis(row.Int(17));
  job.started = FromUnixMillis(row.Int(18));
  job.finished = FromUnixMillis(row.Int(19));
  job.execution = row.Text(20);
  job.tiles = row.Text(21);
  return job;
}

// Inserts a new job, or (insert = false) replaces the whole row of an existing one.
Status WriteJob(SqliteTransaction& txn, const JobRecord& job, bool insert) {
  Result<SqliteStatement> write = txn.Prepare(
      insert ? "INSERT INTO jobs (" TESSERA_JOB_COLUMNS ") VALUES (" TESSERA_JOB_PARAMETERS ")"
             : "REPLACE INTO jobs (" TESSERA_JOB_COLUMNS ") VALUES (" TESSERA_JOB_PARAMETERS ")");
  if (!write) return write.error();
  write->Bind(1, job.id)
      .Bind(2, JobStateName(job.state))
      .Bind(3, job.pipeline)
      .Bind(4, job.input_key)
      .Bind(5, job.output_key)
      .Bind(6, job.output_format)
      .Bind(7, static_cast<int64_t>(job.priority))
      .Bind(8, EncodeStringList(job.capabilities))
      .Bind(10, job.request_id)
      .Bind(11, static_cast<int64_t>(job.attempts))
      .Bind(12, job.tiles_done)
      .Bind(13, job.tiles_total)
      .Bind(14, job.error_code)
      .Bind(15, job.error_message)
      .Bind(16, job.error_field)
      .Bind(17, ToUnixMillis(job.created))
      .Bind(18, ToUnixMillis(job.updated))
      .Bind(19, ToUnixMillis(job.started))
      .Bind(20, ToUnixMillis(job.finished))
      .Bind(21, job.execution)
      .Bind(22, job.tiles);
  // No key is NULL, so that the unique index never sees two "empty" keys.
  if (job.idempotency_key.empty()) {
    write->BindNull(9);
  } else {
    write->Bind(9, job.idempotency_key);
  }
  return write->Run();
}

Result<std::optional<JobRecord>> LoadJob(SqliteTransaction& txn, std::string_view sql,
                                         std::string_view key) {
  Result<SqliteStatement> select = txn.Prepare(sql);
  if (!select) return select.error();
  select->Bind(1, key);
  Result<bool> row = select->Step();
  if (!row) return row.error();
  if (!*row) return std::optional<JobRecord>();
  return std::optional<JobRecord>(JobFromRow(*select));
}

constexpr char kSelectById[] = "SELECT " TESSERA_JOB_COLUMNS " FROM jobs WHERE id = ?1";
constexpr char kSelectByKey[] =
    "SELECT " TESSERA_JOB_COLUMNS " FROM jobs WHERE idempotency_key = ?1";

Error NoSuchJob(std::string_view id) {
  return MakeError(ErrorCode::kNotFound, "no job " + std::string(id));
}

}  // namespace

Result<std::unique_ptr<SqliteJobStore>> SqliteJobStore::Open(const std::filesystem::path& path,
                                                             const Clock& clock) {
  Result<std::shared_ptr<SqliteDatabase>> db = SqliteDatabase::Open(path);
  if (!db) return db.error();
  return std::make_unique<SqliteJobStore>(std::move(*db), clock);
}

Result<CreatedJob> SqliteJobStore::Create(const JobRecord& job) {
  if (job.id.empty()) return MakeError(ErrorCode::kBadRequest, "job id is empty", "id");
  if (job.state != JobState::kQueued) {
    return MakeError(ErrorCode::kBadRequest,
                     "a new job must be queued, not " + std::string(JobStateName(job.state)),
                     "state");
  }
  JobRecord stored = job;
  stored.created = stored.updated = clock_.Now();
  return db_->Write([&](SqliteTransaction& txn) -> Result<CreatedJob> {
    if (!job.idempotency_key.empty()) {
      Result<std::optional<JobRecord>> existing = LoadJob(txn, kSelectByKey, job.idempotency_key);
      if (!existing) return existing.error();
      if (*existing) return CreatedJob{std::move(**existing), false};
    }
    Result<std::optional<JobRecord>> same_id = LoadJob(txn, kSelectById, job.id);
    if (!same_id) return same_id.error();
    if (*same_id) return MakeError(ErrorCode::kConflict, "job id " + job.id + " is already used");
    if (Status written = WriteJob(txn, stored, /*insert=*/true); !written) return written.error();
    return CreatedJob{stored, true};
  });
}

Result<JobRecord> SqliteJobStore::Get(std::string_view id) {
  Result<std::optional<JobRecord>> job =
      db_->Read([&](SqliteTransaction& txn) { return LoadJob(txn, kSelectById, id); });
  if (!job) return job.error();
  if (!*job) return NoSuchJob(id);
  return std::move(**job);
}

Result<JobRecord> SqliteJobStore::Transition(std::string_view id, JobState to,
                                             const JobUpdate& update) {
  SystemTime now = clock_.Now();
  return db_->Write([&](SqliteTransaction& txn) -> Result<JobRecord> {
    Result<std::optional<JobRecord>> loaded = LoadJob(txn, kSelectById, id);
    if (!loaded) return loaded.error();
    if (!*loaded) return NoSuchJob(id);
    JobRecord job = std::move(**loaded);
    if (!IsLegalTransition(job.state, to)) {
      return MakeError(ErrorCode::kConflict, "job " + job.id + " cannot go from " +
                                                 std::string(JobStateName(job.state)) + " to " +
                                                 std::string(JobStateName(to)));
    }
    if (to == JobState::kRunning && job.started == SystemTime{}) job.started = now;
    if (IsTerminal(to)) {
      job.finished = now;
    } else if (IsTerminal(job.state)) {
      job.finished = SystemTime{};
    }
    job.state = to;
    job.updated = now;
    if (update.attempts) job.attempts = *update.attempts;
    if (update.output_key) job.output_key = *update.output_key;
    if (update.output_format) job.output_format = *update.output_format;
    if (update.execution) job.execution = *update.execution;
    if (update.clear_error) {
      job.error_code.clear();
      job.error_message.clear();
      job.error_field.clear();
    }
    if (update.error) {
      job.error_code = CodeName(update.error->code);
      job.error_message = update.error->message;
      job.error_field = update.error->field;
    }
    if (Status written = WriteJob(txn, job, /*insert=*/false); !written) return written.error();
    return job;
  });
}

Status SqliteJobStore::SetProgress(std::string_view id, int64_t done, int64_t total) {
  int64_t now = ToUnixMillis(clock_.Now());
  return db_->Write([&](SqliteTransaction& txn) -> Status {
    Result<SqliteStatement> update = txn.Prepare(
        "UPDATE jobs SET tiles_done = ?2, tiles_total = ?3, updated_at = ?4 WHERE id = ?1");
    if (!update) return update.error();
    if (Status ran = update->Bind(1, id).Bind(2, done).Bind(3, total).Bind(4, now).Run(); !ran) {
      return ran;
    }
    if (txn.Changes() == 0) return NoSuchJob(id);
    return OkStatus();
  });
}

Result<TileMark> SqliteJobStore::MarkTileDone(std::string_view id, int64_t tile) {
  if (tile < 0) return MakeError(ErrorCode::kBadRequest, "tile index is negative", "tile");
  int64_t now = ToUnixMillis(clock_.Now());
  return db_->Write([&](SqliteTransaction& txn) -> Result<TileMark> {
    Result<SqliteStatement> exists = txn.Prepare("SELECT tiles_total FROM jobs WHERE id = ?1");
    if (!exists) return exists.error();
    exists->Bind(1, id);
    Result<bool> found = exists->Step();
    if (!found) return found.error();
    if (!*found) return NoSuchJob(id);
    TileMark mark;
    mark.tiles_total = exists->Int(0);
    Result<SqliteStatement> insert =
        txn.Prepare("INSERT INTO job_tiles (job_id, tile) VALUES (?1, ?2) ON CONFLICT DO NOTHING");
    if (!insert) return insert.error();
    if (Status ran = insert->Bind(1, id).Bind(2, tile).Run(); !ran) return ran.error();
    mark.newly_done = txn.Changes() > 0;
    Result<SqliteStatement> update = txn.Prepare(
        "UPDATE jobs SET tiles_done = (SELECT count(*) FROM job_tiles WHERE job_id = ?1), "
        "updated_at = ?2 WHERE id = ?1 RETURNING tiles_done");
    if (!update) return update.error();
    update->Bind(1, id).Bind(2, now);
    Result<bool> row = update->Step();
    if (!row) return row.error();
    if (!*row) return NoSuchJob(id);
    mark.tiles_done = update->Int(0);
    return mark;
  });
}

Result<bool> SqliteJobStore::IsTileDone(std::string_view id, int64_t tile) {
  return db_->Read([&](SqliteTransaction& txn) -> Result<bool> {
    Result<SqliteStatement> select = txn.Prepare(
        "SELECT (SELECT count(*) FROM jobs WHERE id = ?1), "
        "(SELECT count(*) FROM job_tiles WHERE job_id = ?1 AND tile = ?2)");
    if (!select) return select.error();
    select->Bind(1, id).Bind(2, tile);
    Result<bool> row = select->Step();
    if (!row) return row.error();
    if (!*row || select->Int(0) == 0) return NoSuchJob(id);
    return select->Int(1) > 0;
  });
}

Result<JobPage> SqliteJobStore::List(std::optional<JobState> state, size_t limit,
                                     std::string_view cursor) {
  if (limit < 1 || limit > 1000) {
    return MakeError(ErrorCode::kBadRequest,
                     "limit " + std::to_string(limit) + " is out of range (allowed 1..1000)",
                     "limit");
  }
  std::string after;
  if (!cursor.empty()) {
    std::optional<std::string> decoded = DecodeSqliteCursor(cursor);
    if (!decoded) return MakeError(ErrorCode::kBadRequest, "malformed cursor", "cursor");
    after = std::move(*decoded);
  }
  return db_->Read([&](SqliteTransaction& txn) -> Result<JobPage> {
    Result<SqliteStatement> select =
        state ? txn.Prepare("SELECT " TESSERA_JOB_COLUMNS
                            " FROM jobs WHERE state = ?3 AND id > ?1 ORDER BY id LIMIT ?2")
              : txn.Prepare("SELECT " TESSERA_JOB_COLUMNS
                            " FROM jobs WHERE id > ?1 ORDER BY id LIMIT ?2");
    if (!select) return select.error();
    // One row more than asked tells whether another page follows.
    select->Bind(1, after).Bind(2, static_cast<int64_t>(limit) + 1);
    if (state) select->Bind(3, JobStateName(*state));
    JobPage page;
    while (true) {
      Result<bool> row = select->Step();
      if (!row) return row.error();
      if (!*row) break;
      if (page.jobs.size() == limit) {
        page.next_cursor = EncodeSqliteCursor(page.jobs.back().id);
        break;
      }
      page.jobs.push_back(JobFromRow(*select));
    }
    return page;
  });
}

Result<std::vector<JobRecord>> SqliteJobStore::ExpireFinished(SystemTime cutoff, size_t limit) {
  return db_->Write([&](SqliteTransaction& txn) -> Result<std::vector<JobRecord>> {
    std::vector<JobRecord> expired;
    {
      Result<SqliteStatement> select =
          txn.Prepare("SELECT " TESSERA_JOB_COLUMNS
                      " FROM jobs "
                      "WHERE state IN ('succeeded', 'dead', 'cancelled') AND finished_at < ?1 "
                      "ORDER BY finished_at, id LIMIT ?2");
      if (!select) return select.error();
      select->Bind(1, ToUnixMillis(cutoff))
          .Bind(2, static_cast<int64_t>(std::min<size_t>(limit, INT64_MAX)));
      while (true) {
        Result<bool> row = select->Step();
        if (!row) return row.error();
        if (!*row) break;
        expired.push_back(JobFromRow(*select));
      }
    }
    for (const JobRecord& job : expired) {
      Result<SqliteStatement> remove = txn.Prepare("DELETE FROM jobs WHERE id = ?1");
      if (!remove) return remove.error();
      if (Status removed = remove->Bind(1, job.id).Run(); !removed) return removed.error();
      Result<SqliteStatement> tiles = txn.Prepare("DELETE FROM job_tiles WHERE job_id = ?1");
      if (!tiles) return tiles.error();
      if (Status removed = tiles->Bind(1, job.id).Run(); !removed) return removed.error();
    }
    return expired;
  });
}

Result<std::map<JobState, int64_t>> SqliteJobStore::CountByState() {
  return db_->Read([&](SqliteTransaction& txn) -> Result<std::map<JobState, int64_t>> {
    Result<SqliteStatement> select = txn.Prepare("SELECT state, count(*) FROM jobs GROUP BY state");
    if (!select) return select.error();
    std::map<JobState, int64_t> counts;
    while (true) {
      Result<bool> row = select->Step();
      if (!row) return row.error();
      if (!*row) break;
      if (std::optional<JobState> state = ParseJobState(select->Text(0))) {
        counts[*state] = select->Int(1);
      }
    }
    return counts;
  });
}

}  // namespace tessera::queue
