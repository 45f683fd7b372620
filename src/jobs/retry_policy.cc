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

bool IsPermanent(ErrorCode code) {
  switch (code) {
    case ErrorCode::kBadPipeline:
    case ErrorCode::kBadRequest:
    case ErrorCode::kUnsupportedMedia:
    case ErrorCode::kCorruptImage:
    case ErrorCode::kTooLarge:
    case ErrorCode::kTooManyPixels:
    case ErrorCode::kOverBudget:
    case ErrorCode::kIdempotencyKeyReused:
    // The engine stopped the job at its deadline: another attempt would spend as long again.
    case ErrorCode::kDeadlineExceeded:
    case ErrorCode::kNotFound:
    case ErrorCode::kCancelled: return true;
    default: return false;
  }
}

}  // namespace tessera::jobs
