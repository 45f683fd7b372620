// FaultyJobStore: a JobStore over a real one whose calls a FaultPlan (fault_plan.h) may make
// fail, lose their reply or apply twice: "the record is written but the reply is lost", "the
// move to succeeded fails once". Every call is recorded in the plan.
//
// Method names are the interface's. Subjects: Transition, the target state's name
// ("succeeded"; JobStateName), so a rule picks a step of the state machine; List, the state's
// name (empty for all states); Create, Get, SetProgress, MarkTileDone and IsTileDone, the job
// id; ExpireFinished and CountByState, empty.
//
// Thread-safety: as the target's. The target and the plan must outlive the wrapper.
#pragma once

#include "support/fault_plan.h"
#include "support/forwarding_job_store.h"

namespace tessera::testing {

class FaultyJobStore : public ForwardingJobStore {
 public:
  FaultyJobStore(queue::JobStore& target, FaultPlan& plan)
      : ForwardingJobStore(target), plan_(plan) {}

  FaultPlan& plan() const { return plan_; }

  Result<queue::CreatedJob> Create(const queue::JobRecord& job) override;
  Result<queue::JobRecord> Get(std::string_view id) override;
  Result<queue::JobRecord> Transition(std::string_view id, queue::JobState to,
                                      const queue::JobUpdate& update) override;
  Status SetProgress(std::string_view id, int64_t done, int64_t total) override;
  Result<queue::TileMark> MarkTileDone(std::string_view id, int64_t tile) override;
  Result<bool> IsTileDone(std::string_view id, int64_t tile) override;
  Result<queue::JobPage> List(std::optional<queue::JobState> state, size_t limit,
                              std::string_view cursor) override;
  Result<std::vector<queue::JobRecord>> ExpireFinished(SystemTime cutoff, size_t limit) override;
  Result<std::map<queue::JobState, int64_t>> CountByState() override;

 private:
  FaultPlan& plan_;
};

}  // namespace tessera::testing
