// The arguments of a "process" task as they travel through the queue (JSON), and the blob
// keys a job uses. Keys are deterministic, so a task that runs twice writes the same bytes to
// the same key.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace tessera::jobs {

inline constexpr std::string_view kProcessTaskKind = "process";

struct ProcessTaskPayload {
  std::string pipeline;  // canonical text
  std::string input_key;
  std::string output_key;

  std::string ToJson() const;
  static Result<ProcessTaskPayload> FromJson(std::string_view json);
};

std::string InputKeyFor(std::string_view job_id);   // "inputs/<id>"
std::string OutputKeyFor(std::string_view job_id);  // "results/<id>"

}  // namespace tessera::jobs
