#include "queue/sqlite/sqlite_job_store.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <variant>

#include "queue/job_record_fields.h"
#include "queue/list_cursor.h"

namespace tessera::queue {
namespace {

// The jobs table's columns, in JobRecordFields() order: "id, state, ...".
const std::string& JobColumns() {
  static const std::string columns = [] {
    std::string list;
    for (const JobRecordField& field : JobRecordFields()) {
      if (!list.empty()) list += ", ";
      list += field.sqlite_column;
    }
    return list;
  }();
  return columns;
}

// "SELECT <columns> FROM jobs <rest>".
std::string SelectJobs(std::string_view rest) {
  return "SELECT " + JobColumns() + " FROM jobs " + std::string(rest);
}

JobRecord JobFromRow(const SqliteStatement& row) {
  JobRecord job;
  int column = 0;
  for (const JobRecordField& field : JobRecordFields()) {
    if (field.type == JobFieldType::kText) {
      field.set(job, row.Text(column));
    } else {
      field.set(job, row.Int(column));
    }
    ++column;
  }
  return job;
}

// Inserts a new job, or (insert = false) replaces the whole row of an existing one.
Status WriteJob(SqliteTransaction& txn, const JobRecord& job, bool insert) {
  static const std::string parameters = [] {
    std::string list;
    for (size_t i = 1; i <= JobRecordFields().size(); ++i) {
      list += (i == 1 ? "?" : ", ?") + std::to_string(i);
    }
    return list;
  }();
  static const std::string insert_sql =
      "INSERT INTO jobs (" + JobColumns() + ") VALUES (" + parameters + ")";
  static const std::string replace_sql =
      "REPLACE INTO jobs (" + JobColumns() + ") VALUES (" + parameters + ")";
  Result<SqliteStatement> write = txn.Prepare(insert ? insert_sql : replace_sql);
  if (!write) return write.error();
  int index = 0;
  for (const JobRecordField& field : JobRecordFields()) {
    ++index;
    const JobFieldValue value = field.get(job);  // Bind copies text (SQLITE_TRANSIENT)
    if (const int64_t* number = std::get_if<int64_t>(&value)) {
      write->Bind(index, *number);
      continue;
    }
    const std::string& text = std::get<std::string>(value);
    if (text.empty() && field.sqlite_null_when_empty) {
      write->BindNull(index);
    } else {
      write->Bind(index, text);
    }
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

const std::string kSelectById = SelectJobs("WHERE id = ?1");
const std::string kSelectByKey = SelectJobs("WHERE idempotency_key = ?1");

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
    ApplyJobUpdate(update, job);
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
  Result<std::string> decoded = DecodeListCursor(cursor);
  if (!decoded) return std::move(decoded).error();
  const std::string after = std::move(*decoded);
  return db_->Read([&](SqliteTransaction& txn) -> Result<JobPage> {
    Result<SqliteStatement> select =
        state ? txn.Prepare(SelectJobs("WHERE state = ?3 AND id > ?1 ORDER BY id LIMIT ?2"))
              : txn.Prepare(SelectJobs("WHERE id > ?1 ORDER BY id LIMIT ?2"));
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
        page.next_cursor = EncodeListCursor(page.jobs.back().id);
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
      Result<SqliteStatement> select = txn.Prepare(
          SelectJobs("WHERE state IN ('succeeded', 'dead', 'cancelled') AND finished_at < ?1 "
                     "ORDER BY finished_at, id LIMIT ?2"));
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
