// When a failed task runs again, and when it stops trying.
#pragma once

#include <chrono>
#include <random>

#include "core/error.h"

namespace tessera::jobs {

struct RetryPolicy {
  int max_attempts = 5;                          // deliveries in all, then dead
  std::chrono::milliseconds base{1000};          // delay after the first failure
  double multiplier = 2.0;                       // growth per further failure
  std::chrono::milliseconds cap{5 * 60 * 1000};  // longest delay (5 min)
  int max_lease_expiries = 3;                    // worker deaths tolerated, then dead
  // A storage fault (IsStorageFault) past max_attempts is retried until the job has been
  // running this long: a disk full or a store down for minutes must not kill the jobs in flight.
  std::chrono::milliseconds storage_window{10 * 60 * 1000};

  // Delay before attempt `attempt + 1` after attempt `attempt` (1-based) failed: base *
  // multiplier^(attempt-1), capped, with "equal jitter" (a uniformly random half of it
  // added to the other half) so retries of a burst of failures spread out.
  std::chrono::milliseconds Backoff(int attempt, std::mt19937_64& rng) const;
};

// Errors that a retry cannot fix (the input or the request is bad): the job dies at once.
bool IsPermanent(ErrorCode code);

// Errors of the stores a task reads and writes (a full or read-only disk, a store unreachable):
// they clear without the job changing, so they get RetryPolicy::storage_window.
bool IsStorageFault(ErrorCode code);

}  // namespace tessera::jobs
