// LeaseKeeper: one thread that extends the leases of every task this process is running, so a
// long image keeps its task, and learns when a task was cancelled or its lease lost. With a
// JobStore it also reads each running task's job record every `cancel_poll`, so a cancelled
// job is noticed within that rather than at the next extension (lease / 3); the task runner's
// StopToken reads State() and stops the engine.
//
// Thread-safety: Track/Untrack/State may be called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "core/clock.h"
#include "queue/job_store.h"
#include "queue/task_queue.h"

namespace tessera::worker {

class LeaseKeeper {
 public:
  enum class LeaseState { kHeld, kLost, kCancelled };

  // Extends every tracked lease to `lease` each `interval` (lease / 3 is typical).
  LeaseKeeper(queue::TaskQueue& queue, std::chrono::milliseconds lease,
              std::chrono::milliseconds interval, queue::JobStore* jobs = nullptr,
              std::chrono::milliseconds cancel_poll = std::chrono::milliseconds(250));
  ~LeaseKeeper();
  LeaseKeeper(const LeaseKeeper&) = delete;
  LeaseKeeper& operator=(const LeaseKeeper&) = delete;

  void Track(const queue::ClaimedTask& task);
  void Untrack(const queue::ClaimedTask& task);
  // kHeld for an untracked task.
  LeaseState State(const queue::ClaimedTask& task) const;

  // Extends `task`'s lease with the backend now, which is how a writer proves it still holds
  // the task (State() only reports the last extension; Redis ages leases by its own clock). OK:
  // held for another full lease from now. kConflict (lease lost) or kCancelled: State() says so
  // from then on. Other errors (kUnavailable): the backend could not tell.
  // REQUIRES: `task` is tracked.
  Status Renew(const queue::ClaimedTask& task);

 private:
  void Run();
  void Mark(const queue::ClaimedTask& task, LeaseState state);

  queue::TaskQueue& queue_;
  const std::chrono::milliseconds lease_;
  const std::chrono::milliseconds interval_;
  queue::JobStore* const jobs_;
  const std::chrono::milliseconds cancel_poll_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ = false;
  // lease token -> (task, state)
  std::map<std::string, std::pair<queue::ClaimedTask, LeaseState>> tasks_;
  std::thread thread_;
};

}  // namespace tessera::worker
