#include "jobs/queued_job_repair.h"

#include "core/log.h"

namespace tessera::jobs {

QueuedJobRepair::QueuedJobRepair(JobService& service, std::chrono::milliseconds every)
    : service_(service), every_(every), thread_([this] { Run(); }) {}

QueuedJobRepair::~QueuedJobRepair() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void QueuedJobRepair::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    lock.unlock();
    auto repaired = service_.RepairQueuedJobs(every_);
    if (repaired) {
      repaired_ += *repaired;
    } else {
      Log(LogLevel::kWarn, "repair_failed", {{"error", repaired.error().ToString()}});
    }
    lock.lock();
    wake_.wait_for(lock, every_, [this] { return stop_; });
  }
}

}  // namespace tessera::jobs
