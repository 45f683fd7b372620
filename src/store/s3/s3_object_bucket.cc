#include "store/s3/s3_object_bucket.h"

#include "store/s3/s3_presign.h"

namespace tessera::store {
namespace {

S3Options WithoutPrefix(S3Options options) {
  options.prefix.clear();
  return options;
}

}  // namespace

S3ObjectBucket::S3ObjectBucket(S3Options options) : client_(WithoutPrefix(std::move(options))) {}

Status S3ObjectBucket::Put(std::string_view name, std::span<const uint8_t> bytes) {
  auto sent = client_.Send(
      S3Request{.method = "PUT", .object = std::string(name), .body = {.bytes = bytes}});
  if (!sent) return sent.error();
  if (sent->status != 200) return client_.ErrorFor("put " + std::string(name), *sent);
  return OkStatus();
}

Result<std::vector<uint8_t>> S3ObjectBucket::Get(std::string_view name, uint64_t max_bytes) {
  auto got = client_.Send(
      S3Request{.method = "GET", .object = std::string(name), .max_body_bytes = max_bytes});
  if (!got) return Unexpected(got.error());
  if (got->status != 200) return Unexpected(client_.ErrorFor("get " + std::string(name), *got));
  return std::move(got->body);
}

std::string S3ObjectBucket::Url(std::string_view name) const {
  return ObjectUrl(client_.options(), name);
}

std::string S3ObjectBucket::PresignedGetUrl(std::string_view bucket, std::string_view name,
                                            std::chrono::seconds expires,
                                            std::chrono::system_clock::time_point now) const {
  S3Options options = client_.options();
  options.bucket = std::string(bucket);
  return store::PresignedGetUrl(options, name, expires, now);
}

}  // namespace tessera::store
