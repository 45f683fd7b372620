// ForwardingBlobStore: a BlobStore that passes every call to a target store unchanged. Tests
// derive from it and override only the calls they want to watch or change, as LevelDB's
// EnvWrapper is used for Env; FaultyBlobStore (faulty_blob_store.h) is one such.
//
// Thread-safety: as the target's. The target must outlive the wrapper.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "store/blob_store.h"

namespace tessera::testing {

class ForwardingBlobStore : public store::BlobStore {
 public:
  explicit ForwardingBlobStore(store::BlobStore& target) : target_(target) {}

  store::BlobStore& target() const { return target_; }

  Status Put(std::string_view key, std::span<const uint8_t> bytes) override {
    return target_.Put(key, bytes);
  }
  Status PutFile(std::string_view key, const std::filesystem::path& path) override {
    return target_.PutFile(key, path);
  }
  Result<std::vector<uint8_t>> Get(std::string_view key, uint64_t max_bytes = UINT64_MAX) override {
    return target_.Get(key, max_bytes);
  }
  Result<std::vector<uint8_t>> GetRange(std::string_view key, uint64_t offset,
                                        uint64_t length) override {
    return target_.GetRange(key, offset, length);
  }
  Status GetToFile(std::string_view key, const std::filesystem::path& path,
                   uint64_t max_bytes = UINT64_MAX) override {
    return target_.GetToFile(key, path, max_bytes);
  }
  Result<bool> Exists(std::string_view key) override { return target_.Exists(key); }
  Result<store::BlobInfo> Stat(std::string_view key) override { return target_.Stat(key); }
  Result<std::vector<std::string>> List(std::string_view prefix, size_t limit = SIZE_MAX) override {
    return target_.List(prefix, limit);
  }
  Status Delete(std::string_view key) override { return target_.Delete(key); }
  Status Ping() override { return target_.Ping(); }

 private:
  store::BlobStore& target_;
};

}  // namespace tessera::testing
