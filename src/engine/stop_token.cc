#include "engine/stop_token.h"

namespace tessera::engine {
namespace {

thread_local const StopToken* current_token = nullptr;

}  // namespace

void StopSource::SetDeadline(MonotonicTime deadline, Error reason) {
  std::lock_guard<std::mutex> lock(mu_);
  deadline_reason_ = std::move(reason);
  deadline_ns_.store(deadline.time_since_epoch().count(), std::memory_order_relaxed);
  has_deadline_.store(true, std::memory_order_release);
}

void StopSource::RequestStop(Error reason) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!reason_) reason_ = std::move(reason);
  stopped_.store(true, std::memory_order_release);
}

bool StopSource::StopRequested() const {
  if (stopped_.load(std::memory_order_acquire)) return true;
  if (parent_ != nullptr && parent_->StopRequested()) return true;
  if (!has_deadline_.load(std::memory_order_acquire)) return false;
  const int64_t deadline = deadline_ns_.load(std::memory_order_relaxed);
  return clock_.Monotonic().time_since_epoch().count() >= deadline;
}

Error StopSource::Reason() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (reason_) return *reason_;
  if (has_deadline_.load(std::memory_order_acquire) &&
      clock_.Monotonic().time_since_epoch().count() >=
          deadline_ns_.load(std::memory_order_relaxed)) {
    // The deadline is the reason from now on, even if a later RequestStop comes.
    reason_ = deadline_reason_;
    return *reason_;
  }
  if (parent_ != nullptr && parent_->StopRequested()) return parent_->Reason();
  return MakeError(ErrorCode::kCancelled, "stopped");
}

const StopToken* CurrentStopToken() { return current_token; }

ScopedStopToken::ScopedStopToken(const StopToken* token) : previous_(current_token) {
  current_token = token;
}

ScopedStopToken::~ScopedStopToken() { current_token = previous_; }

}  // namespace tessera::engine
