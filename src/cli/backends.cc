#include "cli/backends.h"

#include <cstdlib>
#include <filesystem>

#include "queue/redis/redis_client.h"
#include "queue/redis/redis_durability.h"
#include "queue/redis/redis_job_store.h"
#include "queue/redis/redis_task_queue.h"
#include "queue/redis/redis_worker_registry.h"
#include "queue/sqlite/sqlite_database.h"
#include "queue/sqlite/sqlite_job_store.h"
#include "queue/sqlite/sqlite_task_queue.h"
#include "queue/sqlite/sqlite_worker_registry.h"
#include "store/fs/fs_blob_store.h"
#include "store/s3/s3_blob_store.h"
#include "store/s3/s3_buckets_blob_store.h"
#include "store/s3/s3_object_bucket.h"

namespace tessera::cli {
namespace fs = std::filesystem;

void BackendFlags::Register(CLI::App& cmd) {
  cmd.add_option("--data-dir", data_dir,
                 "embedded state: DIR/tessera.db (queue, jobs) and DIR/blobs (images)")
      ->envname("TESSERA_DATA_DIR")
      ->capture_default_str();
  cmd.add_option("--queue", queue_url,
                 "queue and job records: sqlite:///path.db or redis://[:pass@]host:port[/db]")
      ->envname("TESSERA_QUEUE");
  cmd.add_option("--store", store_url,
                 "image blobs: file:///path/to/dir or "
                 "s3://bucket[/prefix]?endpoint=http://host:port&region=R&path_style=1")
      ->envname("TESSERA_STORE");
  cmd.add_option("--s3-access-key", s3_access_key,
                 "access key for an s3:// store [AWS_ACCESS_KEY_ID, MINIO_ACCESS_KEY]")
      ->envname("TESSERA_S3_ACCESS_KEY");
  cmd.add_option("--s3-secret-key", s3_secret_key,
                 "secret key for an s3:// store [AWS_SECRET_ACCESS_KEY, MINIO_SECRET_KEY]")
      ->envname("TESSERA_S3_SECRET_KEY");
  cmd.add_option("--s3-session-token", s3_session_token,
                 "session token for temporary s3:// credentials [AWS_SESSION_TOKEN]")
      ->envname("TESSERA_S3_SESSION_TOKEN");
}

namespace {

using KeyForUri = std::function<Result<std::string>(std::string_view)>;

Result<std::unique_ptr<store::BlobStore>> OpenS3Store(const BackendFlags& f, std::string* desc,
                                                      KeyForUri* key_for_uri) {
  store::S3Credentials explicit_credentials{f.s3_access_key, f.s3_secret_key, f.s3_session_token};
  // Read once at start-up, before any thread of ours exists.
  auto env = [](const char* name) -> const char* {
    return std::getenv(name);  // NOLINT(concurrency-mt-unsafe)
  };
  auto options = store::ParseS3Url(f.store_url, explicit_credentials, env);
  if (!options) return options.error();
  auto s3 = std::make_unique<store::S3BlobStore>(*options);
  // Refuse to start on a store that cannot be used: wrong credentials or a missing bucket are
  // reported now, naming the bucket and endpoint, not on the first job.
  if (Status ping = s3->Ping(); !ping) return ping.error();
  *desc = store::Describe(*options);
  *key_for_uri = [o = *options](std::string_view uri) { return store::KeyForS3Uri(o, uri); };
  return std::unique_ptr<store::BlobStore>(std::move(s3));
}

Result<std::unique_ptr<store::BlobStore>> OpenStore(const BackendFlags& f, std::string* desc,
                                                    KeyForUri* key_for_uri) {
  if (f.store_url.rfind("s3://", 0) == 0) return OpenS3Store(f, desc, key_for_uri);
  fs::path dir;
  if (f.store_url.empty()) {
    dir = fs::path(f.data_dir) / "blobs";
  } else if (f.store_url.rfind("file://", 0) == 0) {
    dir = f.store_url.substr(7);
    if (dir.empty()) {
      return MakeError(ErrorCode::kBadRequest, "file:// store URL has no path", "store");
    }
  } else {
    return MakeError(ErrorCode::kBadRequest,
                     "unsupported store URL '" + f.store_url +
                         "'; expected file:///path or s3://bucket[/prefix]?endpoint=...",
                     "store");
  }
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    return MakeError(ErrorCode::kUnavailable,
                     "cannot create blob directory " + dir.string() + ": " + ec.message(), "store");
  }
  *desc = "file " + dir.string();
  *key_for_uri = [root = "file://" + fs::absolute(dir).lexically_normal().string() +
                         "/"](std::string_view uri) -> Result<std::string> {
    if (uri.substr(0, root.size()) != root) {
      return MakeError(ErrorCode::kBadRequest,
                       "is not inside this server's store (" + root + "...)");
    }
    std::string key(uri.substr(root.size()));
    if (Status valid = store::ValidateBlobKey(key); !valid) return valid.error();
    return key;
  };
  return std::unique_ptr<store::BlobStore>(std::make_unique<store::FsBlobStore>(dir));
}

Status OpenSqlite(const fs::path& path, const Clock& clock, Backends& out) {
  std::error_code ec;
  if (path.has_parent_path()) fs::create_directories(path.parent_path(), ec);
  auto db = queue::SqliteDatabase::Open(path);
  if (!db) return db.error();
  out.connection = *db;
  out.queue = std::make_unique<queue::SqliteTaskQueue>(*db, clock);
  out.jobs = std::make_unique<queue::SqliteJobStore>(*db, clock);
  out.registry = std::make_unique<queue::SqliteWorkerRegistry>(*db, clock);
  out.description = "sqlite " + path.string();
  out.durability =
      "accepted jobs are in the SQLite database (WAL, synchronous=FULL) before they are "
      "acknowledged";
  return OkStatus();
}

Status OpenRedis(const std::string& url, const Clock& clock, Backends& out) {
  auto parsed = queue::ParseRedisUrl(url);
  if (!parsed) return parsed.error();
  queue::RedisClientOptions options;
  options.url = *parsed;
  auto client = std::make_shared<queue::RedisClient>(options);
  if (Status ping = client->Ping(); !ping) return ping.error();
  out.connection = client;
  out.queue = std::make_unique<queue::RedisTaskQueue>(client, clock);
  out.jobs = std::make_unique<queue::RedisJobStore>(client, clock);
  out.registry = std::make_unique<queue::RedisWorkerRegistry>(client, clock);
  out.description = "redis " + parsed->host + ":" + std::to_string(parsed->port);
  auto durability = queue::CheckRedisDurability(*client);
  if (!durability) return durability.error();
  out.durability = (durability->at_risk ? "AT RISK: " : "") + durability->statement;
  return OkStatus();
}

}  // namespace

Result<Backends> OpenBackends(const BackendFlags& flags, const Clock& clock) {
  Backends out;
  std::string store_desc;
  auto blobs = OpenStore(flags, &store_desc, &out.key_for_uri);
  if (!blobs) return blobs.error();
  out.blobs = std::move(*blobs);

  Status opened;
  const std::string& q = flags.queue_url;
  if (q.empty()) {
    opened = OpenSqlite(fs::path(flags.data_dir) / "tessera.db", clock, out);
  } else if (q.rfind("sqlite://", 0) == 0) {
    std::string path = q.substr(9);
    if (path.empty()) {
      return MakeError(ErrorCode::kBadRequest, "sqlite:// queue URL has no path", "queue");
    }
    opened = OpenSqlite(path, clock, out);
  } else if (q.rfind("redis://", 0) == 0) {
    opened = OpenRedis(q, clock, out);
  } else {
    return MakeError(
        ErrorCode::kBadRequest,
        "unsupported queue URL '" + q + "'; expected sqlite:///path.db or redis://host:port[/db]",
        "queue");
  }
  if (!opened) return opened.error();
  out.description += ", " + store_desc;
  return out;
}

Result<std::unique_ptr<store::BlobStore>> OpenImageFlowObjects(std::string* desc) {
  // Read once at start-up, before any thread of ours exists.
  auto env = [](const char* name) -> const char* {
    return std::getenv(name);  // NOLINT(concurrency-mt-unsafe)
  };
  const char* endpoint = env("MINIO_ENDPOINT");
  if (endpoint == nullptr || *endpoint == 0) return std::unique_ptr<store::BlobStore>();
  std::string host = endpoint;
  if (host.rfind("http://", 0) != 0 && host.rfind("https://", 0) != 0) host = "http://" + host;
  const char* access = env("MINIO_ACCESS_KEY");
  const char* secret = env("MINIO_SECRET_KEY");
  store::S3Credentials credentials{access != nullptr ? access : "minioadmin",
                                   secret != nullptr ? secret : "minioadmin", ""};
  // Any bucket name parses the server's settings; the store routes by each key's bucket.
  auto options = store::ParseS3Url("s3://imageflow?endpoint=" + host, credentials, env);
  if (!options) return options.error();
  *desc = "MinIO at " + host + " (bucket/object_key as ImageFlowCanvas names them)";
  return std::unique_ptr<store::BlobStore>(
      std::make_unique<store::S3BucketsBlobStore>(std::move(*options)));
}

Result<std::unique_ptr<store::ObjectBucket>> OpenThumbifyBucket(std::string* desc) {
  // Read once at start-up, before any thread of ours exists.
  auto env = [](const char* name) -> const char* {
    return std::getenv(name);  // NOLINT(concurrency-mt-unsafe)
  };
  auto setting = [&env](const char* name, const char* fallback) {
    const char* value = env(name);
    return std::string(value != nullptr ? value : fallback);
  };
  // Thumbify's own defaults (its services/bucket.py).
  std::string endpoint = setting("BUCKET_ENDPOINT", "http://localhost:9000");
  if (endpoint.rfind("http://", 0) != 0 && endpoint.rfind("https://", 0) != 0) {
    endpoint = "http://" + endpoint;
  }
  const std::string bucket = setting("BUCKET_NAME", "thumbifybucket");
  store::S3Credentials credentials{setting("BUCKET_ACCESS_KEY", "s3user"),
                                   setting("BUCKET_SECRET_KEY", "s3password"), ""};
  auto options = store::ParseS3Url("s3://" + bucket + "?endpoint=" + endpoint, credentials, env);
  if (!options) return options.error();
  *desc = "bucket '" + bucket + "' at " + endpoint;
  return std::unique_ptr<store::ObjectBucket>(
      std::make_unique<store::S3ObjectBucket>(std::move(*options)));
}

}  // namespace tessera::cli
