// Streaming copy of a local file into an AtomicFileWriter, in fixed-size pieces.
#pragma once

#include <cstdint>
#include <filesystem>

#include "core/atomic_file_writer.h"
#include "core/result.h"

namespace tessera::store {

// Copies `from` into `to` (already open). kNotFound if `from` does not exist; kTooLarge if it
// is larger than max_bytes (checked before copying); kIo otherwise.
Status CopyFileInto(const std::filesystem::path& from, AtomicFileWriter& to,
                    uint64_t max_bytes = UINT64_MAX);

}  // namespace tessera::store
