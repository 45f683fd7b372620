#include "core/io_error.h"

#include <cerrno>
#include <cstring>
#include <string>

namespace tessera {

bool IsStorageExhausted(int err) { return err == ENOSPC || err == EDQUOT || err == EROFS; }

Error FileError(std::string_view what, const std::filesystem::path& path, int err) {
  std::string message = std::string(what) + " " + path.string() + ": " + std::strerror(err);
  if (!IsStorageExhausted(err)) return MakeError(ErrorCode::kIo, std::move(message));
  return MakeError(ErrorCode::kUnavailable,
                   std::move(message) + " (storage is full or read-only; retry later)");
}

}  // namespace tessera
