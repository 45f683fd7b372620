// Builds the queue, job-record, worker-registry and blob-store implementations the flags ask
// for. The only place in tessera that names a concrete backend.
//
//   --data-dir DIR     embedded default: DIR/tessera.db (SQLite) and DIR/blobs   [./tessera-data]
//   --queue URL        sqlite:///path/to/file.db | redis://[:password@]host:port[/db]
//   --store URL        file:///path/to/dir
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "core/clock.h"
#include "core/result.h"
#include "queue/job_store.h"
#include "queue/task_queue.h"
#include "queue/worker_registry.h"
#include "store/blob_store.h"

namespace tessera::cli {

struct BackendFlags {
  std::string data_dir = "./tessera-data";
  std::string queue_url;  // empty: sqlite in data_dir
  std::string store_url;  // empty: file store in data_dir

  void Register(CLI::App& cmd);
};

struct Backends {
  std::shared_ptr<void> connection;  // keeps a shared database/connection alive
  std::unique_ptr<queue::TaskQueue> queue;
  std::unique_ptr<queue::JobStore> jobs;
  std::unique_ptr<queue::WorkerRegistry> registry;
  std::unique_ptr<store::BlobStore> blobs;
  std::string description;  // "sqlite ./tessera-data/tessera.db, file ./tessera-data/blobs"
  std::string durability;   // what "accepted" means with this configuration
};

// kBadRequest for a malformed or unsupported URL; kUnavailable when a backend cannot be reached.
Result<Backends> OpenBackends(const BackendFlags& flags, const Clock& clock);

}  // namespace tessera::cli
