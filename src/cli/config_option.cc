#include "cli/config_option.h"

#include <string_view>

namespace tessera::cli {
namespace {

constexpr std::string_view kConfigFlag = "--config";
// CLI11's text for a key no command or option takes (CLI::ConfigError::Extras).
constexpr std::string_view kUnknownKeyPrefix = "INI was not able to parse ";

std::string ConfigFileOf(const CLI::App& app) {
  const CLI::Option* option = app.get_config_ptr();
  if (option == nullptr || option->count() == 0) return "the config file";
  return option->results().back();
}

}  // namespace

std::vector<char*> WithConfigFirst(int argc, char** argv) {
  std::vector<char*> config, rest;
  bool options_ended = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--") options_ended = true;
    if (!options_ended && arg == kConfigFlag && i + 1 < argc) {
      config.push_back(argv[i]);
      config.push_back(argv[++i]);
    } else if (!options_ended && arg.starts_with(std::string(kConfigFlag) + "=")) {
      config.push_back(argv[i]);
    } else {
      rest.push_back(argv[i]);
    }
  }
  std::vector<char*> out;
  out.push_back(argv[0]);
  out.insert(out.end(), config.begin(), config.end());
  out.insert(out.end(), rest.begin(), rest.end());
  out.push_back(nullptr);
  return out;
}

std::string DescribeConfigError(const CLI::ConfigError& error, const CLI::App& app) {
  std::string_view what = error.what();
  const std::string file = ConfigFileOf(app);
  if (!what.starts_with(kUnknownKeyPrefix)) return "--config " + file + ": " + std::string(what);
  std::string_view key = what.substr(kUnknownKeyPrefix.size());
  // CLI11 marks where a [section] opens and closes with the keys "++" and "--".
  for (std::string_view marker : {".++", ".--"}) {
    if (key.ends_with(marker)) {
      key.remove_suffix(marker.size());
      return "--config " + file + ": unknown section [" + std::string(key) +
             "]: no such command (sections are command names, such as [process] or [serve])";
    }
  }
  return "--config " + file + ": unknown key '" + std::string(key) +
         "': not an option of that command (keys are the long option names of `tessera "
         "<command> --help`, under a [command] section)";
}

}  // namespace tessera::cli
