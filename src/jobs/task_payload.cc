#include "jobs/task_payload.h"

#include <nlohmann/json.hpp>

namespace tessera::jobs {

std::string ProcessTaskPayload::ToJson() const {
  nlohmann::ordered_json j;
  j["pipeline"] = pipeline;
  j["input_key"] = input_key;
  j["output_key"] = output_key;
  return j.dump();
}

Result<ProcessTaskPayload> ProcessTaskPayload::FromJson(std::string_view json) {
  auto j = nlohmann::json::parse(json.begin(), json.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("pipeline") || !j["pipeline"].is_string() ||
      !j.contains("input_key") || !j["input_key"].is_string() || !j.contains("output_key") ||
      !j["output_key"].is_string()) {
    return MakeError(ErrorCode::kBadRequest, "malformed process task payload", "payload");
  }
  return ProcessTaskPayload{j["pipeline"].get<std::string>(), j["input_key"].get<std::string>(),
                            j["output_key"].get<std::string>()};
}

std::string InputKeyFor(std::string_view job_id) { return "inputs/" + std::string(job_id); }
std::string OutputKeyFor(std::string_view job_id) { return "results/" + std::string(job_id); }

}  // namespace tessera::jobs
