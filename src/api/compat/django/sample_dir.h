// The server-side sample images the Django pipeline's batch routes work on (the seed's
// static/images). Only regular files directly inside the directory, whose names end in .jpg,
// .jpeg, .png or .webp, are ever read: a name with a path separator, a dot-dot, a symbolic link
// or anything resolving outside the directory is refused.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/result.h"

namespace tessera::api::compat::django {

class SampleDir {
 public:
  explicit SampleDir(std::filesystem::path dir) : dir_(std::move(dir)) {}

  const std::filesystem::path& path() const { return dir_; }

  // The names of the sample images, sorted. Empty when the directory is missing.
  std::vector<std::string> List() const;

  // `count` names cycling through List() (the seed's `images[i % len(images)]`).
  std::vector<std::string> Cycle(size_t count) const;

  // The bytes of the sample `name`. kBadRequest for a name that is not a plain file name of an
  // image; kNotFound when it is not there.
  Result<std::vector<uint8_t>> Read(const std::string& name, uint64_t max_bytes = UINT64_MAX) const;

  // Size in bytes of the sample `name` (same errors as Read).
  Result<uint64_t> Size(const std::string& name) const;

 private:
  Result<std::filesystem::path> Resolve(const std::string& name) const;

  std::filesystem::path dir_;
};

}  // namespace tessera::api::compat::django
