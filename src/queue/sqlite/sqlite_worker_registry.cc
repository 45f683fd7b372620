#include "queue/sqlite/sqlite_worker_registry.h"

#include "queue/string_list.h"

namespace tessera::queue {

Result<std::unique_ptr<SqliteWorkerRegistry>> SqliteWorkerRegistry::Open(
    const std::filesystem::path& path, const Clock& clock) {
  Result<std::shared_ptr<SqliteDatabase>> db = SqliteDatabase::Open(path);
  if (!db) return db.error();
  return std::make_unique<SqliteWorkerRegistry>(std::move(*db), clock);
}

Status SqliteWorkerRegistry::Heartbeat(const WorkerInfo& info, std::chrono::milliseconds ttl) {
  if (info.id.empty()) return MakeError(ErrorCode::kBadRequest, "worker id is empty", "id");
  int64_t now = ToUnixMillis(clock_.Now());
  return db_->Write([&](SqliteTransaction& txn) -> Status {
    Result<SqliteStatement> upsert = txn.Prepare(R"sql(
REPLACE INTO workers (id, host, pid, capabilities, threads, started_at, last_heartbeat_at,
                      expires_at, tasks_succeeded, tasks_failed)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
)sql");
    if (!upsert) return upsert.error();
    upsert->Bind(1, info.id)
        .Bind(2, info.host)
        .Bind(3, info.pid)
        .Bind(4, EncodeStringList(info.capabilities))
        .Bind(5, static_cast<int64_t>(info.threads))
        .Bind(6, ToUnixMillis(info.started))
        .Bind(7, now)
        .Bind(8, now + ttl.count())
        .Bind(9, info.tasks_succeeded)
        .Bind(10, info.tasks_failed);
    if (Status written = upsert->Run(); !written) return written;
    Result<SqliteStatement> sweep = txn.Prepare("DELETE FROM workers WHERE expires_at <= ?1");
    if (!sweep) return sweep.error();
    return sweep->Bind(1, now).Run();
  });
}

Status SqliteWorkerRegistry::Deregister(std::string_view id) {
  return db_->Write([&](SqliteTransaction& txn) -> Status {
    Result<SqliteStatement> remove = txn.Prepare("DELETE FROM workers WHERE id = ?1");
    if (!remove) return remove.error();
    return remove->Bind(1, id).Run();
  });
}

Result<std::vector<WorkerInfo>> SqliteWorkerRegistry::ListLive() {
  int64_t now = ToUnixMillis(clock_.Now());
  return db_->Read([&](SqliteTransaction& txn) -> Result<std::vector<WorkerInfo>> {
    Result<SqliteStatement> select = txn.Prepare(R"sql(
SELECT id, host, pid, capabilities, threads, started_at, last_heartbeat_at, tasks_succeeded,
       tasks_failed
FROM workers WHERE expires_at > ?1 ORDER BY id
)sql");
    if (!select) return select.error();
    select->Bind(1, now);
    std::vector<WorkerInfo> live;
    while (true) {
      Result<bool> row = select->Step();
      if (!row) return row.error();
      if (!*row) break;
      WorkerInfo info;
      info.id = select->Text(0);
      info.host = select->Text(1);
      info.pid = select->Int(2);
      info.capabilities = DecodeStringList(select->Text(3));
      info.threads = static_cast<int>(select->Int(4));
      info.started = FromUnixMillis(select->Int(5));
      info.last_heartbeat = FromUnixMillis(select->Int(6));
      info.tasks_succeeded = select->Int(7);
      info.tasks_failed = select->Int(8);
      live.push_back(std::move(info));
    }
    return live;
  });
}

}  // namespace tessera::queue
