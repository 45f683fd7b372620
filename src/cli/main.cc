// tessera: the image-processing service's single binary and its subcommands.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <functional>
#include <vector>

#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"tessera: fast, fault-tolerant image processing"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "tessera 0.1.0");
  app.set_config("--config", "", "read options from this TOML/INI file", false);

  std::vector<tessera::cli::Command> commands = {
      tessera::cli::RegisterProcessCommand(app), tessera::cli::RegisterProbeCommand(app),
      tessera::cli::RegisterOpsCommand(app),     tessera::cli::RegisterWorkerCommand(app),
      tessera::cli::RegisterJobsCommand(app),    tessera::cli::RegisterServeCommand(app),
      tessera::cli::RegisterSubmitCommand(app),  tessera::cli::RegisterCompatCommand(app),
      tessera::cli::RegisterBenchCommand(app),
  };
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  for (const auto& c : commands) {
    if (c.app->parsed()) return c.run();
  }
  std::fprintf(stderr, "tessera: no command given; see tessera --help\n");
  return 2;
}
