#include "support/faulty_task_queue.h"

namespace tessera::testing {

Status FaultyTaskQueue::Enqueue(const queue::TaskSpec& task) {
  return ApplyFault<Status>(plan_.OnCall("Enqueue", task.kind),
                            [&] { return ForwardingTaskQueue::Enqueue(task); });
}

Result<bool> FaultyTaskQueue::Knows(std::string_view task_id) {
  return ApplyFault<Result<bool>>(plan_.OnCall("Knows", task_id),
                                  [&] { return ForwardingTaskQueue::Knows(task_id); });
}

Result<std::optional<queue::ClaimedTask>> FaultyTaskQueue::Claim(
    const queue::WorkerIdentity& worker, std::chrono::milliseconds lease) {
  std::optional<Fault> fault = plan_.OnCall("Claim", worker.id);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!duplicates_.empty()) {
      std::optional<queue::ClaimedTask> again = std::move(duplicates_.front());
      duplicates_.pop_front();
      return again;
    }
  }
  if (!fault || fault->kind != FaultKind::kTwice) {
    return ApplyFault<Result<std::optional<queue::ClaimedTask>>>(
        fault, [&] { return ForwardingTaskQueue::Claim(worker, lease); });
  }
  auto claimed = ForwardingTaskQueue::Claim(worker, lease);
  if (claimed && claimed->has_value()) {
    std::lock_guard<std::mutex> lock(mu_);
    duplicates_.push_back(**claimed);
  }
  return claimed;
}

Status FaultyTaskQueue::ExtendLease(const queue::ClaimedTask& task,
                                    std::chrono::milliseconds lease) {
  return ApplyFault<Status>(plan_.OnCall("ExtendLease", task.spec.kind),
                            [&] { return ForwardingTaskQueue::ExtendLease(task, lease); });
}

Status FaultyTaskQueue::Ack(const queue::ClaimedTask& task) {
  return ApplyFault<Status>(plan_.OnCall("Ack", task.spec.kind),
                            [&] { return ForwardingTaskQueue::Ack(task); });
}

Status FaultyTaskQueue::Retry(const queue::ClaimedTask& task, SystemTime not_before,
                              const Error& error) {
  return ApplyFault<Status>(plan_.OnCall("Retry", task.spec.kind),
                            [&] { return ForwardingTaskQueue::Retry(task, not_before, error); });
}

Status FaultyTaskQueue::Bury(const queue::ClaimedTask& task, const Error& error) {
  return ApplyFault<Status>(plan_.OnCall("Bury", task.spec.kind),
                            [&] { return ForwardingTaskQueue::Bury(task, error); });
}

Result<int> FaultyTaskQueue::ReclaimExpired(int max_lease_expiries) {
  return ApplyFault<Result<int>>(plan_.OnCall("ReclaimExpired", ""), [&] {
    return ForwardingTaskQueue::ReclaimExpired(max_lease_expiries);
  });
}

Status FaultyTaskQueue::Cancel(std::string_view task_id) {
  return ApplyFault<Status>(plan_.OnCall("Cancel", task_id),
                            [&] { return ForwardingTaskQueue::Cancel(task_id); });
}

Status FaultyTaskQueue::Requeue(std::string_view task_id) {
  return ApplyFault<Status>(plan_.OnCall("Requeue", task_id),
                            [&] { return ForwardingTaskQueue::Requeue(task_id); });
}

Result<std::vector<queue::DeadTask>> FaultyTaskQueue::ListDead(size_t limit) {
  return ApplyFault<Result<std::vector<queue::DeadTask>>>(
      plan_.OnCall("ListDead", ""), [&] { return ForwardingTaskQueue::ListDead(limit); });
}

Result<queue::QueueStats> FaultyTaskQueue::Stats() {
  return ApplyFault<Result<queue::QueueStats>>(plan_.OnCall("Stats", ""),
                                               [&] { return ForwardingTaskQueue::Stats(); });
}

Status FaultyTaskQueue::Ping() {
  return ApplyFault<Status>(plan_.OnCall("Ping", ""), [&] { return ForwardingTaskQueue::Ping(); });
}

}  // namespace tessera::testing
