#include "api/compat/g/g_flags.h"

#include <charconv>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>

namespace tessera::api::compat::g {
namespace {

struct FlagDef {
  std::string usage;
  std::function<bool(GFlags&, const std::string&)> set;  // false: the value does not parse
  std::function<std::string(const GFlags&)> default_text;
};

bool ParseInt(const std::string& text, int& out) {
  int v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) return false;
  out = v;
  return true;
}

const std::map<std::string, FlagDef>& Flags() {
  static const auto* flags = new std::map<std::string, FlagDef>{
      {"redis",
       {"Redis address", [](GFlags& f, const std::string& v) { return f.redis = v, true; },
        [](const GFlags& f) { return "\"" + f.redis + "\""; }}},
      {"input",
       {"Input directory", [](GFlags& f, const std::string& v) { return f.input = v, true; },
        [](const GFlags& f) { return "\"" + f.input + "\""; }}},
      {"output",
       {"Output directory", [](GFlags& f, const std::string& v) { return f.output = v, true; },
        [](const GFlags& f) { return "\"" + f.output + "\""; }}},
      {"kernel",
       {"Gaussian kernel size",
        [](GFlags& f, const std::string& v) { return ParseInt(v, f.kernel); },
        [](const GFlags& f) { return std::to_string(f.kernel); }}},
      {"workers",
       {"Number of worker threads",
        [](GFlags& f, const std::string& v) { return ParseInt(v, f.workers); },
        [](const GFlags& f) { return std::to_string(f.workers); }}},
      {"mode",
       {"Mode: coordinator, worker, assembler, or all",
        [](GFlags& f, const std::string& v) { return f.mode = v, true; },
        [](const GFlags& f) { return "\"" + f.mode + "\""; }}},
      {"run",
       {"Run ID: a coordinator run again with the same ID reuses the run's jobs",
        [](GFlags& f, const std::string& v) { return f.run = v, true; },
        [](const GFlags&) { return std::string(); }}},
      {"store",
       {"tessera blob store shared by every role (file:///dir or s3://bucket/prefix; default "
        "<parent of -output>/.tessera-store; env TESSERA_STORE)",
        [](GFlags& f, const std::string& v) { return f.store = v, true; },
        [](const GFlags&) { return std::string(); }}},
      {"tile-size",
       {"tile size in pixels",
        [](GFlags& f, const std::string& v) { return ParseInt(v, f.tile_size); },
        [](const GFlags& f) { return std::to_string(f.tile_size); }}},
  };
  return *flags;
}

Error FlagError(const std::string& message, const std::string& flag) {
  return MakeError(ErrorCode::kBadRequest, message, flag);
}

Status CheckValues(const GFlags& f) {
  if (f.mode != "coordinator" && f.mode != "worker" && f.mode != "assembler" && f.mode != "all") {
    return FlagError("Invalid mode: " + f.mode + ". Use coordinator, worker, assembler, or all",
                     "mode");
  }
  if (f.kernel < 1 || f.kernel > 101) {
    return FlagError(
        "invalid value \"" + std::to_string(f.kernel) + "\" for flag -kernel: expected 1 to 101",
        "kernel");
  }
  if (f.workers < 1) {
    return FlagError("invalid value \"" + std::to_string(f.workers) +
                         "\" for flag -workers: expected at least 1",
                     "workers");
  }
  if (f.tile_size < 16) {
    return FlagError("invalid value \"" + std::to_string(f.tile_size) +
                         "\" for flag -tile-size: expected at least 16",
                     "tile-size");
  }
  return OkStatus();
}

}  // namespace

std::string Usage() {
  std::string out = "Usage of tessera compat g:\n";
  for (const auto& [name, def] : Flags()) {
    out += "  -" + name + "\n    \t" + def.usage;
    std::string d = def.default_text(GFlags{});
    if (!d.empty() && d != "\"\"") out += " (default " + d + ")";
    out += "\n";
  }
  return out;
}

Result<GFlags> ParseGFlags(const std::vector<std::string>& args) {
  GFlags flags;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg.size() < 2 || arg[0] != '-') break;  // first non-flag argument
    size_t dashes = arg[1] == '-' ? 2 : 1;
    if (dashes == 2 && arg.size() == 2) break;  // "--" ends the flags
    std::string name = arg.substr(dashes);
    if (name.empty() || name[0] == '-' || name[0] == '=') {
      return FlagError("bad flag syntax: " + arg, "");
    }
    std::optional<std::string> value;
    if (size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
    }
    if (name == "h" || name == "help") {
      flags.help = true;
      return flags;
    }
    auto it = Flags().find(name);
    if (it == Flags().end()) return FlagError("flag provided but not defined: -" + name, name);
    if (!value) {
      if (i + 1 >= args.size()) return FlagError("flag needs an argument: -" + name, name);
      value = args[++i];
    }
    if (!it->second.set(flags, *value)) {
      return FlagError("invalid value \"" + *value + "\" for flag -" + name + ": parse error",
                       name);
    }
  }
  if (auto s = CheckValues(flags); !s) return s.error();
  return flags;
}

std::string StoreUrl(const GFlags& flags) {
  if (!flags.store.empty()) return flags.store;
  std::filesystem::path output = std::filesystem::absolute(flags.output).lexically_normal();
  if (!output.has_filename()) output = output.parent_path();  // a trailing '/'
  return "file://" + (output.parent_path() / ".tessera-store").string();
}

}  // namespace tessera::api::compat::g
