// ObjectBucket: one bucket of an object store addressed by the client's own object names,
// for compatibility routes whose clients name objects themselves (Thumbify's uploads are
// stored under the file name as sent). Unlike BlobStore keys, names are not restricted to a
// safe alphabet: they never become paths, only S3 object names.
//
// Errors: kNotFound (no such object), kUnavailable (the server is unreachable or failing after
// retries), kInternal (refused: credentials, a missing bucket), kTooLarge (past max_bytes).
//
// Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace tessera::store {

class ObjectBucket {
 public:
  virtual ~ObjectBucket() = default;

  // Stores `bytes` as object `name`, replacing any previous one.
  virtual Status Put(std::string_view name, std::span<const uint8_t> bytes) = 0;
  virtual Result<std::vector<uint8_t>> Get(std::string_view name, uint64_t max_bytes) = 0;

  // The address of object `name` of this bucket (for messages).
  virtual std::string Url(std::string_view name) const = 0;
  // An address anyone may GET object `name` of `bucket` (on the same server, with the same
  // credentials) from until `expires` after `now`.
  virtual std::string PresignedGetUrl(std::string_view bucket, std::string_view name,
                                      std::chrono::seconds expires,
                                      std::chrono::system_clock::time_point now) const = 0;
};

}  // namespace tessera::store
