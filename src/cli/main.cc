// tessera: the image-processing service's single binary and its subcommands.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <functional>
#include <vector>

#include "cli/commands.h"
#include "cli/config_option.h"

namespace {

// README "Exit status": every usage error (an unknown or missing option, a value CLI11 cannot
// convert or validate, an unreadable --config) exits 2, whatever CLI11's own code for it.
constexpr int kUsageError = 2;

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"tessera: fast, fault-tolerant image processing"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "tessera 0.1.0");
  app.set_config("--config", "", "read options from this TOML/INI file", false);
  // Before the subcommands are registered: they inherit it.
  app.allow_config_extras(CLI::config_extras_mode::error);

  std::vector<tessera::cli::Command> commands = {
      tessera::cli::RegisterProcessCommand(app), tessera::cli::RegisterProbeCommand(app),
      tessera::cli::RegisterOpsCommand(app),     tessera::cli::RegisterWorkerCommand(app),
      tessera::cli::RegisterJobsCommand(app),    tessera::cli::RegisterServeCommand(app),
      tessera::cli::RegisterSubmitCommand(app),  tessera::cli::RegisterCompatCommand(app),
      tessera::cli::RegisterBenchCommand(app),
  };
  std::vector<char*> args = tessera::cli::WithConfigFirst(argc, argv);
  try {
    app.parse(static_cast<int>(args.size()) - 1, args.data());
  } catch (const CLI::ConfigError& e) {
    std::fprintf(stderr, "tessera: %s\n", tessera::cli::DescribeConfigError(e, app).c_str());
    return kUsageError;
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : kUsageError;
  }
  for (const auto& c : commands) {
    if (c.app->parsed()) return c.run();
  }
  std::fprintf(stderr, "tessera: no command given; see tessera --help\n");
  return kUsageError;
}
