#include "cli/commands.h"
#include "engine/detect/model_registry.h"

namespace tessera::cli {

void EngineFlags::Register(CLI::App& cmd) {
  cmd.add_option("--max-input-bytes", max_input_bytes, "refuse inputs larger than this")
      ->envname("TESSERA_MAX_INPUT_BYTES")
      ->capture_default_str();
  cmd.add_option("--max-pixels", max_pixels,
                 "refuse inputs whose header declares more pixels than this")
      ->envname("TESSERA_MAX_PIXELS")
      ->capture_default_str();
  cmd.add_option("--max-output-pixels", max_output_pixels,
                 "refuse pipelines whose result (or any step) exceeds this many pixels")
      ->envname("TESSERA_MAX_OUTPUT_PIXELS")
      ->capture_default_str();
  cmd.add_option("--fail-on", fail_on,
                 "refuse damaged input: none (decode what is there), truncated (cut files), "
                 "error (also decoder errors), warning (also decoder warnings)")
      ->envname("TESSERA_FAIL_ON")
      ->check(CLI::IsMember({"none", "truncated", "error", "warning"}))
      ->capture_default_str();
  cmd.add_option("--max-steps", max_steps, "refuse pipelines with more steps than this")
      ->envname("TESSERA_MAX_STEPS")
      ->check(CLI::Range(1, 10'000))
      ->capture_default_str();
  cmd.add_option("--max-step-work", max_step_work,
                 "refuse pipelines with a step estimated to cost more work units than this (a "
                 "work unit is a million sample reads, about 1/300 s of a core)")
      ->envname("TESSERA_MAX_STEP_WORK")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd.add_option("--max-pipeline-work", max_pipeline_work,
                 "refuse pipelines estimated to cost more work units than this in all")
      ->envname("TESSERA_MAX_PIPELINE_WORK")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd.add_flag("--no-auto-orient", no_auto_orient, "ignore the EXIF orientation tag")
      ->envname("TESSERA_NO_AUTO_ORIENT");
  cmd.add_option("--models-dir", models_dir,
                 "directory of detection models (cascade XML files, YOLO manifests), searched "
                 "before opencv-data's cascades")
      ->envname("TESSERA_MODELS_DIR");
}

Status EngineFlags::ConfigureModels() const {
  engine::detect::ModelsConfig config;
  config.models_dir = models_dir;
  return engine::detect::ConfigureModels(config);
}

engine::ProcessOptions EngineFlags::ToOptions() const {
  engine::ProcessOptions o;
  o.limits.max_input_bytes = max_input_bytes;
  o.limits.max_pixels = max_pixels;
  o.limits.max_output_pixels = max_output_pixels;
  o.limits.fail_on = engine::ParseFailOn(fail_on).value_or(engine::FailOn::kError);
  o.limits.max_steps = max_steps;
  o.limits.max_step_work = max_step_work;
  o.limits.max_pipeline_work = max_pipeline_work;
  o.auto_orient = !no_auto_orient;
  return o;
}

void TilingFlags::Register(CLI::App& cmd, bool with_mode) {
  if (with_mode) {
    cmd.add_option("--tiles", tiles,
                   "process the pipeline's local part (blur, sharpen, edges, colour) in tiles: "
                   "auto (above --tile-threshold pixels), on, off")
        ->envname("TESSERA_TILES")
        ->check(CLI::IsMember({"auto", "on", "off"}))
        ->capture_default_str();
  }
  cmd.add_option("--tile-size", tile_size,
                 "tile edge in pixels; 0: automatic (1024, or 512 for images over 16384 px wide)")
      ->envname("TESSERA_TILE_SIZE")
      ->check(CLI::Range(0, 65536))
      ->capture_default_str();
  cmd.add_option("--tile-threshold", tile_threshold,
                 "with --tiles=auto, tile images with more pixels than this")
      ->envname("TESSERA_TILE_THRESHOLD")
      ->capture_default_str();
}

engine::TilingOptions TilingFlags::ToOptions() const {
  engine::TilingOptions o;
  o.mode = engine::ParseTileMode(tiles).value_or(engine::TileMode::kAuto);
  o.tile_size = tile_size;
  o.auto_threshold_pixels = tile_threshold;
  return o;
}

}  // namespace tessera::cli
