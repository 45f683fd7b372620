// The one place that turns a failed local file operation (an errno) into a tessera::Error.
//
// A disk that is full, over quota or mounted read-only is a condition an operator clears while
// clients wait: it is kUnavailable (HTTP 503 with Retry-After, retried by workers within their
// storage retry window). Every other errno is kIo.
#pragma once

#include <filesystem>
#include <string_view>

#include "core/error.h"

namespace tessera {

// True for ENOSPC, EDQUOT and EROFS.
bool IsStorageExhausted(int err);

// "<what> <path>: <strerror(err)>", with the code chosen as above.
Error FileError(std::string_view what, const std::filesystem::path& path, int err);

}  // namespace tessera
