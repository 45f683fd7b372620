// The JSON shape of a job as clients see it (CLI `tessera jobs`, and the HTTP API):
// {"id","state","pipeline","priority","attempts","progress":{"done","total"},
//  "output_format","error":{"code","message","field"}|null,"waiting_for":[...],
//  "created_at","updated_at","started_at","finished_at"} with RFC 3339 UTC timestamps
// (null when unset), and "detections" (engine/detect/detection_json.h) for a succeeded job whose
// pipeline finds objects.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "jobs/job_service.h"

namespace tessera::jobs {

std::string JobStatusToJson(const JobStatus& status, int indent = -1);
std::string JobRecordToJson(const queue::JobRecord& job, int indent = -1);
std::string JobPageToJson(const queue::JobPage& page, int indent = -1);

// {"queue":{"ready_high",...,"oldest_ready_age_ms"},"jobs":{"queued":n,...}} for stats views.
std::string QueueStatsToJson(const queue::QueueStats& stats,
                             const std::map<queue::JobState, int64_t>& jobs_by_state,
                             int indent = -1);

// [{"id","host","pid","capabilities","threads","started_at","last_heartbeat_at",
//   "tasks_succeeded","tasks_failed"}, ...]
std::string WorkersToJson(const std::vector<queue::WorkerInfo>& workers, int indent = -1);

// "2026-11-23T12:00:00.123Z".
std::string Rfc3339(SystemTime t);

}  // namespace tessera::jobs
