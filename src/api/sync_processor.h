// SyncProcessor: runs a pipeline on an uploaded image while the client waits, through a bounded
// number of slots. Shared by every front end that answers with the image itself (HTTP
// /v1/process, gRPC Process, the compatibility adapters), so they apply one set of limits and
// one backpressure rule.
//
// A request that finds no free slot within `slot_wait` fails with kQueueFull (HTTP 429 with
// Retry-After): a busy server says so quickly instead of queueing work it cannot start. The
// time a request spent queued before reaching Process() counts against that wait (`queued_at`).
//
// Bounded work: a pipeline whose estimated work (engine/work_estimate.h) is over the engine's
// limits, or over the smaller synchronous budget `max_pipeline_work`, is refused with
// kOverBudget before it takes a slot; the message points to jobs (POST /v1/jobs), which have
// the engine's larger limits. A request that takes a slot runs under a deadline (`deadline`
// from `queued_at`: kDeadlineExceeded) and under the caller's StopToken (the client went away:
// kCancelled); either stops the engine at its next step, region or band of rows and frees the
// slot at once.
//
// Thread-safety: Process() is called concurrently from blocking-work threads, never from an
// I/O thread (it runs the engine on the calling thread).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <semaphore>
#include <span>
#include <string_view>

#include "core/result.h"
#include "engine/engine.h"

namespace tessera::api {

struct SyncOptions {
  int slots = 2;                             // images processed at once
  std::chrono::milliseconds slot_wait{100};  // longest wait for a slot before 429
  uint64_t max_pixels = 40'000'000;          // input pixel limit for synchronous work
  // Work budget of one synchronous pipeline, in work units (engine/work_estimate.h; at most
  // about 3 s of one core), below the engine's own limits, which jobs get.
  double max_pipeline_work = 1'000;
  // From `queued_at` to the end of the engine's run (0: none). A backstop for work the
  // estimate misjudged; the budget above keeps most requests far below it.
  std::chrono::milliseconds deadline{10'000};
  engine::ProcessOptions engine;  // byte, output and work limits, auto-orient
};

struct SyncResult {
  engine::ProcessResult result;
  std::chrono::microseconds queued{0};   // waiting for a slot
  std::chrono::microseconds elapsed{0};  // in the engine
};

class ServiceMetrics;

class SyncProcessor {
 public:
  // With `metrics`, every image it finishes is recorded there (ServiceMetrics::RecordRun: per
  // op and per stage), whichever front end asked: this is the one place that records them.
  explicit SyncProcessor(SyncOptions options, ServiceMetrics* metrics = nullptr);

  // Parses `pipeline` (text or JSON; kBadPipeline naming the step/field), checks the header
  // against the synchronous limits (kUnsupportedMedia, kCorruptImage, kTooLarge,
  // kTooManyPixels) and the work estimate against the work limits (kOverBudget) before taking
  // a slot, then runs the engine. kQueueFull when no slot came free within slot_wait measured
  // from `queued_at`; kDeadlineExceeded when the run passed `deadline` from `queued_at`;
  // `stop`'s Reason() (kCancelled) when `stop` (the caller's: client gone) was stopped.
  Result<SyncResult> Process(
      std::span<const uint8_t> image, std::string_view pipeline,
      std::chrono::steady_clock::time_point queued_at = std::chrono::steady_clock::now(),
      const engine::StopToken* stop = nullptr);

  const SyncOptions& options() const { return options_; }
  int in_flight() const { return in_flight_.load(std::memory_order_relaxed); }

 private:
  const SyncOptions options_;
  ServiceMetrics* const metrics_;
  std::counting_semaphore<> slots_;
  std::atomic<int> in_flight_{0};
};

}  // namespace tessera::api
