#include "jobs/job_json.h"

#include <ctime>
#include <nlohmann/json.hpp>

namespace tessera::jobs {
namespace {

using Json = nlohmann::ordered_json;

Json TimeOrNull(SystemTime t) {
  if (t == SystemTime{}) return nullptr;
  return Rfc3339(t);
}

Json RecordJson(const queue::JobRecord& job) {
  Json j;
  j["id"] = job.id;
  j["state"] = queue::JobStateName(job.state);
  j["pipeline"] = job.pipeline;
  j["priority"] = queue::PriorityName(job.priority);
  j["capabilities"] = job.capabilities;
  j["attempts"] = job.attempts;
  j["progress"] = {{"done", job.tiles_done}, {"total", job.tiles_total}};
  j["tiles"] = job.tiles;
  j["execution"] = job.execution;
  j["output_format"] = job.output_format.empty() ? Json(nullptr) : Json(job.output_format);
  if (!job.error) {
    j["error"] = nullptr;
  } else {
    j["error"] = {{"code", CodeName(job.error->code)},
                  {"message", job.error->message},
                  {"field", job.error->field.empty() ? Json(nullptr) : Json(job.error->field)}};
  }
  j["request_id"] = job.request_id;
  j["created_at"] = TimeOrNull(job.created);
  j["updated_at"] = TimeOrNull(job.updated);
  j["started_at"] = TimeOrNull(job.started);
  j["finished_at"] = TimeOrNull(job.finished);
  return j;
}

}  // namespace

std::string Rfc3339(SystemTime t) {
  int64_t ms = ToUnixMillis(t);
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[40];
  std::snprintf(out, sizeof out, "%s.%03dZ", buf, static_cast<int>(ms % 1000));
  return out;
}

std::string JobRecordToJson(const queue::JobRecord& job, int indent) {
  return RecordJson(job).dump(indent);
}

std::string JobStatusToJson(const JobStatus& status, int indent) {
  Json j = RecordJson(status.job);
  j["waiting_for"] = status.waiting_for;
  if (!status.detections_json.empty()) {
    j["detections"] = Json::parse(status.detections_json, nullptr, /*allow_exceptions=*/false);
  }
  return j.dump(indent);
}

std::string JobPageToJson(const queue::JobPage& page, int indent) {
  Json j;
  j["jobs"] = Json::array();
  for (const auto& job : page.jobs) j["jobs"].push_back(RecordJson(job));
  j["next_cursor"] = page.next_cursor.empty() ? Json(nullptr) : Json(page.next_cursor);
  return j.dump(indent);
}

std::string QueueStatsToJson(const queue::QueueStats& stats,
                             const std::map<queue::JobState, int64_t>& jobs_by_state, int indent) {
  Json j;
  j["queue"] = {{"ready_high", stats.ready_high},
                {"ready_normal", stats.ready_normal},
                {"ready_low", stats.ready_low},
                {"delayed", stats.delayed},
                {"leased", stats.leased},
                {"dead", stats.dead},
                {"oldest_ready_age_ms", stats.oldest_ready_age.count()}};
  Json by_state = Json::object();
  for (queue::JobState s :
       {queue::JobState::kQueued, queue::JobState::kRunning, queue::JobState::kSucceeded,
        queue::JobState::kFailedRetrying, queue::JobState::kDead, queue::JobState::kCancelled}) {
    auto it = jobs_by_state.find(s);
    by_state[std::string(queue::JobStateName(s))] = it == jobs_by_state.end() ? 0 : it->second;
  }
  j["jobs"] = by_state;
  return j.dump(indent);
}

std::string WorkersToJson(const std::vector<queue::WorkerInfo>& workers, int indent) {
  Json list = Json::array();
  for (const queue::WorkerInfo& w : workers) {
    list.push_back({{"id", w.id},
                    {"host", w.host},
                    {"pid", w.pid},
                    {"capabilities", w.capabilities},
                    {"threads", w.threads},
                    {"started_at", TimeOrNull(w.started)},
                    {"last_heartbeat_at", TimeOrNull(w.last_heartbeat)},
                    {"tasks_succeeded", w.tasks_succeeded},
                    {"tasks_failed", w.tasks_failed}});
  }
  return list.dump(indent);
}

}  // namespace tessera::jobs
