#include "worker/worker.h"

#include <unistd.h>

#include <random>

#include "core/log.h"
#include "jobs/task_payload.h"
#include "jobs/tiled_job.h"

namespace tessera::worker {
namespace {

std::string HostName() {
  char buf[256] = {0};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "localhost";
  return buf;
}

}  // namespace

std::string DefaultWorkerId() {
  static constexpr char kChars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::mt19937 rng(std::random_device{}());
  std::string suffix;
  for (int i = 0; i < 4; ++i) suffix += kChars[rng() % (sizeof kChars - 1)];
  return HostName() + "-" + std::to_string(::getpid()) + "-" + suffix;
}

Worker::Worker(queue::TaskQueue& queue, queue::JobStore& jobs, store::BlobStore& blobs,
               queue::WorkerRegistry& registry, const Clock& clock, WorkerOptions options)
    : queue_(queue),
      jobs_(jobs),
      blobs_(blobs),
      registry_(registry),
      clock_(clock),
      options_(std::move(options)),
      keeper_(queue, options_.lease, options_.lease / 3, &jobs, options_.cancel_poll),
      runner_(queue, jobs, blobs, keeper_, clock, options_.retry, options_.engine, options_.tiling,
              options_.job_deadline) {
  if (options_.id.empty()) options_.id = DefaultWorkerId();
  info_.id = options_.id;
  info_.host = HostName();
  info_.pid = ::getpid();
  info_.capabilities = options_.capabilities;
  info_.threads = options_.threads;
  info_.started = clock_.Now();
}

Worker::~Worker() {
  RequestStop();
  Wait(std::chrono::milliseconds(0));
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  if (housekeeping_.joinable()) housekeeping_.join();
}

void Worker::Start() {
  HeartbeatRegistration();
  Log(LogLevel::kInfo, "worker_started",
      {{"worker_id", options_.id}, {"threads", std::to_string(options_.threads)}});
  for (int i = 0; i < options_.threads; ++i) {
    ++running_threads_;
    threads_.emplace_back([this] {
      ClaimLoop();
      --running_threads_;
      stop_cv_.notify_all();
    });
  }
  housekeeping_ = std::thread([this] { Housekeeping(); });
}

void Worker::RequestStop() {
  stopping_ = true;
  stop_cv_.notify_all();
}

bool Worker::Wait(std::chrono::milliseconds deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  bool done = stop_cv_.wait_for(lock, deadline, [this] { return running_threads_ == 0; });
  if (done && !joined_) {
    joined_ = true;
    lock.unlock();
    for (auto& t : threads_) t.join();
    if (housekeeping_.joinable()) housekeeping_.join();
    (void)registry_.Deregister(options_.id);
    Log(LogLevel::kInfo, "worker_stopped", {{"worker_id", options_.id}});
  }
  return done;
}

void Worker::Wake() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++wakeups_;
  }
  stop_cv_.notify_all();
}

void Worker::ClaimLoop() {
  queue::WorkerIdentity me{options_.id, options_.capabilities};
  auto idle = options_.idle_poll_min;
  while (!stopping_) {
    // Read before claiming, so that a Wake() between an empty claim and the wait is not lost.
    const uint64_t seen = wakeups_.load();
    auto claimed = queue_.Claim(me, options_.lease);
    if (!claimed || !claimed->has_value()) {
      if (!claimed) {
        Log(LogLevel::kWarn, "claim_failed",
            {{"worker_id", options_.id}, {"error", claimed.error().ToString()}});
      }
      std::unique_lock<std::mutex> lock(mu_);
      const bool woken = stop_cv_.wait_for(
          lock, idle, [&] { return stopping_.load() || wakeups_.load() != seen; });
      idle = woken ? options_.idle_poll_min : std::min(idle * 2, options_.idle_poll_max);
      continue;
    }
    idle = options_.idle_poll_min;
    TaskOutcome outcome = runner_.Run(**claimed);
    switch (outcome) {
      case TaskOutcome::kSucceeded: ++counters_.succeeded; break;
      case TaskOutcome::kRetried:
      case TaskOutcome::kBuried: ++counters_.failed; break;
      default: ++counters_.abandoned; break;
    }
  }
}

void Worker::HeartbeatRegistration() {
  info_.tasks_succeeded = counters_.succeeded;
  info_.tasks_failed = counters_.failed;
  Status s = registry_.Heartbeat(info_, options_.heartbeat * 3);
  if (!s) {
    Log(LogLevel::kWarn, "heartbeat_failed",
        {{"worker_id", options_.id}, {"error", s.error().ToString()}});
  }
}

void Worker::ReconcileDeadTasks() {
  auto dead = queue_.ListDead(100);
  if (!dead) return;
  for (const auto& task : *dead) {
    auto job = jobs_.Get(task.spec.job_id);
    if (!job || queue::IsTerminal(job->state)) continue;
    queue::JobUpdate update;
    update.error = task.last_error;
    if (jobs_.Transition(task.spec.job_id, queue::JobState::kDead, update)) {
      Log(LogLevel::kWarn, "job_dead",
          {{"job_id", task.spec.job_id},
           {"error", task.last_error.ToString()},
           {"reason", "task buried"}});
    }
  }
}

void Worker::ExpireFinishedJobs() {
  if (options_.retention.count() <= 0) return;
  auto expired = jobs_.ExpireFinished(clock_.Now() - options_.retention, 200);
  if (!expired) {
    Log(LogLevel::kWarn, "expire_failed", {{"error", expired.error().ToString()}});
    return;
  }
  for (const auto& job : *expired) {
    // Objects named by reference belong to the client: only tessera's own keys are deleted.
    if (job.output_key == jobs::OutputKeyFor(job.id)) (void)blobs_.Delete(job.output_key);
    (void)blobs_.Delete(jobs::DetectionsKeyFor(job.id));
    if (job.input_key == jobs::InputKeyFor(job.id)) (void)blobs_.Delete(job.input_key);
    // Tiles left by a tiled job that died or was cancelled (a succeeded one deleted its own).
    if (job.tiles_total > 0) jobs::DeleteTiles(blobs_, job.id, job.tiles_total);
  }
  if (!expired->empty()) {
    Log(LogLevel::kInfo, "jobs_expired", {{"count", std::to_string(expired->size())}});
  }
}

void Worker::Housekeeping() {
  auto next_heartbeat = clock_.Monotonic() + options_.heartbeat;
  auto next_reclaim = clock_.Monotonic();
  auto next_expiry = clock_.Monotonic();
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_ || running_threads_ > 0) {
    stop_cv_.wait_for(lock, std::chrono::milliseconds(100));
    lock.unlock();
    auto now = clock_.Monotonic();
    if (now >= next_heartbeat) {
      HeartbeatRegistration();
      next_heartbeat = now + options_.heartbeat;
    }
    if (now >= next_reclaim && !stopping_) {
      auto reclaimed = queue_.ReclaimExpired(options_.retry.max_lease_expiries);
      if (reclaimed && *reclaimed > 0) {
        Log(LogLevel::kInfo, "leases_reclaimed", {{"count", std::to_string(*reclaimed)}});
      }
      ReconcileDeadTasks();
      next_reclaim = now + options_.reclaim_every;
    }
    if (now >= next_expiry && !stopping_) {
      ExpireFinishedJobs();
      next_expiry = now + options_.expire_every;
    }
    lock.lock();
  }
}

}  // namespace tessera::worker
