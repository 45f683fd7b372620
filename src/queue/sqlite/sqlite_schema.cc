#include "queue/sqlite/sqlite_schema.h"

#include <string>

namespace tessera::queue {
namespace {

// Version 1. Times are Unix milliseconds from the injected Clock.
constexpr char kSchemaV1[] = R"sql(
CREATE TABLE tasks (
  seq              INTEGER PRIMARY KEY AUTOINCREMENT,
  id               TEXT    NOT NULL UNIQUE,
  job_id           TEXT    NOT NULL,
  kind             TEXT    NOT NULL,
  payload          BLOB    NOT NULL,
  priority         INTEGER NOT NULL,
  capabilities     TEXT    NOT NULL,
  not_before       INTEGER NOT NULL,
  state            TEXT    NOT NULL
                   CHECK (state IN ('ready', 'leased', 'dead', 'done', 'cancelled')),
  enqueued_at      INTEGER NOT NULL,
  ready_at         INTEGER NOT NULL,
  attempts         INTEGER NOT NULL DEFAULT 0,
  lease_expiries   INTEGER NOT NULL DEFAULT 0,
  worker_id        TEXT,
  lease_token      TEXT,
  lease_deadline   INTEGER,
  cancel_requested INTEGER NOT NULL DEFAULT 0,
  error_code       TEXT,
  error_message    TEXT,
  error_field      TEXT,
  error_detail     TEXT,
  died_at          INTEGER,
  dead_order       INTEGER,
  finished_at      INTEGER
);
CREATE INDEX tasks_leases ON tasks (lease_deadline) WHERE state = 'leased';
CREATE INDEX tasks_dead ON tasks (died_at, dead_order) WHERE state = 'dead';
CREATE INDEX tasks_finished ON tasks (finished_at) WHERE state IN ('done', 'cancelled');
-- Claim order (the rowid, seq, ends every index entry), and Stats.
CREATE INDEX tasks_by_state ON tasks (state, priority, ready_at);

CREATE TABLE jobs (
  id              TEXT    PRIMARY KEY,
  state           TEXT    NOT NULL CHECK (state IN ('queued', 'running', 'succeeded',
                                                    'failed_retrying', 'dead', 'cancelled')),
  pipeline        TEXT    NOT NULL,
  input_key       TEXT    NOT NULL,
  output_key      TEXT    NOT NULL,
  output_format   TEXT    NOT NULL,
  priority        INTEGER NOT NULL,
  capabilities    TEXT    NOT NULL,
  idempotency_key TEXT,
  request_id      TEXT    NOT NULL,
  attempts        INTEGER NOT NULL,
  tiles_done      INTEGER NOT NULL,
  tiles_total     INTEGER NOT NULL,
  error_code      TEXT    NOT NULL,
  error_message   TEXT    NOT NULL,
  error_field     TEXT    NOT NULL,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL,
  started_at      INTEGER NOT NULL,
  finished_at     INTEGER NOT NULL
) WITHOUT ROWID;
CREATE UNIQUE INDEX jobs_idempotency_key ON jobs (idempotency_key)
  WHERE idempotency_key IS NOT NULL;
CREATE INDEX jobs_by_state ON jobs (state, id);
CREATE INDEX jobs_finished ON jobs (finished_at)
  WHERE state IN ('succeeded', 'dead', 'cancelled');

CREATE TABLE workers (
  id                TEXT    PRIMARY KEY,
  host              TEXT    NOT NULL,
  pid               INTEGER NOT NULL,
  capabilities      TEXT    NOT NULL,
  threads           INTEGER NOT NULL,
  started_at        INTEGER NOT NULL,
  last_heartbeat_at INTEGER NOT NULL,
  expires_at        INTEGER NOT NULL,
  tasks_succeeded   INTEGER NOT NULL,
  tasks_failed      INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX workers_expiry ON workers (expires_at);
)sql";

// Version 2 (tiled processing): how each job ran, the tiling it asked for, and the tiles of tiled
// jobs already stored.
constexpr char kSchemaV2[] = R"sql(
ALTER TABLE jobs ADD COLUMN execution TEXT NOT NULL DEFAULT '';
ALTER TABLE jobs ADD COLUMN tiles TEXT NOT NULL DEFAULT 'auto';
CREATE TABLE job_tiles (
  job_id TEXT    NOT NULL,
  tile   INTEGER NOT NULL,
  PRIMARY KEY (job_id, tile)
) WITHOUT ROWID;
)sql";

}  // namespace

Status MigrateSqliteSchema(SqliteTransaction& txn, int from) {
  if (from == kSqliteSchemaVersion) return OkStatus();
  if (from == 0) {
    if (Status created = txn.Execute(kSchemaV1); !created) return created;
  }
  if (from <= 1) {
    if (Status upgraded = txn.Execute(kSchemaV2); !upgraded) return upgraded;
  }
  return txn.Execute("PRAGMA user_version = " + std::to_string(kSqliteSchemaVersion));
}

}  // namespace tessera::queue
