// TuttiWorkers: the tutti upload service's fixed pool of image workers. An upload is answered
// 200 as soon as an idle worker takes it; the worker then rescales and stores it while the
// client has moved on. A worker takes one image at a time, so at most `workers` images are
// processed at once and nothing waits in a queue: an upload that finds no idle worker before
// its deadline is refused (tutti's 429), never buffered.
//
// What a worker does with an image (tutti's Rescale):
// - header width at most 1920 px: the uploaded bytes are stored unchanged;
// - wider: nearest-neighbour down to 1920 px wide, height truncated (H * 1920 / W), EXIF
//   orientation ignored, re-encoded as JPEG quality 75;
// - stored as "<id>.jpeg" by the sink; a failure (undecodable image, over the pixel limits,
//   write error) is logged as tutti_job_failed and nothing is stored, as in tutti.
//
// With a spool directory, an upload is written there (durably) before Offer returns true and
// removed once its image is stored or has failed, and Recover() hands whatever a crash left
// there to the workers again: an upload answered 200 is never lost (tutti held it in memory
// only). Without one, a crash loses the images taken but not yet stored, as tutti did.
//
// Thread-safety: Offer may be called from any number of threads; Drain once, from one thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "core/result.h"
#include "engine/engine.h"

namespace tessera::api {
class ServiceMetrics;
}

namespace tessera::api::compat::tutti {

// Writes a finished image; `id` is the upload's image id.
using TuttiSink = std::function<Status(const std::string& id, std::span<const uint8_t> jpeg)>;

struct TuttiWorkerOptions {
  int workers = 1;                              // N_WORKERS; images processed at once
  std::chrono::milliseconds handoff_wait{100};  // tutti's "max idle time"
  engine::ProcessOptions engine;                // input and output limits
  std::filesystem::path spool;                  // accepted, not yet stored; empty: none
};

class TuttiWorkers {
 public:
  // Starts the worker threads. With `metrics` (may be null), each rescale is recorded there
  // per op and stage (ServiceMetrics::RecordRun).
  TuttiWorkers(TuttiWorkerOptions options, TuttiSink sink, ServiceMetrics* metrics);
  ~TuttiWorkers();  // stops taking images and waits for the taken ones
  TuttiWorkers(const TuttiWorkers&) = delete;
  TuttiWorkers& operator=(const TuttiWorkers&) = delete;

  // Hands `image` to an idle worker, waiting until `deadline` at most for one to become idle.
  // True once a worker has taken it (and it is in the spool); false when none was idle in time,
  // the pool is draining, or the spool could not be written (kept in `spool_error`).
  bool Offer(std::string id, std::vector<uint8_t> image,
             std::chrono::steady_clock::time_point deadline, Error* spool_error = nullptr);

  // Hands every image found in the spool to the workers, waiting for idle ones. Returns how
  // many; kIo if the spool cannot be read.
  Result<int> Recover();

  // Stops taking images and waits up to `grace` for the taken ones to be stored. False if
  // some were still running at the deadline.
  bool Drain(std::chrono::milliseconds grace);

  const TuttiWorkerOptions& options() const { return options_; }

 private:
  struct Job {
    std::string id;
    std::vector<uint8_t> image;
  };
  void Run();
  void Handle(const Job& job);  // Store, then clear the spool entry unless the write failed
  // False when the image could not be written (it stays in the spool); true when it was
  // stored or can never be (logged).
  bool Store(const Job& job);

  const TuttiWorkerOptions options_;
  const TuttiSink sink_;
  ServiceMetrics* const metrics_;
  std::mutex mu_;
  std::condition_variable idle_cv_;  // a worker became idle
  std::condition_variable job_cv_;   // a job was handed over, or draining began
  std::deque<Job> jobs_;             // handed over, not yet picked up (at most the idle count)
  int idle_ = 0;                     // workers waiting for a job, minus jobs_ handed to them
  int reserved_ = 0;                 // idle workers an Offer holds while it writes the spool
  int running_ = 0;                  // worker threads alive
  bool draining_ = false;
  std::condition_variable exited_cv_;
  std::vector<std::thread> threads_;
};

// The pipeline for an image of `width` x `height` wider than 1920 px (see the class comment).
std::string TuttiRescalePipeline(int width, int height);

}  // namespace tessera::api::compat::tutti
