// The values that cross the queue seam: what is enqueued, what a worker holds, what died.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/error.h"

namespace tessera::queue {

enum class Priority { kHigh = 0, kNormal = 1, kLow = 2 };

std::string_view PriorityName(Priority p);  // "high", "normal", "low"
std::optional<Priority> ParsePriority(std::string_view name);

struct TaskSpec {
  std::string id;       // unique, chosen by the caller; see TaskQueue::Enqueue
  std::string job_id;   // the job this task belongs to
  std::string kind;     // what the worker does: "process", "tile" or "assemble"
  std::string payload;  // opaque to the queue (the worker's JSON arguments)
  Priority priority = Priority::kNormal;
  // Every capability a worker must have to run this task ("core", "detect", ...).
  std::vector<std::string> capabilities;
  // Not claimable before this instant (the epoch: at once).
  SystemTime not_before{};

  bool operator==(const TaskSpec&) const = default;
};

// A task held by one worker under a lease.
struct ClaimedTask {
  TaskSpec spec;
  int attempt = 1;         // 1 on first delivery; +1 after each Retry and each expired lease
  int lease_expiries = 0;  // how many earlier holders lost it by letting the lease expire
  std::string worker_id;
  std::string lease_token;  // fences ExtendLease/Ack/Retry/Bury against a stale holder
};

struct DeadTask {
  TaskSpec spec;
  int attempts = 0;
  Error last_error;
  SystemTime died{};
};

struct QueueStats {
  int64_t ready_high = 0;
  int64_t ready_normal = 0;
  int64_t ready_low = 0;
  int64_t delayed = 0;  // waiting for not_before (including retry backoff)
  int64_t leased = 0;   // held by a worker
  int64_t dead = 0;
  // Age of the oldest claimable task (now - max(enqueued, not_before)); 0 when none.
  std::chrono::milliseconds oldest_ready_age{0};
};

// Who is claiming: its id and everything it can do.
struct WorkerIdentity {
  std::string id;
  std::vector<std::string> capabilities;
};

}  // namespace tessera::queue
