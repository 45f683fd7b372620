// S3BucketsBlobStore: every bucket of one S3-compatible server as one BlobStore, the key's first
// segment naming the bucket ("photos/cats/a.jpg" is object "cats/a.jpg" of bucket "photos").
// For clients that address objects as bucket + key themselves (ImageFlowCanvas's
// input_image.bucket / object_key on MinIO); tessera's own data uses one S3BlobStore.
//
// One S3BlobStore per bucket is opened on first use and kept (connections are reused per
// bucket). Thread-safe.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "store/blob_store.h"
#include "store/s3/s3_blob_store.h"
#include "store/s3/s3_options.h"

namespace tessera::store {

class S3BucketsBlobStore final : public BlobStore {
 public:
  // `server` gives the endpoint, region, credentials and limits; its bucket and prefix are
  // ignored.
  explicit S3BucketsBlobStore(S3Options server);

  Status Put(std::string_view key, std::span<const uint8_t> bytes) override;
  Status PutFile(std::string_view key, const std::filesystem::path& path) override;
  Result<std::vector<uint8_t>> Get(std::string_view key, uint64_t max_bytes) override;
  Result<std::vector<uint8_t>> GetRange(std::string_view key, uint64_t offset,
                                        uint64_t length) override;
  Status GetToFile(std::string_view key, const std::filesystem::path& path,
                   uint64_t max_bytes) override;
  Result<bool> Exists(std::string_view key) override;
  Result<BlobInfo> Stat(std::string_view key) override;
  Result<std::vector<std::string>> List(std::string_view prefix, size_t limit) override;
  Status Delete(std::string_view key) override;
  // OK when every bucket used so far answers (and when none has been used yet).
  Status Ping() override;

 private:
  struct Target {
    S3BlobStore* store = nullptr;
    std::string key;  // within the bucket
  };
  // kBadRequest (field "key") for a key without a bucket segment and an object under it.
  Result<Target> Route(std::string_view key);

  const S3Options server_;
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<S3BlobStore>, std::less<>> buckets_;
};

}  // namespace tessera::store
