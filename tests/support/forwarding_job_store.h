// ForwardingJobStore: a JobStore that passes every call to a target store unchanged. Tests
// derive from it and override only the calls they want to watch or change, as LevelDB's
// EnvWrapper is used for Env; FaultyJobStore (faulty_job_store.h) is one such.
//
// Thread-safety: as the target's. The target must outlive the wrapper.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string_view>
#include <vector>

#include "queue/job_store.h"

namespace tessera::testing {

class ForwardingJobStore : public queue::JobStore {
 public:
  explicit ForwardingJobStore(queue::JobStore& target) : target_(target) {}

  queue::JobStore& target() const { return target_; }

  Result<queue::CreatedJob> Create(const queue::JobRecord& job) override {
    return target_.Create(job);
  }
  Result<queue::JobRecord> Get(std::string_view id) override { return target_.Get(id); }
  Result<queue::JobRecord> Transition(std::string_view id, queue::JobState to,
                                      const queue::JobUpdate& update) override {
    return target_.Transition(id, to, update);
  }
  Status SetProgress(std::string_view id, int64_t done, int64_t total) override {
    return target_.SetProgress(id, done, total);
  }
  Result<queue::TileMark> MarkTileDone(std::string_view id, int64_t tile) override {
    return target_.MarkTileDone(id, tile);
  }
  Result<bool> IsTileDone(std::string_view id, int64_t tile) override {
    return target_.IsTileDone(id, tile);
  }
  Result<queue::JobPage> List(std::optional<queue::JobState> state, size_t limit,
                              std::string_view cursor) override {
    return target_.List(state, limit, cursor);
  }
  Result<std::vector<queue::JobRecord>> ExpireFinished(SystemTime cutoff, size_t limit) override {
    return target_.ExpireFinished(cutoff, limit);
  }
  Result<std::map<queue::JobState, int64_t>> CountByState() override {
    return target_.CountByState();
  }

 private:
  queue::JobStore& target_;
};

}  // namespace tessera::testing
