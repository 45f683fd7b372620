#include "cli/input_walk.h"

#include <algorithm>
#include <system_error>

namespace tessera::cli {
namespace fs = std::filesystem;

Result<std::vector<InputFile>> CollectInputs(const std::vector<std::string>& args) {
  std::vector<InputFile> out;
  for (const std::string& arg : args) {
    fs::path root(arg);
    std::error_code ec;
    auto st = fs::status(root, ec);
    if (ec || !fs::exists(st)) {
      return MakeError(ErrorCode::kNotFound, "no such file or directory: " + arg, "input");
    }
    if (!fs::is_directory(st)) {
      out.push_back({root, root.filename()});
      continue;
    }
    std::vector<InputFile> found;
    fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec);
    if (ec) return MakeError(ErrorCode::kIo, "cannot read directory " + arg + ": " + ec.message());
    for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (ec) break;
      const fs::path& p = it->path();
      if (!p.filename().empty() && p.filename().string()[0] == '.') {
        if (it->is_directory()) it.disable_recursion_pending();
        continue;
      }
      if (it->is_regular_file()) found.push_back({p, fs::relative(p, root)});
    }
    std::sort(found.begin(), found.end(),
              [](const InputFile& a, const InputFile& b) { return a.path < b.path; });
    out.insert(out.end(), found.begin(), found.end());
  }
  return out;
}

fs::path OutputPathFor(const InputFile& input, const fs::path& out_dir,
                       std::string_view extension) {
  fs::path rel = input.relative;
  if (!extension.empty()) rel.replace_extension(std::string(".") + std::string(extension));
  return out_dir / rel;
}

}  // namespace tessera::cli
