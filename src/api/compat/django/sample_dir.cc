#include "api/compat/django/sample_dir.h"

#include <algorithm>
#include <cctype>

#include "core/file_io.h"

namespace tessera::api::compat::django {
namespace {

namespace fs = std::filesystem;

bool IsImageName(const std::string& name) {
  std::string ext = fs::path(name).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext == ".jpg" || ext == ".jpeg" || ext == ".png" || ext == ".webp";
}

}  // namespace

std::vector<std::string> SampleDir::List() const {
  std::vector<std::string> names;
  std::error_code ec;
  for (fs::directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (!IsImageName(name)) continue;
    if (it->is_symlink(ec) || !it->is_regular_file(ec)) continue;
    names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<std::string> SampleDir::Cycle(size_t count) const {
  const auto names = List();
  std::vector<std::string> out;
  if (names.empty()) return out;
  for (size_t i = 0; i < count; ++i) out.push_back(names[i % names.size()]);
  return out;
}

Result<fs::path> SampleDir::Resolve(const std::string& name) const {
  if (name.empty() || name == "." || name == ".." ||
      name.find_first_of("/\\") != std::string::npos || name.find('\0') != std::string::npos ||
      !IsImageName(name)) {
    return MakeError(ErrorCode::kBadRequest,
                     "'" + name.substr(0, 100) + "' is not an image name in the sample directory",
                     "images");
  }
  const fs::path p = dir_ / name;
  std::error_code ec;
  auto st = fs::symlink_status(p, ec);
  if (ec || !fs::is_regular_file(st)) {
    return MakeError(ErrorCode::kNotFound, "Image not found: " + name, "images");
  }
  return p;
}

Result<std::vector<uint8_t>> SampleDir::Read(const std::string& name, uint64_t max_bytes) const {
  auto p = Resolve(name);
  if (!p) return p.error();
  return ReadFile(*p, max_bytes);
}

Result<uint64_t> SampleDir::Size(const std::string& name) const {
  auto p = Resolve(name);
  if (!p) return p.error();
  std::error_code ec;
  auto size = fs::file_size(*p, ec);
  if (ec) return MakeError(ErrorCode::kIo, ec.message());
  return static_cast<uint64_t>(size);
}

}  // namespace tessera::api::compat::django
