// Clock: the source of time for leases, heartbeats, backoff, job deadlines and persisted
// timestamps. Code that decides those takes a Clock&, so tests can substitute ManualClock and
// step time by hand; only local measurements (durations of a request, a benchmark, a wait
// between polls) read std::chrono's clocks directly.
//
// Caveat: Redis ages stream leases (XAUTOCLAIM idle time) by its own clock, so a ManualClock
// cannot expire a lease held in Redis; see queue/task_queue.h.
#pragma once

#include <chrono>
#include <mutex>

namespace tessera {

using SystemTime = std::chrono::system_clock::time_point;
using MonotonicTime = std::chrono::steady_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time: persisted timestamps, not-before times, lease deadlines in records.
  virtual SystemTime Now() const = 0;
  // Never goes backwards: measuring durations and local timeouts.
  virtual MonotonicTime Monotonic() const = 0;
};

// The real clocks. Thread-safe; stateless.
class SystemClock final : public Clock {
 public:
  SystemTime Now() const override { return std::chrono::system_clock::now(); }
  MonotonicTime Monotonic() const override { return std::chrono::steady_clock::now(); }
  // A process-wide instance.
  static SystemClock& Get();
};

// A clock that moves only when told to. Thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(SystemTime start = SystemTime(std::chrono::seconds(1'700'000'000)))
      : now_(start) {}
  SystemTime Now() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return now_;
  }
  MonotonicTime Monotonic() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return MonotonicTime(now_.time_since_epoch());
  }
  void Advance(std::chrono::milliseconds by) {
    std::lock_guard<std::mutex> lock(mu_);
    now_ += by;
  }

 private:
  mutable std::mutex mu_;
  SystemTime now_;
};

// Milliseconds since the Unix epoch, the unit every persisted timestamp uses.
inline int64_t ToUnixMillis(SystemTime t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
inline SystemTime FromUnixMillis(int64_t ms) { return SystemTime(std::chrono::milliseconds(ms)); }

}  // namespace tessera
