#include "api/compat/tutti/tutti_workers.h"

#include "api/metrics.h"
#include "core/file_io.h"
#include "core/log.h"
#include "engine/pipeline.h"

namespace tessera::api::compat::tutti {

using SteadyClock = std::chrono::steady_clock;

namespace {
constexpr int kMaxWidth = 1920;
}

std::string TuttiRescalePipeline(int width, int height) {
  // tutti computes the height in float64 and truncates it.
  const double scale = static_cast<double>(kMaxWidth) / static_cast<double>(width);
  const int target_height = static_cast<int>(static_cast<double>(height) * scale);
  return "resize:w=" + std::to_string(kMaxWidth) + ",h=" + std::to_string(target_height) +
         ",fit=fill,kernel=nearest;format:type=jpeg,q=75";
}

TuttiWorkers::TuttiWorkers(TuttiWorkerOptions options, TuttiSink sink, ServiceMetrics* metrics)
    : options_(std::move(options)), sink_(std::move(sink)), metrics_(metrics) {
  const int n = std::max(1, options_.workers);
  running_ = n;
  threads_.reserve(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) threads_.emplace_back([this] { Run(); });
}

TuttiWorkers::~TuttiWorkers() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    draining_ = true;
  }
  job_cv_.notify_all();
  idle_cv_.notify_all();
  for (auto& t : threads_) t.join();
}

bool TuttiWorkers::Offer(std::string id, std::vector<uint8_t> image,
                         SteadyClock::time_point deadline, Error* spool_error) {
  {
    std::unique_lock<std::mutex> lock(mu_);
    if (!idle_cv_.wait_until(lock, deadline, [this] { return idle_ > 0 || draining_; }) ||
        draining_) {
      return false;
    }
    --idle_;  // that worker now waits for this image only
    ++reserved_;
  }
  if (!options_.spool.empty()) {
    if (auto put = WriteFileAtomically(options_.spool / (id + ".jpeg"), image); !put) {
      Log(LogLevel::kWarn, "tutti_spool_failed",
          {{"image", id}, {"error", put.error().ToString()}});
      if (spool_error != nullptr) *spool_error = put.error();
      std::lock_guard<std::mutex> lock(mu_);
      ++idle_;
      --reserved_;
      idle_cv_.notify_one();
      job_cv_.notify_all();
      return false;
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  --reserved_;
  jobs_.push_back({std::move(id), std::move(image)});
  job_cv_.notify_one();
  return true;
}

Result<int> TuttiWorkers::Recover() {
  if (options_.spool.empty()) return 0;
  std::error_code ec;
  std::filesystem::create_directories(options_.spool, ec);
  std::vector<std::filesystem::path> found;
  for (auto it = std::filesystem::directory_iterator(options_.spool, ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    if (it->path().extension() == ".jpeg") found.push_back(it->path());
  }
  if (ec) {
    return Unexpected(MakeError(ErrorCode::kIo, "cannot read the tutti spool " +
                                                    options_.spool.string() + ": " + ec.message()));
  }
  int handed = 0;
  for (const auto& path : found) {
    auto bytes = ReadFile(path);
    if (!bytes) return Unexpected(bytes.error());
    std::unique_lock<std::mutex> lock(mu_);
    idle_cv_.wait(lock, [this] { return idle_ > 0 || draining_; });
    if (draining_) break;
    --idle_;
    jobs_.push_back({path.stem().string(), std::move(*bytes)});
    job_cv_.notify_one();
    ++handed;
  }
  return handed;
}

void TuttiWorkers::Run() {
  for (;;) {
    Job job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      ++idle_;
      idle_cv_.notify_one();
      // A draining worker still waits for an image handed over but not yet pushed.
      job_cv_.wait(lock, [this] { return !jobs_.empty() || (draining_ && reserved_ == 0); });
      if (jobs_.empty()) {
        --idle_;
        break;
      }
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    Handle(job);
  }
  std::lock_guard<std::mutex> lock(mu_);
  --running_;
  exited_cv_.notify_all();
}

void TuttiWorkers::Handle(const Job& job) {
  if (!Store(job) || options_.spool.empty()) return;
  std::error_code ec;
  std::filesystem::remove(options_.spool / (job.id + ".jpeg"), ec);
}

bool TuttiWorkers::Store(const Job& job) {
  const auto started = SteadyClock::now();
  auto fail = [&job](const Error& e) {
    Log(LogLevel::kWarn, "tutti_job_failed", {{"image", job.id}, {"reason", e.ToString()}});
    return true;
  };
  auto info = engine::Probe(job.image, options_.engine.limits);
  if (!info) return fail(info.error());
  std::span<const uint8_t> out = job.image;
  engine::ProcessResult rescaled;
  if (info->width > kMaxWidth) {
    if (auto ok = engine::CheckInputLimits(*info, options_.engine.limits); !ok) {
      return fail(ok.error());
    }
    auto pipeline = engine::ParsePipeline(TuttiRescalePipeline(info->width, info->height));
    if (!pipeline) return fail(pipeline.error());
    engine::ProcessOptions engine_options = options_.engine;
    engine_options.auto_orient = false;  // tutti reads the stored pixel grid as is
    // tutti's workers are a pool of their own (an upload is answered before it is processed),
    // not SyncProcessor's slots, so they record their runs as SyncProcessor does.
    const auto engine_started = SteadyClock::now();
    auto result = engine::Process(job.image, *pipeline, engine_options);
    if (!result) return fail(result.error());
    if (metrics_ != nullptr) {
      metrics_->RecordRun(*pipeline, result->stages,
                          std::chrono::duration_cast<std::chrono::microseconds>(SteadyClock::now() -
                                                                                engine_started));
    }
    rescaled = std::move(*result);
    out = rescaled.bytes;
  }
  if (auto put = sink_(job.id, out); !put) {
    // The image is fine; keep it in the spool for the next start.
    fail(put.error());
    return false;
  }
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - started);
  Log(LogLevel::kInfo, "tutti_job_finished",
      {{"image", job.id},
       {"n_bytes", std::to_string(job.image.size())},
       {"output_n_bytes", std::to_string(out.size())},
       {"duration_ms", std::to_string(ms.count())}});
  return true;
}

bool TuttiWorkers::Drain(std::chrono::milliseconds grace) {
  std::unique_lock<std::mutex> lock(mu_);
  draining_ = true;
  job_cv_.notify_all();
  idle_cv_.notify_all();
  return exited_cv_.wait_for(lock, grace, [this] { return running_ == 0 && jobs_.empty(); });
}

}  // namespace tessera::api::compat::tutti
