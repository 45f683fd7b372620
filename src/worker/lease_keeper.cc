#include "worker/lease_keeper.h"

#include <algorithm>
#include <vector>

#include "core/log.h"

namespace tessera::worker {

LeaseKeeper::LeaseKeeper(queue::TaskQueue& queue, std::chrono::milliseconds lease,
                         std::chrono::milliseconds interval, queue::JobStore* jobs,
                         std::chrono::milliseconds cancel_poll)
    : queue_(queue),
      lease_(lease),
      interval_(interval),
      jobs_(jobs),
      cancel_poll_(cancel_poll),
      thread_([this] { Run(); }) {}

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

Status LeaseKeeper::Renew(const queue::ClaimedTask& task) {
  switch (State(task)) {
    case LeaseState::kLost: return MakeError(ErrorCode::kConflict, "the task's lease was lost");
    case LeaseState::kCancelled: return MakeError(ErrorCode::kCancelled, "the job was cancelled");
    case LeaseState::kHeld: break;
  }
  Status extended = queue_.ExtendLease(task, lease_);
  if (!extended && extended.error().code == ErrorCode::kConflict) Mark(task, LeaseState::kLost);
  if (!extended && extended.error().code == ErrorCode::kCancelled) {
    Mark(task, LeaseState::kCancelled);
  }
  return extended;
}

void LeaseKeeper::Mark(const queue::ClaimedTask& task, LeaseState state) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = tasks_.find(task.lease_token);
  if (it != tasks_.end() && it->second.second == LeaseState::kHeld) it->second.second = state;
}

void LeaseKeeper::Run() {
  // Ticks of `tick`; the lease is extended every `extend_every` ticks, the job records read on
  // the others.
  const bool poll = jobs_ != nullptr && cancel_poll_.count() > 0 && cancel_poll_ < interval_;
  const auto tick = poll ? cancel_poll_ : interval_;
  const int64_t extend_every = std::max<int64_t>(1, interval_ / tick);
  int64_t ticks = 0;
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    wake_.wait_for(lock, tick, [this] { return stop_; });
    if (stop_) break;
    const bool extend = ++ticks % extend_every == 0;
    std::vector<queue::ClaimedTask> held;
    for (const auto& [token, entry] : tasks_) {
      if (entry.second == LeaseState::kHeld) held.push_back(entry.first);
    }
    lock.unlock();
    for (const auto& task : held) {
      if (!extend) {
        auto job = jobs_->Get(task.spec.job_id);
        if (job && job->state == queue::JobState::kCancelled) Mark(task, LeaseState::kCancelled);
        continue;
      }
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
      Mark(task, next);
    }
    lock.lock();
  }
}

}  // namespace tessera::worker
