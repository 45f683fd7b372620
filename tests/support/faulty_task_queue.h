// FaultyTaskQueue: a TaskQueue over a real one whose calls a FaultPlan (fault_plan.h) may make
// fail, lose their reply or apply twice: "the ack is applied but its reply lost", "the first
// enqueue of a process task fails", "a claim hands its task out twice". Every call is recorded
// in the plan.
//
// Method names are the interface's. Subjects: Enqueue, the task's kind ("process", "tile",
// "assemble"), as for ExtendLease, Ack, Retry and Bury; Claim, the worker's id; Knows, Cancel
// and Requeue, the task id; ReclaimExpired, ListDead, Stats and Ping, empty.
//
// kTwice on Claim is a duplicate delivery, not a second claim: the task the backend leased is
// returned now and returned again, under the same lease, by a later Claim (the first one made
// after it by any worker that finds no older duplicate waiting; whatever the plan picked for
// that call, and without asking the backend), as a queue that delivers at least once may do.
// With times = INT_MAX every task is delivered twice.
//
// Thread-safety: as the target's. The target and the plan must outlive the wrapper.
#pragma once

#include <deque>
#include <mutex>
#include <optional>

#include "support/fault_plan.h"
#include "support/forwarding_task_queue.h"

namespace tessera::testing {

class FaultyTaskQueue : public ForwardingTaskQueue {
 public:
  FaultyTaskQueue(queue::TaskQueue& target, FaultPlan& plan)
      : ForwardingTaskQueue(target), plan_(plan) {}

  FaultPlan& plan() const { return plan_; }

  Status Enqueue(const queue::TaskSpec& task) override;
  Result<bool> Knows(std::string_view task_id) override;
  Result<std::optional<queue::ClaimedTask>> Claim(const queue::WorkerIdentity& worker,
                                                  std::chrono::milliseconds lease) override;
  Status ExtendLease(const queue::ClaimedTask& task, std::chrono::milliseconds lease) override;
  Status Ack(const queue::ClaimedTask& task) override;
  Status Retry(const queue::ClaimedTask& task, SystemTime not_before, const Error& error) override;
  Status Bury(const queue::ClaimedTask& task, const Error& error) override;
  Result<int> ReclaimExpired(int max_lease_expiries) override;
  Status Cancel(std::string_view task_id) override;
  Status Requeue(std::string_view task_id) override;
  Result<std::vector<queue::DeadTask>> ListDead(size_t limit) override;
  Result<queue::QueueStats> Stats() override;
  Status Ping() override;

 private:
  FaultPlan& plan_;
  std::mutex mu_;
  // Deliveries still to be repeated, oldest first: each goes to one later Claim. Guarded by mu_.
  std::deque<queue::ClaimedTask> duplicates_;
};

}  // namespace tessera::testing
