// AtomicFileWriter: writes a file piece by piece so that its final path holds either the old
// content or all of the new content, never a part, even across a crash.
//
// The bytes go to a temporary file in the target's directory ("." + name + ".tmp-<random>");
// Commit fsyncs it, renames it over the target and fsyncs the directory. A writer destroyed
// without Commit removes its temporary. Not thread-safe: one writer per thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>

#include "core/result.h"

namespace tessera {

class AtomicFileWriter {
 public:
  AtomicFileWriter() = default;
  ~AtomicFileWriter();
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;

  // Creates the temporary beside `path` (and missing parent directories). kIo on failure.
  Status Open(const std::filesystem::path& path);
  // Appends to the temporary.
  Status Write(std::span<const uint8_t> bytes);
  // Empties the temporary (to start the content again, e.g. after a failed download).
  Status Truncate();
  // Bytes written since Open or the last Truncate.
  uint64_t size() const { return size_; }
  // fsync, rename over the target, fsync of the directory. The writer is spent afterwards.
  Status Commit();

 private:
  void Discard();

  std::filesystem::path path_, tmp_;
  int fd_ = -1;
  uint64_t size_ = 0;
};

}  // namespace tessera
