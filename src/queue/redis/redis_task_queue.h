// RedisTaskQueue: TaskQueue on Redis Streams (distributed mode). The key schema and the scripts
// are described in docs/ARCHITECTURE.md ("Redis key schema (distributed mode)").
//
// Design in brief:
// - One stream per (priority, capability set), `{prefix}q:{0|1|2}:{caps JSON}`, each with the
//   consumer group "tessera"; `{prefix}capsets` lists the capability sets seen. A task is ready
//   while its entry is in a stream and not yet delivered, leased while the entry is in the
//   group's pending-entries list (PEL). The PEL is the only in-flight index.
// - Every delivery is a fresh stream entry: Retry, lease expiry and Requeue XACK+XDEL the old
//   entry and XADD a new one. The entry id therefore identifies one delivery and is the lease
//   token; every fenced script checks the task hash (state, entry, consumer) and that the entry
//   is pending for that consumer in the PEL. No stream is ever trimmed with MAXLEN: entries are
//   XDELed when they leave, so a stream holds exactly its ready and leased tasks.
// - Lease deadlines live in the PEL itself: a claim sets the entry's idle time to
//   kMaxLease - lease (XCLAIM ... IDLE), so an entry is expired exactly when its idle time, aged
//   by Redis's own clock, reaches kMaxLease, and ReclaimExpired is XAUTOCLAIM with min-idle
//   kMaxLease. ExtendLease re-sets the idle time the same way.
// - not_before and retry backoff use the injected Clock: scripts receive now-ms as an argument
//   and promote due tasks from the `{prefix}delayed` sorted set.
//
// Needs a single Redis node (or a prefix that is a hash tag, such as "{tessera}:", on a
// cluster): scripts touch keys they derive from task ids.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.h"
#include "queue/redis/redis_client.h"
#include "queue/task_queue.h"

namespace tessera::queue {

struct RedisTaskQueueOptions {
  std::string key_prefix = "tessera:";
  // How long an acked or cancelled task's record is kept, so that enqueueing its id again is a
  // no-op (TaskQueue::Enqueue's retention window).
  std::chrono::milliseconds done_retention = std::chrono::hours(24 * 7);
};

class RedisTaskQueue final : public TaskQueue {
 public:
  // The longest lease Claim and ExtendLease accept.
  static constexpr std::chrono::milliseconds kMaxLease = std::chrono::hours(24 * 30);

  RedisTaskQueue(std::shared_ptr<RedisClient> client, const Clock& clock,
                 RedisTaskQueueOptions options = {});

  Status Enqueue(const TaskSpec& task) override;
  Result<bool> Knows(std::string_view task_id) override;
  Result<std::optional<ClaimedTask>> Claim(const WorkerIdentity& worker,
                                           std::chrono::milliseconds lease) override;
  Status ExtendLease(const ClaimedTask& task, std::chrono::milliseconds lease) override;
  Status Ack(const ClaimedTask& task) override;
  Status Retry(const ClaimedTask& task, SystemTime not_before, const Error& error) override;
  Status Bury(const ClaimedTask& task, const Error& error) override;
  Result<int> ReclaimExpired(int max_lease_expiries) override;
  Status Cancel(std::string_view task_id) override;
  Status Requeue(std::string_view task_id) override;
  Result<std::vector<DeadTask>> ListDead(size_t limit) override;
  Result<QueueStats> Stats() override;
  Status Ping() override;

 private:
  // The stream keys of every known capability set, grouped by priority (high first), keeping
  // only the sets `worker_caps` covers when it is given. counts[p] = streams of priority p.
  struct StreamKeys {
    std::vector<std::string> keys;
    int counts[3] = {0, 0, 0};
  };
  Result<StreamKeys> KnownStreams(const std::vector<std::string>* worker_caps);

  // ARGV[1..3] every script expects (lua/task_queue/prelude.lua): key prefix, now (injected
  // Clock, Unix ms), retention ms.
  std::vector<std::string> CommonArgs() const;
  // Runs a script with CommonArgs() followed by `own_args`, the script's ARGV[4...].
  Result<std::vector<RedisReply>> Run(const RedisScript& script,
                                      const std::vector<std::string>& keys,
                                      std::vector<std::string> own_args, RedisRetry retry);
  // A fenced script (extend_lease, ack, retry, bury): never retried, its payload dropped.
  Status RunFenced(const RedisScript& script, std::vector<std::string> own_args);

  std::shared_ptr<RedisClient> client_;
  const Clock& clock_;
  const RedisTaskQueueOptions options_;
};

}  // namespace tessera::queue
