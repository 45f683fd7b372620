// S3ObjectBucket: ObjectBucket over one bucket of an S3-compatible server (S3Client: SigV4,
// pooled connections, retries). Object names are sent URI-encoded as given.
#pragma once

#include "store/object_bucket.h"
#include "store/s3/s3_client.h"
#include "store/s3/s3_options.h"

namespace tessera::store {

class S3ObjectBucket final : public ObjectBucket {
 public:
  // options.bucket is the bucket; its prefix is ignored.
  explicit S3ObjectBucket(S3Options options);

  Status Put(std::string_view name, std::span<const uint8_t> bytes) override;
  Result<std::vector<uint8_t>> Get(std::string_view name, uint64_t max_bytes) override;
  std::string Url(std::string_view name) const override;
  std::string PresignedGetUrl(std::string_view bucket, std::string_view name,
                              std::chrono::seconds expires,
                              std::chrono::system_clock::time_point now) const override;

 private:
  S3Client client_;
};

}  // namespace tessera::store
