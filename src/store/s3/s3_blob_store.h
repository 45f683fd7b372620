// S3BlobStore: blobs as objects in an S3-compatible bucket (AWS S3, MinIO, ...), under an
// optional key prefix, so that machines sharing no directory share inputs, tiles and results.
//
// A key K is the object PREFIX/K. Put is one PUT, or a multipart upload from
// options.multipart_threshold bytes on; either way S3 makes the object visible whole or not at
// all, so a reader never sees a part and a crashed writer leaves nothing under the key (an
// unfinished multipart upload is invisible, and aborted when the writer sees the failure).
// Every call is bounded in time and retried as S3Client describes.
#pragma once

#include <memory>

#include "store/blob_store.h"
#include "store/s3/s3_client.h"
#include "store/s3/s3_options.h"

namespace tessera::store {

class S3BlobStore final : public BlobStore {
 public:
  explicit S3BlobStore(S3Options options);

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
  Status Ping() override;

  // HTTP attempts made so far, retries included (tests count them).
  uint64_t attempts() const { return client_.attempts(); }
  const S3Options& options() const { return client_.options(); }

 private:
  Result<std::string> ObjectFor(std::string_view key) const;
  Status Upload(const std::string& object, const S3Body& body, std::string_view key);

  S3Client client_;
};

}  // namespace tessera::store
