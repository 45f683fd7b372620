#include "queue/job_store.h"

namespace tessera::queue {

std::string_view JobStateName(JobState s) {
  switch (s) {
    case JobState::kQueued: return "queued";
    case JobState::kRunning: return "running";
    case JobState::kSucceeded: return "succeeded";
    case JobState::kFailedRetrying: return "failed_retrying";
    case JobState::kDead: return "dead";
    case JobState::kCancelled: return "cancelled";
  }
  return "queued";
}

std::optional<JobState> ParseJobState(std::string_view name) {
  for (JobState s : {JobState::kQueued, JobState::kRunning, JobState::kSucceeded,
                     JobState::kFailedRetrying, JobState::kDead, JobState::kCancelled}) {
    if (JobStateName(s) == name) return s;
  }
  return std::nullopt;
}

bool IsTerminal(JobState s) {
  return s == JobState::kSucceeded || s == JobState::kDead || s == JobState::kCancelled;
}

bool IsLegalTransition(JobState from, JobState to) {
  using S = JobState;
  switch (from) {
    case S::kQueued: return to == S::kRunning || to == S::kCancelled;
    case S::kRunning:
      return to == S::kRunning || to == S::kSucceeded || to == S::kFailedRetrying ||
             to == S::kDead || to == S::kCancelled;
    case S::kFailedRetrying:
      return to == S::kRunning || to == S::kDead || to == S::kCancelled || to == S::kQueued;
    case S::kDead:
    case S::kCancelled: return to == S::kQueued;
    case S::kSucceeded: return false;
  }
  return false;
}

}  // namespace tessera::queue
