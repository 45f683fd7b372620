// Progress of a batch on stderr: a live bar with rate and ETA on a terminal, and one plain
// summary line otherwise. Thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>

namespace tessera::cli {

class Progress {
 public:
  Progress(size_t total, bool interactive);

  // Records one finished item.
  void Done(bool ok);
  // Prints the final summary line.
  void Finish();

  size_t failed() const;

 private:
  void DrawLocked(bool force);

  mutable std::mutex mu_;
  const size_t total_;
  const bool interactive_;
  size_t done_ = 0;
  size_t failed_ = 0;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

}  // namespace tessera::cli
