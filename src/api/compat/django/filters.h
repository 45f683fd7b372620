// The Django pipeline's filter names (resize, blur, brightness, sharpen, edges) and what they
// become in tessera: one pipeline step each, and one worker capability each, so that a worker
// started with WORKER_CAPABILITIES=resize,blur only leases batches it can run.
#pragma once

#include <array>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace tessera::api::compat::django {

inline constexpr std::array<std::string_view, 5> kFilterNames = {"resize", "blur", "brightness",
                                                                 "sharpen", "edges"};

// The worker capability that runs `filter` ("filter.sharpen").
std::string CapabilityFor(std::string_view filter);

// A worker's capabilities for the value of WORKER_CAPABILITIES: unset, empty or "all" gives all
// five filters, else the comma-separated names that are filters (others are ignored).
std::vector<std::string> WorkerFilterCapabilities(const char* env_value);

// The filter names among a worker's capabilities, in kFilterNames order.
std::vector<std::string> FiltersOf(const std::vector<std::string>& capabilities);

struct FilterChain {
  std::vector<std::string> filters;       // as the client named them
  std::string pipeline;                   // tessera pipeline text
  std::vector<std::string> capabilities;  // one per distinct filter
};

// The pipeline for `filters` with `params` (an object keyed by filter name; unknown keys are
// ignored). The Day-2 names heavy_sharpen and edge_detection are taken as sharpen and edges.
// kBadRequest naming an unknown filter or a value out of the step's range.
Result<FilterChain> ChainFor(const std::vector<std::string>& filters, const nlohmann::json& params);

}  // namespace tessera::api::compat::django
