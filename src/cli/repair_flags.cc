#include "cli/repair_flags.h"

namespace tessera::cli {

void RepairFlags::Register(CLI::App& cmd) {
  cmd.add_option("--repair-every-ms", every_ms,
                 "how often jobs left queued without a task (recorded at least this long ago) "
                 "are enqueued again")
      ->envname("TESSERA_REPAIR_EVERY_MS")
      ->check(CLI::Range(int64_t{50}, int64_t{3'600'000}))
      ->capture_default_str();
}

}  // namespace tessera::cli
