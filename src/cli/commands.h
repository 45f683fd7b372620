// The `tessera` subcommands. Each registers its flags on the CLI11 app and returns the exit
// status when run. cli/ is the only layer that wires implementations together.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

#include "engine/engine.h"
#include "engine/tiling/tiled_process.h"

namespace tessera::cli {

// Flags shared by every command that runs the engine.
struct EngineFlags {
  uint64_t max_input_bytes = engine::Limits{}.max_input_bytes;
  uint64_t max_pixels = engine::Limits{}.max_pixels;
  uint64_t max_output_pixels = engine::Limits{}.max_output_pixels;
  int max_steps = engine::Limits{}.max_steps;
  double max_step_work = engine::Limits{}.max_step_work;
  double max_pipeline_work = engine::Limits{}.max_pipeline_work;
  bool no_auto_orient = false;
  std::string fail_on{engine::FailOnName(engine::Limits{}.fail_on)};
  std::string models_dir;  // detection models searched here first; empty: opencv-data only

  void Register(CLI::App& cmd);
  engine::ProcessOptions ToOptions() const;
  // Tells the detectors where models are (engine/detect/model_registry.h). kNotFound when
  // --models-dir is given but is not a directory.
  Status ConfigureModels() const;
};

// Flags that choose whether and how a pipeline's local part runs in tiles.
struct TilingFlags {
  std::string tiles = "auto";  // auto | on | off
  int tile_size = 0;           // 0: automatic (engine::TileSizeFor)
  uint64_t tile_threshold = engine::TilingOptions{}.auto_threshold_pixels;

  // `with_mode` false: only size and threshold (a worker takes the mode from each job).
  void Register(CLI::App& cmd, bool with_mode = true);
  engine::TilingOptions ToOptions() const;  // threads left at 1
};

// A registered subcommand and the function that runs it once parsing succeeded.
struct Command {
  CLI::App* app = nullptr;
  std::function<int()> run;
};

Command RegisterProcessCommand(CLI::App& app);
Command RegisterProbeCommand(CLI::App& app);
Command RegisterOpsCommand(CLI::App& app);
Command RegisterWorkerCommand(CLI::App& app);
Command RegisterJobsCommand(CLI::App& app);
Command RegisterServeCommand(CLI::App& app);
Command RegisterSubmitCommand(CLI::App& app);
Command RegisterCompatCommand(CLI::App& app);
Command RegisterBenchCommand(CLI::App& app);

}  // namespace tessera::cli
