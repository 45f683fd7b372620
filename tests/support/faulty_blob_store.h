// FaultyBlobStore: a BlobStore over a real one whose calls a FaultPlan (fault_plan.h) may make
// fail, lose their reply or apply twice: "the first result write fails", "the input read is
// unavailable 7 times". Every call is recorded in the plan, so it also counts writes.
//
// Method names are the interface's; the subject of each call is its key (List: the prefix;
// Ping: empty), so a rule's subject "results/" picks result writes and reads.
//
// Thread-safety: as the target's. The target and the plan must outlive the wrapper.
#pragma once

#include "support/fault_plan.h"
#include "support/forwarding_blob_store.h"

namespace tessera::testing {

class FaultyBlobStore : public ForwardingBlobStore {
 public:
  FaultyBlobStore(store::BlobStore& target, FaultPlan& plan)
      : ForwardingBlobStore(target), plan_(plan) {}

  FaultPlan& plan() const { return plan_; }

  Status Put(std::string_view key, std::span<const uint8_t> bytes) override;
  Status PutFile(std::string_view key, const std::filesystem::path& path) override;
  Result<std::vector<uint8_t>> Get(std::string_view key, uint64_t max_bytes = UINT64_MAX) override;
  Result<std::vector<uint8_t>> GetRange(std::string_view key, uint64_t offset,
                                        uint64_t length) override;
  Status GetToFile(std::string_view key, const std::filesystem::path& path,
                   uint64_t max_bytes = UINT64_MAX) override;
  Result<bool> Exists(std::string_view key) override;
  Result<store::BlobInfo> Stat(std::string_view key) override;
  Result<std::vector<std::string>> List(std::string_view prefix, size_t limit = SIZE_MAX) override;
  Status Delete(std::string_view key) override;
  Status Ping() override;

 private:
  FaultPlan& plan_;
};

}  // namespace tessera::testing
