// Runs one filter chain over sample images in one of the execution modes the Django pipeline's
// Day-2 routes compare, and measures it: one thread (sequential), N threads in this process
// (threading), or tessera's job queue and its worker processes (multiprocessing). Every time is
// measured on a monotonic clock around real engine work.
//
// Thread-safety: the functions may run concurrently; each blocks its caller until done.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "api/compat/django/filters.h"
#include "api/compat/django/sample_dir.h"
#include "engine/engine.h"
#include "jobs/job_service.h"

namespace tessera::api::compat::django {

struct ImageRun {
  std::string name;
  bool ok = false;
  std::string error;   // when !ok
  double seconds = 0;  // this image, read to encoded output (queue mode: submit to finish)
  uint64_t file_size = 0;
};

struct BatchRun {
  std::vector<ImageRun> images;
  double seconds = 0;   // the whole batch, wall clock
  int parallelism = 1;  // threads, or live worker threads for the queue

  int successes() const;
};

// One image after another on the calling thread.
BatchRun RunSequential(const SampleDir& dir, const std::vector<std::string>& names,
                       const FilterChain& chain, const engine::ProcessOptions& options);

// `threads` threads in this process taking the images in turn.
BatchRun RunThreaded(const SampleDir& dir, const std::vector<std::string>& names,
                     const FilterChain& chain, const engine::ProcessOptions& options, int threads);

// One durable job per image on tessera's queue, run by its worker processes (or the pool
// embedded in `tessera serve`); waits until all finish or `timeout` passes, then cancels the
// ones left (reported as failed). `parallelism` is the live workers' thread count.
BatchRun RunOnQueue(const SampleDir& dir, const std::vector<std::string>& names,
                    const FilterChain& chain, jobs::JobService& jobs,
                    queue::WorkerRegistry& registry, std::chrono::milliseconds timeout);

}  // namespace tessera::api::compat::django
