// An in-process tessera gRPC server for tests: real SQLite job store, queue and worker registry
// on a temp file, a real file blob store, a real SyncProcessor, an optional real worker::Worker,
// and api::grpc::GrpcServer listening on a free 127.0.0.1 port (real gRPC over loopback).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "api/grpc/grpc_server.h"
#include "api/sync_processor.h"
#include "core/clock.h"
#include "jobs/job_service.h"
#include "queue/sqlite/sqlite_database.h"
#include "queue/sqlite/sqlite_job_store.h"
#include "queue/sqlite/sqlite_task_queue.h"
#include "queue/sqlite/sqlite_worker_registry.h"
#include "store/fs/fs_blob_store.h"
#include "support/image_testing.h"
#include "support/temp_dir.h"
#include "worker/worker.h"

namespace tessera::testing {

struct GrpcTestServerOptions {
  api::SyncOptions sync;
  api::grpc::GrpcServerOptions grpc{.address = "127.0.0.1:0"};
  bool start_worker = true;
};

class GrpcTestServer {
 public:
  explicit GrpcTestServer(GrpcTestServerOptions options = {})
      : options_(std::move(options)), sync_(options_.sync) {
    InitEngineForTests();
    auto db = queue::SqliteDatabase::Open(dir_.path() / "jobs.db");
    EXPECT_TRUE(db.has_value()) << db.error().ToString();
    db_ = *db;
    queue_ = std::make_unique<queue::SqliteTaskQueue>(db_, clock_);
    jobs_ = std::make_unique<queue::SqliteJobStore>(db_, clock_);
    registry_ = std::make_unique<queue::SqliteWorkerRegistry>(db_, clock_);
    blobs_ = std::make_unique<store::FsBlobStore>(dir_.path() / "blobs");
    service_ = std::make_unique<jobs::JobService>(*jobs_, *queue_, *blobs_, *registry_, clock_,
                                                  options_.sync.engine.limits);
    if (options_.start_worker) StartWorker();
    server_ = std::make_unique<api::grpc::GrpcServer>(options_.grpc, sync_, *service_);
    auto port = server_->Start();
    EXPECT_TRUE(port.has_value()) << port.error().ToString();
    port_ = port ? *port : 0;
  }

  ~GrpcTestServer() {
    server_->Shutdown(std::chrono::milliseconds(0));
    if (worker_) {
      worker_->RequestStop();
      worker_->Wait(std::chrono::milliseconds(5000));
    }
  }

  void StartWorker() {
    worker::WorkerOptions o;
    o.threads = 1;
    o.lease = std::chrono::milliseconds(5000);
    o.reclaim_every = std::chrono::milliseconds(100);
    o.idle_poll_max = std::chrono::milliseconds(20);
    worker_ = std::make_unique<worker::Worker>(*queue_, *jobs_, *blobs_, *registry_, clock_, o);
    worker_->Start();
  }

  int port() const { return port_; }
  std::string target() const { return "127.0.0.1:" + std::to_string(port_); }
  api::SyncProcessor& sync() { return sync_; }
  jobs::JobService& jobs() { return *service_; }
  api::grpc::GrpcServer& server() { return *server_; }
  const TempDir& dir() const { return dir_; }

 private:
  GrpcTestServerOptions options_;
  TempDir dir_;
  SystemClock& clock_ = SystemClock::Get();
  api::SyncProcessor sync_;
  std::shared_ptr<queue::SqliteDatabase> db_;
  std::unique_ptr<queue::SqliteTaskQueue> queue_;
  std::unique_ptr<queue::SqliteJobStore> jobs_;
  std::unique_ptr<queue::SqliteWorkerRegistry> registry_;
  std::unique_ptr<store::FsBlobStore> blobs_;
  std::unique_ptr<jobs::JobService> service_;
  std::unique_ptr<worker::Worker> worker_;
  std::unique_ptr<api::grpc::GrpcServer> server_;
  int port_ = 0;
};

}  // namespace tessera::testing
