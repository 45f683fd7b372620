// The ways `tessera bench` runs one batch of images, each measured the same way: in this
// process sequentially, on N threads, or tiled across N threads; or as durable jobs run by N
// `tessera worker` processes through the embedded SQLite queue or through Redis. These are the
// comparisons the replaced systems were built to show (the Django pipeline's sequential /
// threading / multiprocessing / distributed, the Redis tile blur's sequential against
// tile-parallel).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "engine/engine.h"

namespace tessera::cli {

inline constexpr std::array<std::string_view, 5> kBenchModes = {"sequential", "threads", "tiled",
                                                                "processes", "redis"};

struct BenchImage {
  std::string path;
  std::vector<uint8_t> bytes;
  double megapixels = 0;  // from the header, as displayed
};

struct BenchConfig {
  std::vector<BenchImage> images;
  std::string pipeline;
  int parallel = 2;               // threads, tile threads, worker processes
  engine::ProcessOptions engine;  // limits as for `tessera process`
  std::string redis_url;          // the Redis the "redis" mode uses (its jobs stay there)
  std::string work_dir;           // scratch space for the queue modes' state
};

struct ModeRun {
  double wall_seconds = 0;  // first image started to last image finished
  // CPU time (user + system) of that span in this process, plus the whole lives of the worker
  // processes of the queue modes (their start-up included).
  double cpu_seconds = 0;
  int images = 0;
  int failed = 0;
  std::string first_error;  // of the first failed image, for the report
};

// Reads `paths` (files; directories are searched) into memory with their sizes from the
// header. kNotFound for a missing path, the probe's error for an unreadable image.
Result<std::vector<BenchImage>> LoadBenchImages(const std::vector<std::string>& paths,
                                                const engine::Limits& limits);

// Runs `mode` (one of kBenchModes) once over config.images. kBadRequest for an unknown mode
// or "redis" without a URL; kUnavailable when the workers do not come up.
Result<ModeRun> RunBenchMode(std::string_view mode, const BenchConfig& config);

}  // namespace tessera::cli
