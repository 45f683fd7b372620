// A batch's status in the seed's task vocabulary: pending (no image started), processing,
// completed (every image finished and at least one succeeded, as the seed's worker decided) or
// failed (every image failed), with its timestamps, result or failure analysis. A batch no live
// worker can run stays pending and says why.
#include <algorithm>
#include <cstdio>
#include <set>

#include "api/compat/django/filters.h"
#include "api/compat/django/routes.h"
#include "api/error_status.h"

namespace tessera::api::compat::django {
namespace {

using Json = nlohmann::json;

bool Set(SystemTime t) { return t.time_since_epoch().count() != 0; }

// Python's repr of a list of strings: ['a', 'b'].
std::string PyList(const std::vector<std::string>& items) {
  std::string s = "[";
  for (size_t i = 0; i < items.size(); ++i) s += (i ? ", '" : "'") + items[i] + "'";
  return s + "]";
}

// The seed's reading of an error message.
void Analyse(const std::string& error, Ordered& out) {
  std::string lower = error;
  std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
  out["failure_type"] = "job_failure";
  if (lower.find("cannot handle filters") != std::string::npos) {
    out["failure_reason"] = "worker_capability_mismatch";
    out["explanation"] = "Worker tomó task pero no puede manejar el filtro requerido";
  } else if (lower.find("connection") != std::string::npos ||
             lower.find("timeout") != std::string::npos) {
    out["failure_reason"] = "communication_error";
    out["explanation"] = "Error de comunicación con Redis o worker";
  } else {
    out["failure_reason"] = "processing_error";
    out["explanation"] = "Error durante el procesamiento de la imagen";
  }
}

}  // namespace

http::HttpResponse TaskStatus(const Context& ctx, const std::string& id, const Json& record) {
  const auto& api = ctx.api;
  const Json filters = record.value("filters", Json::array());
  const Json images = record.value("images", Json::array());
  std::vector<std::string> filter_names;
  for (const auto& f : filters) filter_names.push_back(f.get<std::string>());

  int total = 0, succeeded = 0, failed = 0, untouched = 0;
  SystemTime first_start{}, last_finish{};
  std::set<std::string> waiting_for;
  Ordered per_image = Ordered::array();
  std::vector<std::string> errors;
  for (size_t i = 0; i < record["jobs"].size(); ++i) {
    const std::string jid = record["jobs"][i].get<std::string>();
    const std::string path = i < images.size() ? images[i].get<std::string>() : "";
    ++total;
    auto st = api.jobs.Get(jid);
    if (!st) return Error(HttpStatusFor(st.error().code), st.error().message);
    const queue::JobRecord& job = st->job;
    waiting_for.insert(st->waiting_for.begin(), st->waiting_for.end());
    if (Set(job.started) && (!Set(first_start) || job.started < first_start)) {
      first_start = job.started;
    }
    if (Set(job.finished) && job.finished > last_finish) last_finish = job.finished;
    Ordered r;
    switch (job.state) {
      case queue::JobState::kSucceeded: {
        ++succeeded;
        double seconds = Set(job.started) && Set(job.finished)
                             ? std::chrono::duration<double>(job.finished - job.started).count()
                             : 0;
        r = {{"image_path", path},
             {"filters_applied", filters},
             {"job_id", jid},
             {"result_url", "/v1/jobs/" + jid + "/result"},
             {"processing_time", seconds}};
        break;
      }
      case queue::JobState::kDead:
      case queue::JobState::kCancelled: {
        ++failed;
        std::string why =
            job.error && !job.error->message.empty() ? job.error->message : "the job was cancelled";
        errors.push_back(why);
        r = {{"image_path", path}, {"job_id", jid}, {"error", why}};
        break;
      }
      case queue::JobState::kQueued:
        if (job.attempts == 0) ++untouched;
        r = {{"image_path", path}, {"job_id", jid}, {"state", "pending"}};
        break;
      default: r = {{"image_path", path}, {"job_id", jid}, {"state", "processing"}}; break;
    }
    per_image.push_back(std::move(r));
  }

  std::string status;
  if (succeeded + failed == total) {
    status = succeeded > 0 ? "completed" : "failed";
  } else if (untouched == total) {
    status = "pending";
  } else {
    status = "processing";
  }
  const bool finished = status == "completed" || status == "failed";
  const double created = record.value("created_at", 0.0);
  Ordered out = {{"task_id", id},
                 {"status", status},
                 {"created_at", created},
                 {"started_at", Set(first_start) ? Json(EpochSeconds(first_start)) : Json()},
                 {"completed_at", finished ? Json(EpochSeconds(last_finish)) : Json()}};
  if (finished) out["total_duration"] = EpochSeconds(last_finish) - created;

  std::string error;
  if (status == "completed") {
    double total_seconds = finished ? EpochSeconds(last_finish) - created : 0;
    out["result"] = {{"worker_id", nullptr},      {"worker_type", "tessera"},
                     {"results", per_image},      {"total_processing_time", total_seconds},
                     {"images_processed", total}, {"images_successful", succeeded},
                     {"images_failed", failed},   {"filters_applied", filters}};
  } else if (status == "failed") {
    error = "All " + std::to_string(total) + " images failed. Errors: " + PyList(errors);
    out["error"] = error;
    Analyse(error, out);
  } else if (status == "pending") {
    auto live = api.registry.ListLive();
    if (live && live->empty()) {
      out["explanation"] = "No workers available to process task";
    } else if (!waiting_for.empty()) {
      std::vector<std::string> names = FiltersOf({waiting_for.begin(), waiting_for.end()});
      std::vector<std::string> other;
      for (const auto& c : waiting_for) {
        if (c.rfind("filter.", 0) != 0) other.push_back(c);
      }
      out["explanation"] = "No live worker can handle filters: " + PyList(names) +
                           "; the task waits in the queue until one registers";
      names.insert(names.end(), other.begin(), other.end());
      out["waiting_for"] = names;
    }
  }
  if (status != "completed") out["images"] = per_image;

  const Json data = {{"filters", filters},
                     {"filter_params", record.value("filter_params", Json::object())},
                     {"images", images},
                     {"distributed", true}};
  auto raw_time = [](const Json& v) { return v.is_null() ? Json("None") : v; };
  Ordered raw = {{"id", id},
                 {"data", data.dump()},
                 {"status", status},
                 {"created_at", created},
                 {"worker_id", "None"},
                 {"started_at", raw_time(out["started_at"])},
                 {"completed_at", raw_time(out["completed_at"])}};
  if (status == "completed") raw["result"] = out["result"].dump();
  if (!error.empty()) raw["error"] = error;
  raw["job_ids"] = record["jobs"];
  raw["pipeline"] = record.value("pipeline", "");
  out["raw_task_data"] = raw;
  return JsonAnswer(200, out);
}

}  // namespace tessera::api::compat::django
