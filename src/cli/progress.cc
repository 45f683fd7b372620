#include "cli/progress.h"

#include <cstdio>
#include <string>

namespace tessera::cli {

Progress::Progress(size_t total, bool interactive)
    : total_(total), interactive_(interactive), start_(std::chrono::steady_clock::now()) {}

void Progress::Done(bool ok) {
  std::lock_guard<std::mutex> lock(mu_);
  ++done_;
  if (!ok) ++failed_;
  if (interactive_) DrawLocked(false);
}

size_t Progress::failed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return failed_;
}

void Progress::DrawLocked(bool force) {
  auto now = std::chrono::steady_clock::now();
  if (!force && now - last_draw_ < std::chrono::milliseconds(100) && done_ != total_) return;
  last_draw_ = now;
  double secs = std::chrono::duration<double>(now - start_).count();
  double rate = secs > 0 ? done_ / secs : 0;
  double eta = rate > 0 ? (total_ - done_) / rate : 0;
  constexpr int kWidth = 30;
  int filled = total_ ? static_cast<int>(kWidth * done_ / total_) : kWidth;
  std::string bar(filled, '=');
  bar.resize(kWidth, ' ');
  std::fprintf(stderr, "\r[%s] %zu/%zu  %.1f img/s  ETA %.0fs  %zu failed ", bar.c_str(), done_,
               total_, rate, eta, failed_);
  std::fflush(stderr);
}

void Progress::Finish() {
  std::lock_guard<std::mutex> lock(mu_);
  if (interactive_) {
    DrawLocked(true);
    std::fprintf(stderr, "\n");
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  std::fprintf(stderr, "processed %zu images (%zu failed) in %.2f s, %.1f images/s\n", done_,
               failed_, secs, secs > 0 ? done_ / secs : 0.0);
}

}  // namespace tessera::cli
