// QueuedJobRepair: one background thread that runs JobService::RepairQueuedJobs at once and then
// every `every`, so that a job left queued without a task (a submitter that crashed between
// record and task, a Redis that lost the end of its append-only file) runs while the processes
// do, not only after the next start of a worker. Every `tessera serve`, `tessera worker` and
// `tessera compat g` process runs one; the repair is idempotent, so any number may run at once.
//
// A job is repaired once it has been recorded for at least `every` (the minimum age that keeps
// the repair from racing a submission in progress), so within about two intervals.
//
// Thread-safety: repaired() may be read from any thread. The destructor stops and joins the
// thread (waiting for a repair pass in progress).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "jobs/job_service.h"

namespace tessera::jobs {

class QueuedJobRepair {
 public:
  // REQUIRES: every > 0. `service` must outlive this object.
  QueuedJobRepair(JobService& service, std::chrono::milliseconds every);
  ~QueuedJobRepair();
  QueuedJobRepair(const QueuedJobRepair&) = delete;
  QueuedJobRepair& operator=(const QueuedJobRepair&) = delete;

  // Jobs this process has re-enqueued so far.
  int64_t repaired() const { return repaired_.load(); }

 private:
  void Run();

  JobService& service_;
  const std::chrono::milliseconds every_;
  std::atomic<int64_t> repaired_{0};
  std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace tessera::jobs
