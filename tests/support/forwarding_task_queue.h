// ForwardingTaskQueue: a TaskQueue that passes every call to a target queue unchanged. Tests
// derive from it and override only the calls they want to watch or change, as LevelDB's
// EnvWrapper is used for Env; FaultyTaskQueue (faulty_task_queue.h) is one such.
//
// Thread-safety: as the target's. The target must outlive the wrapper.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

#include "queue/task_queue.h"

namespace tessera::testing {

class ForwardingTaskQueue : public queue::TaskQueue {
 public:
  explicit ForwardingTaskQueue(queue::TaskQueue& target) : target_(target) {}

  queue::TaskQueue& target() const { return target_; }

  Status Enqueue(const queue::TaskSpec& task) override { return target_.Enqueue(task); }
  Result<bool> Knows(std::string_view task_id) override { return target_.Knows(task_id); }
  Result<std::optional<queue::ClaimedTask>> Claim(const queue::WorkerIdentity& worker,
                                                  std::chrono::milliseconds lease) override {
    return target_.Claim(worker, lease);
  }
  Status ExtendLease(const queue::ClaimedTask& task, std::chrono::milliseconds lease) override {
    return target_.ExtendLease(task, lease);
  }
  Status Ack(const queue::ClaimedTask& task) override { return target_.Ack(task); }
  Status Retry(const queue::ClaimedTask& task, SystemTime not_before, const Error& error) override {
    return target_.Retry(task, not_before, error);
  }
  Status Bury(const queue::ClaimedTask& task, const Error& error) override {
    return target_.Bury(task, error);
  }
  Result<int> ReclaimExpired(int max_lease_expiries) override {
    return target_.ReclaimExpired(max_lease_expiries);
  }
  Status Cancel(std::string_view task_id) override { return target_.Cancel(task_id); }
  Status Requeue(std::string_view task_id) override { return target_.Requeue(task_id); }
  Result<std::vector<queue::DeadTask>> ListDead(size_t limit) override {
    return target_.ListDead(limit);
  }
  Result<queue::QueueStats> Stats() override { return target_.Stats(); }
  Status Ping() override { return target_.Ping(); }

 private:
  queue::TaskQueue& target_;
};

}  // namespace tessera::testing
