// The embedded database's tables and indexes, and the upgrade path between schema versions.
// Documented in docs/ARCHITECTURE.md ("SQLite schema (embedded mode)"); keep the two in step.
#pragma once

#include "core/result.h"
#include "queue/sqlite/sqlite_database.h"

namespace tessera::queue {

// Brings a database at schema version `from` (0: empty) to kSqliteSchemaVersion, inside the
// caller's write transaction, and records the new version.
Status MigrateSqliteSchema(SqliteTransaction& txn, int from);

}  // namespace tessera::queue
