#include "api/sync_processor.h"

#include <algorithm>

#include "api/metrics.h"
#include "engine/work_estimate.h"

namespace tessera::api {

using Clock = std::chrono::steady_clock;

SyncProcessor::SyncProcessor(SyncOptions options, ServiceMetrics* metrics)
    : options_(std::move(options)), metrics_(metrics), slots_(std::max(1, options_.slots)) {}

Result<SyncResult> SyncProcessor::Process(std::span<const uint8_t> image,
                                          std::string_view pipeline_text,
                                          Clock::time_point queued_at,
                                          const engine::StopToken* stop) {
  auto pipeline = engine::ParsePipeline(pipeline_text);
  if (!pipeline) return Unexpected(pipeline.error());
  if (auto ok = engine::CheckStepCount(*pipeline, options_.engine.limits); !ok) {
    return Unexpected(ok.error());
  }

  // Header checks come before the slot: a request that can never succeed does not wait.
  engine::Limits limits = options_.engine.limits;
  limits.max_pixels = std::min(limits.max_pixels, options_.max_pixels);
  auto info = engine::Probe(image, limits);
  if (!info) return Unexpected(info.error());
  if (const uint64_t pixels = static_cast<uint64_t>(info->width) * info->height;
      pixels > options_.max_pixels && options_.max_pixels < options_.engine.limits.max_pixels) {
    return Unexpected(MakeError(
        ErrorCode::kTooManyPixels,
        "the image is " + std::to_string(info->width) + "x" + std::to_string(info->height) + " (" +
            std::to_string(pixels) + " pixels); synchronous work is limited to " +
            std::to_string(options_.max_pixels) +
            " (--sync-max-pixels). Submit it as a job (POST /v1/jobs), "
            "limited to " +
            std::to_string(options_.engine.limits.max_pixels) + " (--max-pixels)",
        "image"));
  }
  if (auto ok = engine::CheckInputLimits(*info, limits); !ok) return Unexpected(ok.error());
  const engine::WorkEstimate work =
      engine::EstimateWork(*pipeline, *info, options_.engine.auto_orient);
  if (auto ok = engine::CheckWork(*pipeline, work, limits); !ok) return Unexpected(ok.error());
  if (work.total > options_.max_pipeline_work) {
    return Unexpected(MakeError(
        ErrorCode::kOverBudget,
        "the pipeline costs about " + engine::WorkText(work.total) +
            " work units on this image; a synchronous request may cost at most " +
            engine::WorkText(options_.max_pipeline_work) + ". Submit it as a job (POST /v1/jobs)" +
            ", which may cost up to " + engine::WorkText(limits.max_pipeline_work),
        "pipeline"));
  }

  const auto deadline = queued_at + options_.slot_wait;
  const auto now = Clock::now();
  const bool got = now < deadline ? slots_.try_acquire_until(deadline) : slots_.try_acquire();
  if (!got) {
    return Unexpected(
        MakeError(ErrorCode::kQueueFull, "no processing slot came free within " +
                                             std::to_string(options_.slot_wait.count()) +
                                             " ms; retry later"));
  }
  in_flight_.fetch_add(1, std::memory_order_relaxed);
  const auto started = Clock::now();
  engine::StopSource request_stop(SystemClock::Get(), stop);
  if (options_.deadline.count() > 0) {
    request_stop.SetDeadline(queued_at + options_.deadline,
                             MakeError(ErrorCode::kDeadlineExceeded,
                                       "the request did not finish within its deadline of " +
                                           std::to_string(options_.deadline.count()) +
                                           " ms; submit heavy pipelines as jobs (POST /v1/jobs)"));
  }
  engine::ProcessOptions engine_options = options_.engine;
  engine_options.limits = limits;
  engine_options.stop = &request_stop;
  auto result = engine::Process(image, *pipeline, engine_options);
  const auto finished = Clock::now();
  in_flight_.fetch_sub(1, std::memory_order_relaxed);
  slots_.release();
  if (!result) return Unexpected(result.error());

  SyncResult out;
  out.result = std::move(*result);
  out.queued = std::chrono::duration_cast<std::chrono::microseconds>(started - queued_at);
  out.elapsed = std::chrono::duration_cast<std::chrono::microseconds>(finished - started);
  if (metrics_ != nullptr) metrics_->RecordRun(*pipeline, out.result.stages, out.elapsed);
  return out;
}

}  // namespace tessera::api
