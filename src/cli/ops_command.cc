// tessera ops [--json]: every operation with its parameters, types, ranges and defaults.
#include <cstdio>

#include "cli/commands.h"
#include "engine/op_registry.h"

namespace tessera::cli {

Command RegisterOpsCommand(CLI::App& app) {
  auto* cmd = app.add_subcommand("ops", "list every operation and its parameters");
  auto json = std::make_shared<bool>(false);
  cmd->add_flag("--json", *json, "print JSON instead of text");
  return {cmd, [json] {
            std::string out = *json ? engine::OpsAsJson() + "\n" : engine::OpsAsText();
            std::fwrite(out.data(), 1, out.size(), stdout);
            return 0;
          }};
}

}  // namespace tessera::cli
