// StopToken: how the caller of a running pipeline tells the engine to stop (the client went
// away, the job was cancelled, the deadline passed), without the engine knowing any of those.
//
// The engine polls the token between pipeline steps, in libvips' evaluation of every region
// (its kill flag: the computation fails at its next tile), and between bands of rows inside the
// hand-written and OpenCV-based kernels; once it sees a stop it returns Reason() (kCancelled or
// kDeadlineExceeded, as the caller chose) and discards whatever was half computed. So a stop is
// honoured within one region, band or point table, not at the end of the pipeline.
//
// Thread-safety: StopRequested and Reason may be called from any thread, often (per tile, per
// band of rows): implementations keep them cheap.
#pragma once

#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>

#include "core/clock.h"
#include "core/error.h"

namespace tessera::engine {

class StopToken {
 public:
  virtual ~StopToken() = default;
  // True once the work should stop; stays true.
  virtual bool StopRequested() const = 0;
  // Why: the error the stopped call returns. Meaningful once StopRequested() is true.
  virtual Error Reason() const = 0;
};

// The usual token: stopped by RequestStop (from any thread), when its deadline passes on
// `clock`, or when `parent` (if any; not owned, must outlive this) is stopped. The first reason
// wins; the parent's reason comes last.
class StopSource : public StopToken {
 public:
  explicit StopSource(const Clock& clock = SystemClock::Get(), const StopToken* parent = nullptr)
      : clock_(clock), parent_(parent) {}

  // Stops at `deadline` (monotonic) with `reason`, usually kDeadlineExceeded.
  void SetDeadline(MonotonicTime deadline, Error reason);
  // Stops now with `reason` (kCancelled: the client went away, the job was cancelled).
  void RequestStop(Error reason);

  bool StopRequested() const override;
  Error Reason() const override;

 private:
  const Clock& clock_;
  const StopToken* const parent_;
  std::atomic<bool> stopped_{false};
  std::atomic<bool> has_deadline_{false};
  std::atomic<int64_t> deadline_ns_{0};  // MonotonicTime's count, valid when has_deadline_
  mutable std::mutex mu_;
  mutable std::optional<Error> reason_;  // guarded by mu_
  Error deadline_reason_;                // guarded by mu_
};

// The token of the pipeline running on this thread, or nullptr. engine::Process installs
// ProcessOptions::stop for the duration of the call, so the libvips adapter and the kernels
// reach it without a parameter on every function.
const StopToken* CurrentStopToken();

// True when the current thread's pipeline should stop (false without a token).
inline bool StopRequestedHere() {
  const StopToken* t = CurrentStopToken();
  return t != nullptr && t->StopRequested();
}

// Installs `token` as this thread's current token until destroyed (restoring the previous one).
class ScopedStopToken {
 public:
  explicit ScopedStopToken(const StopToken* token);
  ~ScopedStopToken();
  ScopedStopToken(const ScopedStopToken&) = delete;
  ScopedStopToken& operator=(const ScopedStopToken&) = delete;

 private:
  const StopToken* previous_;
};

}  // namespace tessera::engine
