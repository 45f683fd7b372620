// BlobStore: where image bytes live between steps (inputs, tiles, results).
//
// Implementations: FsBlobStore (a local or shared directory; the embedded default) and, later,
// an S3-compatible store. Every implementation passes tests/contract/blob_store_contract_test.cc.
//
// Keys are '/'-separated paths of [A-Za-z0-9._-] segments (each at most 200 bytes), at most
// 512 bytes in all, with no empty, "." or ".." segment and no leading '/'; anything else is
// kBadRequest (field "key"), so a client-chosen name can never escape the store.
//
// Thread-safety: every method may be called concurrently from any thread and any process that
// shares the store.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/result.h"

namespace tessera::store {

struct BlobInfo {
  uint64_t size = 0;
  SystemTime modified;
};

class BlobStore {
 public:
  virtual ~BlobStore() = default;

  // Stores `bytes` under `key`, replacing any previous object. Atomic: a concurrent or later
  // Get sees the old object or all of the new one, never a part, even if the writer crashes.
  // Durable when it returns OK. Writing the same bytes to the same key again is harmless.
  // Errors: kBadRequest (key), kIo / kUnavailable (backend).
  virtual Status Put(std::string_view key, std::span<const uint8_t> bytes) = 0;

  // The object's bytes. kNotFound if there is none; kTooLarge if it is larger than max_bytes.
  virtual Result<std::vector<uint8_t>> Get(std::string_view key,
                                           uint64_t max_bytes = UINT64_MAX) = 0;

  // Whether an object exists under `key`.
  virtual Result<bool> Exists(std::string_view key) = 0;

  // Size and modification time. kNotFound if there is none.
  virtual Result<BlobInfo> Stat(std::string_view key) = 0;

  // Removes the object. Deleting a missing key is OK (idempotent).
  virtual Status Delete(std::string_view key) = 0;

  // Backend reachable and writable (for readiness checks).
  virtual Status Ping() = 0;
};

// OK if `key` is a valid blob key (see above), else kBadRequest naming what is wrong.
Status ValidateBlobKey(std::string_view key);

}  // namespace tessera::store
