#include "jobs/retry_policy.h"

#include <algorithm>
#include <cmath>

namespace tessera::jobs {

std::chrono::milliseconds RetryPolicy::Backoff(int attempt, std::mt19937_64& rng) const {
  double raw = static_cast<double>(base.count()) * std::pow(multiplier, std::max(0, attempt - 1));
  double capped = std::min(raw, static_cast<double>(cap.count()));
  std::uniform_real_distribution<double> half(0.0, capped / 2.0);
  return std::chrono::milliseconds(static_cast<int64_t>(capped / 2.0 + half(rng)));
}

bool IsPermanent(ErrorCode code) { return FactsOf(code).permanent; }

bool IsStorageFault(ErrorCode code) { return FactsOf(code).storage_fault; }

}  // namespace tessera::jobs
