// Turns `tessera process` arguments (files and directories) into a list of input files and
// maps each to its output path.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace tessera::cli {

struct InputFile {
  std::filesystem::path path;      // as found on disk
  std::filesystem::path relative;  // below the directory argument it came from, or its name
};

// Expands directories recursively (regular files only, hidden entries skipped, sorted so runs
// are reproducible). kNotFound for an argument that does not exist.
Result<std::vector<InputFile>> CollectInputs(const std::vector<std::string>& args);

// out_dir / relative, with the extension replaced by `extension` when it is not empty.
std::filesystem::path OutputPathFor(const InputFile& input, const std::filesystem::path& out_dir,
                                    std::string_view extension);

}  // namespace tessera::cli
