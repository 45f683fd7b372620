#include "store/s3/s3_buckets_blob_store.h"

#include <vector>

namespace tessera::store {

S3BucketsBlobStore::S3BucketsBlobStore(S3Options server) : server_(std::move(server)) {}

Result<S3BucketsBlobStore::Target> S3BucketsBlobStore::Route(std::string_view key) {
  if (Status valid = ValidateBlobKey(key); !valid) return valid.error();
  size_t slash = key.find('/');
  if (slash == std::string_view::npos) {
    return MakeError(ErrorCode::kBadRequest,
                     "'" + std::string(key) + "' names a bucket but no object in it", "key");
  }
  std::string_view bucket = key.substr(0, slash);
  std::lock_guard lock(mu_);
  auto it = buckets_.find(bucket);
  if (it == buckets_.end()) {
    S3Options options = server_;
    options.bucket = std::string(bucket);
    options.prefix.clear();
    it = buckets_.emplace(std::string(bucket), std::make_unique<S3BlobStore>(options)).first;
  }
  return Target{it->second.get(), std::string(key.substr(slash + 1))};
}

Status S3BucketsBlobStore::Put(std::string_view key, std::span<const uint8_t> bytes) {
  auto t = Route(key);
  if (!t) return t.error();
  return t->store->Put(t->key, bytes);
}

Status S3BucketsBlobStore::PutFile(std::string_view key, const std::filesystem::path& path) {
  auto t = Route(key);
  if (!t) return t.error();
  return t->store->PutFile(t->key, path);
}

Result<std::vector<uint8_t>> S3BucketsBlobStore::Get(std::string_view key, uint64_t max_bytes) {
  auto t = Route(key);
  if (!t) return t.error();
  return t->store->Get(t->key, max_bytes);
}

Result<std::vector<uint8_t>> S3BucketsBlobStore::GetRange(std::string_view key, uint64_t offset,
                                                          uint64_t length) {
  auto t = Route(key);
  if (!t) return t.error();
  return t->store->GetRange(t->key, offset, length);
}

Status S3BucketsBlobStore::GetToFile(std::string_view key, const std::filesystem::path& path,
                                     uint64_t max_bytes) {
  auto t = Route(key);
  if (!t) return t.error();
  return t->store->GetToFile(t->key, path, max_bytes);
}

Result<bool> S3BucketsBlobStore::Exists(std::string_view key) {
  auto t = Route(key);
  if (!t) return t.error();
  return t->store->Exists(t->key);
}

Result<BlobInfo> S3BucketsBlobStore::Stat(std::string_view key) {
  auto t = Route(key);
  if (!t) return t.error();
  return t->store->Stat(t->key);
}

Result<std::vector<std::string>> S3BucketsBlobStore::List(std::string_view prefix, size_t limit) {
  std::string with_object = std::string(prefix);
  if (with_object.find('/') == std::string::npos) {
    return MakeError(ErrorCode::kBadRequest, "list needs a bucket and a prefix: bucket/prefix",
                     "prefix");
  }
  size_t slash = with_object.find('/');
  std::string bucket = with_object.substr(0, slash);
  // Route a placeholder object to open the bucket; then list inside it.
  auto t = Route(bucket + "/x");
  if (!t) return t.error();
  auto keys = t->store->List(with_object.substr(slash + 1), limit);
  if (!keys) return keys.error();
  for (std::string& k : *keys) k = bucket + "/" + k;
  return keys;
}

Status S3BucketsBlobStore::Delete(std::string_view key) {
  auto t = Route(key);
  if (!t) return t.error();
  return t->store->Delete(t->key);
}

Status S3BucketsBlobStore::Ping() {
  std::vector<S3BlobStore*> stores;
  {
    std::lock_guard lock(mu_);
    for (auto& [name, store] : buckets_) stores.push_back(store.get());
  }
  for (S3BlobStore* s : stores) {
    if (Status ok = s->Ping(); !ok) return ok;
  }
  return OkStatus();
}

}  // namespace tessera::store
