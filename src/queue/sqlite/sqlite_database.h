// SqliteDatabase: one RAII connection to tessera's embedded database file, shared by the SQLite
// TaskQueue, JobStore and WorkerRegistry of a process.
//
// Open puts the file in WAL mode (readers never block the writer), sets synchronous=FULL (a
// committed Enqueue or Create survives power loss) and a busy timeout (several processes on one
// machine may share the file: a writer waits for another's transaction instead of failing), and
// creates or checks the schema (PRAGMA user_version; see docs/ARCHITECTURE.md, "SQLite schema").
//
// Every use goes through Write (BEGIN IMMEDIATE: takes the file's write lock up front, so a
// transaction that reads then writes can never fail half-way on a lock upgrade) or Read (BEGIN
// DEFERRED: a consistent snapshot). Both hold this connection's mutex for the whole transaction,
// so one connection may be shared by threads; statements are prepared once and cached.
//
// Errors: SQLITE_BUSY/SQLITE_LOCKED (the busy timeout ran out) map to kUnavailable, every other
// SQLite failure to kIo; sqlite's own text is the Error's detail.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "core/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace tessera::queue {

// The schema version this build creates and understands (PRAGMA user_version).
inline constexpr int kSqliteSchemaVersion = 2;

// A failed SQLite call as a typed Error: kUnavailable for busy/locked, kIo otherwise.
Error SqliteError(int result_code, std::string_view what, std::string_view sqlite_message);

// A cached prepared statement, borrowed for one use: reset and unbound when this dies.
// Parameters are 1-based (?1, ?2, ...); columns 0-based.
class SqliteStatement {
 public:
  SqliteStatement(sqlite3_stmt* stmt, sqlite3* db) : stmt_(stmt), db_(db) {}
  SqliteStatement(SqliteStatement&& other) noexcept
      : stmt_(std::exchange(other.stmt_, nullptr)),
        db_(other.db_),
        bind_error_(other.bind_error_) {}
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;
  SqliteStatement& operator=(SqliteStatement&&) = delete;
  ~SqliteStatement();

  SqliteStatement& Bind(int index, int64_t value);
  SqliteStatement& Bind(int index, std::string_view text);
  SqliteStatement& BindBlob(int index, std::string_view bytes);
  SqliteStatement& BindNull(int index);

  // true: a row is available through the column accessors; false: done.
  Result<bool> Step();
  // Steps to completion, ignoring any rows.
  Status Run();

  int64_t Int(int column) const;
  std::string Text(int column) const;  // TEXT or BLOB bytes; "" for NULL
  bool IsNull(int column) const;

 private:
  void NoteBindResult(int rc);
  sqlite3_stmt* stmt_;
  sqlite3* db_;
  int bind_error_ = 0;  // SQLITE_OK
};

class SqliteDatabase;

// The handle a Write/Read body uses; valid only inside that body.
class SqliteTransaction {
 public:
  // `sql` must stay the same text for the same statement (it keys the statement cache).
  Result<SqliteStatement> Prepare(std::string_view sql);
  // Runs one or more statements that take no parameters.
  Status Execute(std::string_view sql);
  // Rows changed by the most recent INSERT/UPDATE/DELETE.
  int64_t Changes() const;

 private:
  friend class SqliteDatabase;
  explicit SqliteTransaction(SqliteDatabase& db) : db_(db) {}
  SqliteDatabase& db_;
};

class SqliteDatabase {
 public:
  struct Options {
    // How long a writer waits for another connection's (or process's) transaction.
    std::chrono::milliseconds busy_timeout{10'000};
  };

  // Opens (creating if needed) the database at `path` and brings its schema to
  // kSqliteSchemaVersion. Errors: kIo (cannot open; a schema newer than this build),
  // kUnavailable (another process held the file locked for longer than busy_timeout).
  static Result<std::shared_ptr<SqliteDatabase>> Open(const std::filesystem::path& path,
                                                      const Options& options);
  static Result<std::shared_ptr<SqliteDatabase>> Open(const std::filesystem::path& path) {
    return Open(path, Options{});
  }

  ~SqliteDatabase();
  SqliteDatabase(const SqliteDatabase&) = delete;
  SqliteDatabase& operator=(const SqliteDatabase&) = delete;

  // Runs `body(SqliteTransaction&)` (returning a Result) inside BEGIN IMMEDIATE ... COMMIT;
  // rolls back and returns the error when the body fails or COMMIT does.
  template <class Body>
  auto Write(Body&& body) {
    return InTransaction("BEGIN IMMEDIATE", std::forward<Body>(body));
  }
  // As Write, in a deferred (read) transaction.
  template <class Body>
  auto Read(Body&& body) {
    return InTransaction("BEGIN DEFERRED", std::forward<Body>(body));
  }

  // The schema version stored in the file.
  Result<int> SchemaVersion();

  const std::filesystem::path& path() const { return path_; }

 private:
  friend class SqliteTransaction;
  SqliteDatabase(sqlite3* db, std::filesystem::path path) : db_(db), path_(std::move(path)) {}

  template <class Body>
  auto InTransaction(const char* begin, Body&& body) {
    SqliteTransaction txn(*this);
    using R = decltype(body(txn));
    std::lock_guard<std::mutex> lock(mu_);
    if (Status begun = ExecuteLocked(begin); !begun) return R(begun.error());
    R result = body(txn);
    if (!result) {
      RollbackLocked();
      return result;
    }
    if (Status committed = ExecuteLocked("COMMIT"); !committed) {
      RollbackLocked();
      return R(committed.error());
    }
    return result;
  }

  Status ExecuteLocked(std::string_view sql);
  Result<SqliteStatement> PrepareLocked(std::string_view sql);
  void RollbackLocked();

  std::mutex mu_;
  sqlite3* db_;
  std::filesystem::path path_;
  std::unordered_map<std::string, sqlite3_stmt*> statements_;
};

}  // namespace tessera::queue
