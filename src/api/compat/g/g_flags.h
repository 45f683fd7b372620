// The command line of the Redis-Streams tile-blur service ("g") that `tessera compat g`
// accepts unchanged: Go `flag` package syntax (-name=value, -name value, --name=value; parsing
// stops at the first non-flag argument or after "--"), g's flags and defaults, plus a few
// tessera settings for what g did not need to name (its blob store and tile size).
#pragma once

#include <string>
#include <vector>

#include "core/result.h"

namespace tessera::api::compat::g {

struct GFlags {
  // g's own flags, with g's defaults.
  std::string redis = "localhost:6379";  // host:port of the shared Redis
  std::string input = "/data/input";     // directory of *.png, *.jpg, *.jpeg
  std::string output = "/data/output";   // where img<N>_blurred.png are written
  int kernel = 15;                       // Gaussian kernel size (sigma = kernel / 3)
  int workers = 10;                      // worker threads per process
  std::string mode = "all";              // coordinator | worker | assembler | all
  std::string run;                       // run id: resubmitting a run reuses its jobs

  // tessera's additions. The store every role shares: inputs, tiles and results. Empty means
  // "<parent of -output>/.tessera-store" (g's processes share one volume, /data by default).
  std::string store;
  int tile_size = 256;  // g's tile size

  bool help = false;  // -h, -help: print Usage() and exit 0
};

// The usage text (flag list with defaults), as `-h` prints it.
std::string Usage();

// kBadRequest with Go's wording ("flag provided but not defined: -x", "invalid value \"q\" for
// flag -kernel: parse error", "flag needs an argument: -redis") and the flag as the field.
// Values are checked too (mode, kernel 1..101, workers >= 1, tile size >= 16).
Result<GFlags> ParseGFlags(const std::vector<std::string>& args);

// The store URL -store or the default names.
std::string StoreUrl(const GFlags& flags);

}  // namespace tessera::api::compat::g
