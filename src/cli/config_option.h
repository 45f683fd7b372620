// `--config FILE`: options from a TOML/INI file, a section per command. CLI11 reads the file on
// the top-level app only, so the option is registered there; these helpers let it also be
// written after the subcommand, and turn CLI11's config errors into messages that name the
// file and the key.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace tessera::cli {

// argv with every `--config FILE` and `--config=FILE` (before a `--`) moved right after the
// program name, in their order, the rest in theirs. The pointers are argv's own.
std::vector<char*> WithConfigFirst(int argc, char** argv);

// One line for a config-file error: the file, the key CLI11 could not place (an unknown
// command section or option) and where the allowed keys are listed.
std::string DescribeConfigError(const CLI::ConfigError& error, const CLI::App& app);

}  // namespace tessera::cli
