#include "queue/sqlite/sqlite_database.h"

#include <sqlite3.h>

#include <thread>

#include "queue/sqlite/sqlite_schema.h"

namespace tessera::queue {

Error SqliteError(int result_code, std::string_view what, std::string_view sqlite_message) {
  int primary = result_code & 0xff;
  std::string message = "sqlite: " + std::string(what);
  ErrorCode code = ErrorCode::kIo;
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) {
    code = ErrorCode::kUnavailable;
  } else if (primary == SQLITE_FULL || primary == SQLITE_READONLY) {
    // The disk is full or read-only: the operator's to clear (core/io_error.h).
    code = ErrorCode::kUnavailable;
    message += " (storage is full or read-only; retry later)";
  }
  return MakeError(code, std::move(message), {}, std::string(sqlite_message));
}

SqliteStatement::~SqliteStatement() {
  if (stmt_ == nullptr) return;
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

void SqliteStatement::NoteBindResult(int rc) {
  if (rc != SQLITE_OK && bind_error_ == SQLITE_OK) bind_error_ = rc;
}

SqliteStatement& SqliteStatement::Bind(int index, int64_t value) {
  NoteBindResult(sqlite3_bind_int64(stmt_, index, value));
  return *this;
}

SqliteStatement& SqliteStatement::Bind(int index, std::string_view text) {
  NoteBindResult(
      sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
  return *this;
}

SqliteStatement& SqliteStatement::BindBlob(int index, std::string_view bytes) {
  // A zero-length blob must still be a blob, not NULL.
  NoteBindResult(bytes.empty() ? sqlite3_bind_zeroblob(stmt_, index, 0)
                               : sqlite3_bind_blob64(stmt_, index, bytes.data(), bytes.size(),
                                                     SQLITE_TRANSIENT));
  return *this;
}

SqliteStatement& SqliteStatement::BindNull(int index) {
  NoteBindResult(sqlite3_bind_null(stmt_, index));
  return *this;
}

Result<bool> SqliteStatement::Step() {
  if (bind_error_ != SQLITE_OK) {
    return SqliteError(bind_error_, "binding a parameter", sqlite3_errstr(bind_error_));
  }
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  std::string_view sql = sqlite3_sql(stmt_);
  return SqliteError(rc, "executing " + std::string(sql.substr(0, sql.find_first_of("(\n"))),
                     sqlite3_errmsg(db_));
}

Status SqliteStatement::Run() {
  while (true) {
    Result<bool> row = Step();
    if (!row) return row.error();
    if (!*row) return OkStatus();
  }
}

int64_t SqliteStatement::Int(int column) const { return sqlite3_column_int64(stmt_, column); }

std::string SqliteStatement::Text(int column) const {
  const void* bytes = sqlite3_column_blob(stmt_, column);
  int size = sqlite3_column_bytes(stmt_, column);
  if (bytes == nullptr) return {};
  return std::string(static_cast<const char*>(bytes), static_cast<size_t>(size));
}

bool SqliteStatement::IsNull(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

Result<SqliteStatement> SqliteTransaction::Prepare(std::string_view sql) {
  return db_.PrepareLocked(sql);
}

Status SqliteTransaction::Execute(std::string_view sql) { return db_.ExecuteLocked(sql); }

int64_t SqliteTransaction::Changes() const { return sqlite3_changes64(db_.db_); }

Result<std::shared_ptr<SqliteDatabase>> SqliteDatabase::Open(const std::filesystem::path& path,
                                                             const Options& options) {
  sqlite3* raw = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Error error = SqliteError(rc, "cannot open " + path.string(),
                              raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc));
    sqlite3_close_v2(raw);
    return error;
  }
  sqlite3_extended_result_codes(raw, 1);
  std::shared_ptr<SqliteDatabase> db(new SqliteDatabase(raw, path));
  std::lock_guard<std::mutex> lock(db->mu_);
  sqlite3_busy_timeout(raw, static_cast<int>(options.busy_timeout.count()));

  // Switching to WAL needs a moment of exclusive access that the busy handler does not cover
  // when another process is opening the same new file, so retry within the busy timeout.
  auto give_up = std::chrono::steady_clock::now() + options.busy_timeout;
  while (true) {
    Result<SqliteStatement> wal = db->PrepareLocked("PRAGMA journal_mode = WAL");
    if (!wal) return wal.error();
    Result<bool> row = wal->Step();
    if (row && *row && wal->Text(0) == "wal") break;
    if (row && *row) {
      return MakeError(ErrorCode::kIo, "sqlite: " + path.string() + " cannot use WAL mode", {},
                       "journal_mode is " + wal->Text(0));
    }
    if (!row && (row.error().code != ErrorCode::kUnavailable ||
                 std::chrono::steady_clock::now() > give_up)) {
      return row.error();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (Status pragmas = db->ExecuteLocked("PRAGMA synchronous = FULL"); !pragmas) {
    return pragmas.error();
  }

  if (Status begun = db->ExecuteLocked("BEGIN IMMEDIATE"); !begun) return begun.error();
  SqliteTransaction txn(*db);
  Status migrated = [&]() -> Status {
    Result<SqliteStatement> version = db->PrepareLocked("PRAGMA user_version");
    if (!version) return version.error();
    Result<bool> row = version->Step();
    if (!row) return row.error();
    int from = static_cast<int>(version->Int(0));
    if (from > kSqliteSchemaVersion) {
      return MakeError(ErrorCode::kIo, "sqlite: " + path.string() + " has schema version " +
                                           std::to_string(from) + ", newer than this build's " +
                                           std::to_string(kSqliteSchemaVersion));
    }
    return MigrateSqliteSchema(txn, from);
  }();
  if (migrated) migrated = db->ExecuteLocked("COMMIT");
  if (!migrated) {
    db->RollbackLocked();
    return migrated.error();
  }
  return db;
}

SqliteDatabase::~SqliteDatabase() {
  for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
  sqlite3_close_v2(db_);
}

Result<int> SqliteDatabase::SchemaVersion() {
  return Read([](SqliteTransaction& txn) -> Result<int> {
    Result<SqliteStatement> version = txn.Prepare("PRAGMA user_version");
    if (!version) return version.error();
    Result<bool> row = version->Step();
    if (!row) return row.error();
    return static_cast<int>(version->Int(0));
  });
}

Status SqliteDatabase::ExecuteLocked(std::string_view sql) {
  char* message = nullptr;
  int rc = sqlite3_exec(db_, std::string(sql).c_str(), nullptr, nullptr, &message);
  if (rc == SQLITE_OK) return OkStatus();
  Error error = SqliteError(rc, std::string(sql.substr(0, sql.find_first_of("(\n"))),
                            message ? message : sqlite3_errstr(rc));
  sqlite3_free(message);
  return error;
}

Result<SqliteStatement> SqliteDatabase::PrepareLocked(std::string_view sql) {
  std::string key(sql);
  auto cached = statements_.find(key);
  if (cached != statements_.end()) return SqliteStatement(cached->second, db_);
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, key.data(), static_cast<int>(key.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return SqliteError(rc, "preparing a statement", sqlite3_errmsg(db_));
  statements_.emplace(std::move(key), stmt);
  return SqliteStatement(stmt, db_);
}

void SqliteDatabase::RollbackLocked() {
  // A failed statement may already have rolled the transaction back.
  if (sqlite3_get_autocommit(db_)) return;
  sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

}  // namespace tessera::queue
