#include "support/faulty_job_store.h"

namespace tessera::testing {

Result<queue::CreatedJob> FaultyJobStore::Create(const queue::JobRecord& job) {
  return ApplyFault<Result<queue::CreatedJob>>(plan_.OnCall("Create", job.id),
                                               [&] { return ForwardingJobStore::Create(job); });
}

Result<queue::JobRecord> FaultyJobStore::Get(std::string_view id) {
  return ApplyFault<Result<queue::JobRecord>>(plan_.OnCall("Get", id),
                                              [&] { return ForwardingJobStore::Get(id); });
}

Result<queue::JobRecord> FaultyJobStore::Transition(std::string_view id, queue::JobState to,
                                                    const queue::JobUpdate& update) {
  return ApplyFault<Result<queue::JobRecord>>(
      plan_.OnCall("Transition", queue::JobStateName(to)),
      [&] { return ForwardingJobStore::Transition(id, to, update); });
}

Status FaultyJobStore::SetProgress(std::string_view id, int64_t done, int64_t total) {
  return ApplyFault<Status>(plan_.OnCall("SetProgress", id),
                            [&] { return ForwardingJobStore::SetProgress(id, done, total); });
}

Result<queue::TileMark> FaultyJobStore::MarkTileDone(std::string_view id, int64_t tile) {
  return ApplyFault<Result<queue::TileMark>>(
      plan_.OnCall("MarkTileDone", id), [&] { return ForwardingJobStore::MarkTileDone(id, tile); });
}

Result<bool> FaultyJobStore::IsTileDone(std::string_view id, int64_t tile) {
  return ApplyFault<Result<bool>>(plan_.OnCall("IsTileDone", id),
                                  [&] { return ForwardingJobStore::IsTileDone(id, tile); });
}

Result<queue::JobPage> FaultyJobStore::List(std::optional<queue::JobState> state, size_t limit,
                                            std::string_view cursor) {
  return ApplyFault<Result<queue::JobPage>>(
      plan_.OnCall("List", state ? queue::JobStateName(*state) : std::string_view()),
      [&] { return ForwardingJobStore::List(state, limit, cursor); });
}

Result<std::vector<queue::JobRecord>> FaultyJobStore::ExpireFinished(SystemTime cutoff,
                                                                     size_t limit) {
  return ApplyFault<Result<std::vector<queue::JobRecord>>>(plan_.OnCall("ExpireFinished", ""), [&] {
    return ForwardingJobStore::ExpireFinished(cutoff, limit);
  });
}

Result<std::map<queue::JobState, int64_t>> FaultyJobStore::CountByState() {
  return ApplyFault<Result<std::map<queue::JobState, int64_t>>>(
      plan_.OnCall("CountByState", ""), [&] { return ForwardingJobStore::CountByState(); });
}

}  // namespace tessera::testing
