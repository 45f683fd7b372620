// RedisJobStore: JobStore on Redis (distributed mode). A hash per job, an idempotency-key
// string per key, and sorted-set indexes: every job and each state by id (score 0, ordered
// lexicographically, so a cursor (queue/list_cursor.h) names the last id returned) and terminal
// jobs by finish time (for ExpireFinished). Every write is one Lua script, so the record and its
// indexes change together; Transition checks IsLegalTransition inside its script (the table is
// generated from job_store.cc, so there is one source of truth). Records are encoded by
// queue/job_record_fields.h. Key schema: docs/ARCHITECTURE.md.
#pragma once

#include <memory>
#include <string>

#include "core/clock.h"
#include "queue/job_store.h"
#include "queue/redis/redis_client.h"

namespace tessera::queue {

class RedisJobStore final : public JobStore {
 public:
  RedisJobStore(std::shared_ptr<RedisClient> client, const Clock& clock,
                std::string key_prefix = "tessera:");

  Result<CreatedJob> Create(const JobRecord& job) override;
  Result<JobRecord> Get(std::string_view id) override;
  Result<JobRecord> Transition(std::string_view id, JobState to, const JobUpdate& update) override;
  Status SetProgress(std::string_view id, int64_t done, int64_t total) override;
  Result<TileMark> MarkTileDone(std::string_view id, int64_t tile) override;
  Result<bool> IsTileDone(std::string_view id, int64_t tile) override;
  Result<JobPage> List(std::optional<JobState> state, size_t limit,
                       std::string_view cursor) override;
  Result<std::vector<JobRecord>> ExpireFinished(SystemTime cutoff, size_t limit) override;
  Result<std::map<JobState, int64_t>> CountByState() override;

 private:
  // Runs a script with ARGV = key prefix, now (injected Clock, Unix ms) (lua/job_store/
  // prelude.lua), then `args`, the script's own ARGV[3...].
  Result<std::vector<RedisReply>> Run(const RedisScript& script, std::vector<std::string> args,
                                      RedisRetry retry);

  std::shared_ptr<RedisClient> client_;
  const Clock& clock_;
  const std::string prefix_;
};

}  // namespace tessera::queue
