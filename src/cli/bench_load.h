// `tessera bench --server URL`: a load generator against a running tessera (as tutti's upload
// simulator and ImageFlowCanvas's performance monitor were). Concurrent clients send a mix of
// valid images, oversized images (a header declaring 100000 x 100000 pixels) and files of the
// wrong type (text) to POST /v1/process or POST /v1/jobs, bounded by a request count and a
// duration, and the report gives the status-code mix, latency percentiles and throughput.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"

namespace tessera::cli {

struct LoadOptions {
  std::string server;             // http://host:port
  std::string route = "process";  // process | jobs
  std::string pipeline = "thumbnail:w=256";
  std::string api_key;  // sent as Authorization: Bearer when set
  int concurrency = 4;
  int64_t requests = 200;             // at most this many in all
  std::chrono::seconds duration{60};  // and for at most this long
  // Relative weights of the kinds of request.
  int valid = 8;
  int oversized = 1;
  int wrong_type = 1;
};

// Sends the load and prints the report to stdout. kBadRequest for a malformed server URL or
// option; the server's failures are counted, never errors of the run.
Status RunLoad(const LoadOptions& options, const std::vector<std::vector<uint8_t>>& images);

}  // namespace tessera::cli
