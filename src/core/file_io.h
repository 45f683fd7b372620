// Whole-file reads and crash-safe writes for local files.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <vector>

#include "core/result.h"

namespace tessera {

// Reads the whole file. kNotFound if it does not exist, kIo on other failures, kTooLarge if it
// is bigger than max_bytes (checked from its size before reading).
Result<std::vector<uint8_t>> ReadFile(const std::filesystem::path& path,
                                      uint64_t max_bytes = UINT64_MAX);

// Writes `bytes` so that `path` either keeps its old content or has all of the new content,
// even across a crash: a temporary file in the same directory, fsync, rename, fsync of the
// directory. Creates missing parent directories. kIo on failure (the temporary is removed).
Status WriteFileAtomically(const std::filesystem::path& path, std::span<const uint8_t> bytes);

}  // namespace tessera
