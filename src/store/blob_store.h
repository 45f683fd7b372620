// BlobStore: where image bytes live between steps (inputs, tiles, results).
//
// Implementations: FsBlobStore (a local or shared directory; the embedded default) and
// S3BlobStore (any S3-compatible object store: AWS S3, MinIO, ...). Every implementation passes
// tests/contract/blob_store_contract_test.cc.
//
// Keys are '/'-separated paths of [A-Za-z0-9._-] segments (each at most 200 bytes), at most
// 512 bytes in all, with no empty, "." or ".." segment and no leading '/'; anything else is
// kBadRequest (field "key"), so a client-chosen name can never escape the store.
//
// Objects are written whole: there is no append and no partial update. Large objects can be
// moved between the store and a local file without ever being held whole in memory (PutFile,
// GetToFile), and read in pieces (GetRange).
//
// Errors every method may return besides its own:
//   kBadRequest   the key (or prefix) is invalid; nothing was sent to the backend
//   kIo           a local file could not be read or written
//   kUnavailable  the backend could not be reached or failed (network, 5xx) after retries;
//                 worth trying again later
//   kDeadlineExceeded  the backend did not answer within the store's time bound
//   kInternal     the backend refused the store's configuration (wrong credentials, access
//                 denied, missing bucket); retrying will not help until it is fixed
//
// Thread-safety: every method may be called concurrently from any thread and any process that
// shares the store.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
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
  virtual Status Put(std::string_view key, std::span<const uint8_t> bytes) = 0;

  // Put with the bytes of the local file `path`, read as they are sent: memory use does not
  // grow with the file's size. Same atomicity and durability as Put. kNotFound / kIo if the
  // file cannot be read.
  virtual Status PutFile(std::string_view key, const std::filesystem::path& path) = 0;

  // The object's bytes. kNotFound if there is none; kTooLarge if it is larger than max_bytes.
  virtual Result<std::vector<uint8_t>> Get(std::string_view key,
                                           uint64_t max_bytes = UINT64_MAX) = 0;

  // At most `length` bytes of the object starting at byte `offset`: fewer when the object ends
  // first, none when `offset` is at or past its end. kNotFound if there is no object.
  virtual Result<std::vector<uint8_t>> GetRange(std::string_view key, uint64_t offset,
                                                uint64_t length) = 0;

  // Writes the object to the local file `path`, streaming: memory use does not grow with the
  // object's size. `path` is replaced atomically (temporary file in its directory, fsync,
  // rename), so it never holds part of an object. kNotFound if there is no object; kTooLarge
  // (and `path` untouched) if it is larger than max_bytes.
  virtual Status GetToFile(std::string_view key, const std::filesystem::path& path,
                           uint64_t max_bytes = UINT64_MAX) = 0;

  // Whether an object exists under `key`.
  virtual Result<bool> Exists(std::string_view key) = 0;

  // Size and modification time. kNotFound if there is none.
  virtual Result<BlobInfo> Stat(std::string_view key) = 0;

  // The keys that begin with `prefix` (a plain string prefix, not only whole segments: "in"
  // matches "inputs/a"), in byte order, at most `limit` of them. An empty prefix lists
  // everything. The prefix uses the key alphabet and may be empty or end with '/'; anything
  // else is kBadRequest (field "prefix"). Objects being written by an unfinished Put are never
  // listed.
  virtual Result<std::vector<std::string>> List(std::string_view prefix,
                                                size_t limit = SIZE_MAX) = 0;

  // Removes the object. Deleting a missing key is OK (idempotent).
  virtual Status Delete(std::string_view key) = 0;

  // Backend reachable and usable with the configured credentials (for readiness checks).
  virtual Status Ping() = 0;
};

// The first key segments tessera's own data lives under: job inputs and results, tiles, the
// compatibility layers' books. A key a client names (a job's input or output reference, an
// ImageFlowCanvas bucket) must not begin with one.
inline constexpr std::string_view kReservedKeySegments[] = {"inputs", "results", "tiles", "compat"};

// The reserved segment `key` begins with (kReservedKeySegments), or empty if none.
std::string_view ReservedSegmentOf(std::string_view key);

// OK if `key` is a valid blob key (see above), else kBadRequest naming what is wrong.
Status ValidateBlobKey(std::string_view key);

// OK if `prefix` may be passed to List: empty, or a valid key, or a valid key followed by '/'.
// kBadRequest (field "prefix") otherwise.
Status ValidateBlobPrefix(std::string_view prefix);

}  // namespace tessera::store
