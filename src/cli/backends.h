// Builds the queue, job-record, worker-registry and blob-store implementations the flags ask
// for. The only place in tessera that names a concrete backend.
//
//   --data-dir DIR     embedded default: DIR/tessera.db (SQLite) and DIR/blobs   [./tessera-data]
//   --queue URL        sqlite:///path/to/file.db | redis://[:password@]host:port[/db]
//   --store URL        file:///path/to/dir
//                      s3://BUCKET[/PREFIX][?endpoint=http://host:port&region=R&path_style=1
//                                          &ca_file=PATH&timeout_ms=N&max_attempts=N ...]
//                        (every parameter: store/s3/s3_options.h). Without endpoint= it is AWS
//                        (https://s3.REGION.amazonaws.com, virtual-host addressing).
//   --s3-access-key, --s3-secret-key, --s3-session-token
//                      credentials for an s3:// store; else AWS_ACCESS_KEY_ID /
//                      AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, MINIO_ACCESS_KEY /
//                      MINIO_SECRET_KEY or MINIO_ROOT_USER / MINIO_ROOT_PASSWORD; region from
//                      the URL, AWS_REGION or AWS_DEFAULT_REGION
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <string>

#include "core/clock.h"
#include "core/result.h"
#include "queue/job_store.h"
#include "queue/task_queue.h"
#include "queue/worker_registry.h"
#include "store/blob_store.h"
#include "store/object_bucket.h"

namespace tessera::cli {

struct BackendFlags {
  std::string data_dir = "./tessera-data";
  std::string queue_url;  // empty: sqlite in data_dir
  std::string store_url;  // empty: file store in data_dir
  std::string s3_access_key;
  std::string s3_secret_key;
  std::string s3_session_token;

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
  // The blob key a URI of this store names (s3://BUCKET/PREFIX/KEY, file:///DIR/KEY), for
  // inputs and outputs by reference; kBadRequest for a URI of anything else.
  std::function<Result<std::string>(std::string_view)> key_for_uri;
};

// kBadRequest for a malformed or unsupported URL; kUnavailable when a backend cannot be reached.
Result<Backends> OpenBackends(const BackendFlags& flags, const Clock& clock);

// The MinIO server ImageFlowCanvas's services read and write (bucket + object_key), from its own
// settings: MINIO_ENDPOINT (host:port, plain HTTP as its services connect), MINIO_ACCESS_KEY and
// MINIO_SECRET_KEY (default minioadmin/minioadmin, its defaults). nullptr when MINIO_ENDPOINT
// is unset (the ImageFlowCanvas routes then use tessera's own blob store). `desc` says where.
Result<std::unique_ptr<store::BlobStore>> OpenImageFlowObjects(std::string* desc);

// Thumbify's bucket, from its environment settings (BUCKET_ENDPOINT, default
// http://localhost:9000; BUCKET_NAME, default thumbifybucket; BUCKET_ACCESS_KEY and
// BUCKET_SECRET_KEY, default s3user / s3password). Nothing is contacted until a bucket route
// is used, as with Thumbify's boto3 client. kBadRequest for a malformed endpoint or name.
Result<std::unique_ptr<store::ObjectBucket>> OpenThumbifyBucket(std::string* desc);

}  // namespace tessera::cli
