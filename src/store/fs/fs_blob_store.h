// FsBlobStore: blobs as files under a root directory (local, or shared between machines over
// NFS and the like). The embedded default.
//
// Put writes a temporary file beside the target, fsyncs it, renames it over the target and
// fsyncs the directory, so a reader sees all of an object or none of it, even across crashes.
// Temporary files start with ".tmp-"; ones left by a crashed writer are removed by
// RemoveStaleTemporaries.
#pragma once

#include <filesystem>

#include "store/blob_store.h"

namespace tessera::store {

class FsBlobStore final : public BlobStore {
 public:
  // REQUIRES: `root` exists or can be created.
  explicit FsBlobStore(std::filesystem::path root);

  Status Put(std::string_view key, std::span<const uint8_t> bytes) override;
  Status PutFile(std::string_view key, const std::filesystem::path& path) override;
  Result<std::vector<uint8_t>> Get(std::string_view key, uint64_t max_bytes) override;
  Result<std::vector<uint8_t>> GetRange(std::string_view key, uint64_t offset,
                                        uint64_t length) override;
  Status GetToFile(std::string_view key, const std::filesystem::path& path,
                   uint64_t max_bytes) override;
  Result<std::vector<std::string>> List(std::string_view prefix, size_t limit) override;
  Result<bool> Exists(std::string_view key) override;
  Result<BlobInfo> Stat(std::string_view key) override;
  Status Delete(std::string_view key) override;
  Status Ping() override;

  // Deletes temporary files older than `age` (left by writers that crashed mid-Put).
  Result<int> RemoveStaleTemporaries(std::chrono::seconds age);

  const std::filesystem::path& root() const { return root_; }

 private:
  Result<std::filesystem::path> PathFor(std::string_view key) const;
  std::filesystem::path root_;
};

}  // namespace tessera::store
