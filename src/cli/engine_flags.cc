#include "cli/commands.h"

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
  cmd.add_flag("--no-auto-orient", no_auto_orient, "ignore the EXIF orientation tag")
      ->envname("TESSERA_NO_AUTO_ORIENT");
}

engine::ProcessOptions EngineFlags::ToOptions() const {
  engine::ProcessOptions o;
  o.limits.max_input_bytes = max_input_bytes;
  o.limits.max_pixels = max_pixels;
  o.limits.max_output_pixels = max_output_pixels;
  o.auto_orient = !no_auto_orient;
  return o;
}

}  // namespace tessera::cli
