// SqliteJobStore: the embedded JobStore, one row per job in the `jobs` table (the same database
// file as SqliteTaskQueue).
//
// Idempotency keys are a partial unique index, checked inside the Create transaction. List pages
// by primary key (id) with keyset pagination: the cursor (queue/list_cursor.h) names the last id
// returned, so rows inserted meanwhile can neither shift nor repeat the jobs that already
// existed. The columns and how records map onto them are queue/job_record_fields.h's.
#pragma once

#include <filesystem>
#include <memory>

#include "core/clock.h"
#include "queue/job_store.h"
#include "queue/sqlite/sqlite_database.h"

namespace tessera::queue {

class SqliteJobStore final : public JobStore {
 public:
  // REQUIRES: `db` is not null; `clock` outlives this.
  SqliteJobStore(std::shared_ptr<SqliteDatabase> db, const Clock& clock)
      : db_(std::move(db)), clock_(clock) {}
  // Opens its own connection to the database file at `path`.
  static Result<std::unique_ptr<SqliteJobStore>> Open(const std::filesystem::path& path,
                                                      const Clock& clock);

  Result<CreatedJob> Create(const JobRecord& job) override;
  Result<JobRecord> Get(std::string_view id) override;
  Result<JobRecord> Transition(std::string_view id, JobState to, const JobUpdate& update) override;
  Status SetProgress(std::string_view id, int64_t done, int64_t total) override;
  Result<TileMark> MarkTileDone(std::string_view id, int64_t tile) override;
  Result<bool> IsTileDone(std::string_view id, int64_t tile) override;
  Result<JobPage> List(std::optional<JobState> state, size_t limit,
                       std::string_view cursor) override;
  Result<std::vector<JobRecord>> ExpireFinished(SystemTime cutoff, size_t limit) override;
  Result<std::map<JobState, int64_t>> CountByState() override;

 private:
  std::shared_ptr<SqliteDatabase> db_;
  const Clock& clock_;
};

}  // namespace tessera::queue
