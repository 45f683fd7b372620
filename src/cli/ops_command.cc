// tessera ops [--format text|json|markdown]: every operation with its parameters, types, ranges
// and defaults, read from the op declarations. The README's op table is the markdown output
// (scripts/check-readme-ops.sh keeps it so).
#include <cstdio>

#include "cli/commands.h"
#include "engine/op_registry.h"

namespace tessera::cli {

Command RegisterOpsCommand(CLI::App& app) {
  auto* cmd = app.add_subcommand("ops", "list every operation and its parameters");
  auto format = std::make_shared<std::string>("text");
  auto json = std::make_shared<bool>(false);
  cmd->add_option("--format", *format, "text, json or markdown (the README's op table)")
      ->check(CLI::IsMember({"text", "json", "markdown"}));
  cmd->add_flag("--json", *json, "the same as --format json");
  return {cmd, [format, json] {
            std::string out = *json || *format == "json" ? engine::OpsAsJson() + "\n"
                              : *format == "markdown"    ? engine::OpsAsMarkdown()
                                                         : engine::OpsAsText();
            std::fwrite(out.data(), 1, out.size(), stdout);
            return 0;
          }};
}

}  // namespace tessera::cli
