#include "support/faulty_blob_store.h"

namespace tessera::testing {

Status FaultyBlobStore::Put(std::string_view key, std::span<const uint8_t> bytes) {
  return ApplyFault<Status>(plan_.OnCall("Put", key),
                            [&] { return ForwardingBlobStore::Put(key, bytes); });
}

Status FaultyBlobStore::PutFile(std::string_view key, const std::filesystem::path& path) {
  return ApplyFault<Status>(plan_.OnCall("PutFile", key),
                            [&] { return ForwardingBlobStore::PutFile(key, path); });
}

Result<std::vector<uint8_t>> FaultyBlobStore::Get(std::string_view key, uint64_t max_bytes) {
  return ApplyFault<Result<std::vector<uint8_t>>>(
      plan_.OnCall("Get", key), [&] { return ForwardingBlobStore::Get(key, max_bytes); });
}

Result<std::vector<uint8_t>> FaultyBlobStore::GetRange(std::string_view key, uint64_t offset,
                                                       uint64_t length) {
  return ApplyFault<Result<std::vector<uint8_t>>>(plan_.OnCall("GetRange", key), [&] {
    return ForwardingBlobStore::GetRange(key, offset, length);
  });
}

Status FaultyBlobStore::GetToFile(std::string_view key, const std::filesystem::path& path,
                                  uint64_t max_bytes) {
  return ApplyFault<Status>(plan_.OnCall("GetToFile", key),
                            [&] { return ForwardingBlobStore::GetToFile(key, path, max_bytes); });
}

Result<bool> FaultyBlobStore::Exists(std::string_view key) {
  return ApplyFault<Result<bool>>(plan_.OnCall("Exists", key),
                                  [&] { return ForwardingBlobStore::Exists(key); });
}

Result<store::BlobInfo> FaultyBlobStore::Stat(std::string_view key) {
  return ApplyFault<Result<store::BlobInfo>>(plan_.OnCall("Stat", key),
                                             [&] { return ForwardingBlobStore::Stat(key); });
}

Result<std::vector<std::string>> FaultyBlobStore::List(std::string_view prefix, size_t limit) {
  return ApplyFault<Result<std::vector<std::string>>>(
      plan_.OnCall("List", prefix), [&] { return ForwardingBlobStore::List(prefix, limit); });
}

Status FaultyBlobStore::Delete(std::string_view key) {
  return ApplyFault<Status>(plan_.OnCall("Delete", key),
                            [&] { return ForwardingBlobStore::Delete(key); });
}

Status FaultyBlobStore::Ping() {
  return ApplyFault<Status>(plan_.OnCall("Ping", ""), [&] { return ForwardingBlobStore::Ping(); });
}

}  // namespace tessera::testing
