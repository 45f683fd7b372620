#include "worker/lease_keeper.h"

#include <vector>

#include "core/log.h"

namespace tessera::worker {

LeaseKeeper::LeaseKeeper(queue::TaskQueue& queue, std::chrono::milliseconds lease,
                         std::chrono::milliseconds interval)
    : queue_(queue), lease_(lease), interval_(interval), thread_([this] { Run(); }) {}

LeaseKeeper::~LeaseKeeper() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void LeaseKeeper::Track(const queue::ClaimedTask& task) {
  std::lock_guard<std::mutex> lock(mu_);
  tasks_[task.lease_token] = {task, LeaseState::kHeld};
}

void LeaseKeeper::Untrack(const queue::ClaimedTask& task) {
  std::lock_guard<std::mutex> lock(mu_);
  tasks_.erase(task.lease_token);
}

LeaseKeeper::LeaseState LeaseKeeper::State(const queue::ClaimedTask& task) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = tasks_.find(task.lease_token);
  return it == tasks_.end() ? LeaseState::kHeld : it->second.second;
}

void LeaseKeeper::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    wake_.wait_for(lock, interval_, [this] { return stop_; });
    if (stop_) break;
    std::vector<queue::ClaimedTask> held;
    for (const auto& [token, entry] : tasks_) {
      if (entry.second == LeaseState::kHeld) held.push_back(entry.first);
    }
    lock.unlock();
    for (const auto& task : held) {
      Status s = queue_.ExtendLease(task, lease_);
      if (s) continue;
      LeaseState next = LeaseState::kHeld;
      if (s.error().code == ErrorCode::kCancelled) next = LeaseState::kCancelled;
      if (s.error().code == ErrorCode::kConflict) next = LeaseState::kLost;
      if (next == LeaseState::kHeld) {
        // The backend is briefly unreachable: keep trying until the lease itself runs out.
        Log(LogLevel::kWarn, "lease_extend_failed",
            {{"task_id", task.spec.id}, {"error", s.error().ToString()}});
        continue;
      }
      std::lock_guard<std::mutex> relock(mu_);
      auto it = tasks_.find(task.lease_token);
      if (it != tasks_.end()) it->second.second = next;
    }
    lock.lock();
  }
}

}  // namespace tessera::worker
