#include "store/fs/fs_blob_store.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/file_io.h"

namespace tessera::store {
namespace fs = std::filesystem;

FsBlobStore::FsBlobStore(fs::path root) : root_(std::move(root)) {
  std::error_code ec;
  fs::create_directories(root_, ec);
}

Result<fs::path> FsBlobStore::PathFor(std::string_view key) const {
  Status valid = ValidateBlobKey(key);
  if (!valid) return valid.error();
  // Object files never start with ".tmp-", so they cannot collide with temporaries.
  return root_ / fs::path(std::string(key));
}

Status FsBlobStore::Put(std::string_view key, std::span<const uint8_t> bytes) {
  auto path = PathFor(key);
  if (!path) return path.error();
  // WriteFileAtomically names its temporary "." + name + ".tmp-<random>" in the same directory.
  return WriteFileAtomically(*path, bytes);
}

Result<std::vector<uint8_t>> FsBlobStore::Get(std::string_view key, uint64_t max_bytes) {
  auto path = PathFor(key);
  if (!path) return path.error();
  auto bytes = ReadFile(*path, max_bytes);
  if (!bytes && bytes.error().code == ErrorCode::kNotFound) {
    return MakeError(ErrorCode::kNotFound, "no object " + std::string(key), "key");
  }
  return bytes;
}

Result<bool> FsBlobStore::Exists(std::string_view key) {
  auto path = PathFor(key);
  if (!path) return path.error();
  struct stat st {};
  if (::stat(path->c_str(), &st) == 0) return S_ISREG(st.st_mode);
  if (errno == ENOENT || errno == ENOTDIR) return false;
  return MakeError(ErrorCode::kIo, "cannot stat " + path->string() + ": " + std::strerror(errno));
}

Result<BlobInfo> FsBlobStore::Stat(std::string_view key) {
  auto path = PathFor(key);
  if (!path) return path.error();
  struct stat st {};
  if (::stat(path->c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
    if (errno == ENOENT || errno == ENOTDIR || errno == 0) {
      return MakeError(ErrorCode::kNotFound, "no object " + std::string(key), "key");
    }
    return MakeError(ErrorCode::kIo, "cannot stat " + path->string() + ": " + std::strerror(errno));
  }
  BlobInfo info;
  info.size = static_cast<uint64_t>(st.st_size);
  info.modified = SystemTime(std::chrono::seconds(st.st_mtim.tv_sec) +
                             std::chrono::duration_cast<SystemTime::duration>(
                                 std::chrono::nanoseconds(st.st_mtim.tv_nsec)));
  return info;
}

Status FsBlobStore::Delete(std::string_view key) {
  auto path = PathFor(key);
  if (!path) return path.error();
  if (::unlink(path->c_str()) != 0 && errno != ENOENT && errno != ENOTDIR) {
    return MakeError(ErrorCode::kIo,
                     "cannot delete " + path->string() + ": " + std::strerror(errno));
  }
  return OkStatus();
}

Status FsBlobStore::Ping() {
  if (::access(root_.c_str(), W_OK | X_OK) != 0) {
    return MakeError(ErrorCode::kUnavailable,
                     "blob root " + root_.string() + " is not writable: " + std::strerror(errno));
  }
  return OkStatus();
}

Result<int> FsBlobStore::RemoveStaleTemporaries(std::chrono::seconds age) {
  int removed = 0;
  std::error_code ec;
  auto cutoff = fs::file_time_type::clock::now() - age;
  for (auto it = fs::recursive_directory_iterator(root_, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (!it->is_regular_file() || name.empty() || name[0] != '.' ||
        name.find(".tmp-") == std::string::npos) {
      continue;
    }
    std::error_code tec;
    if (fs::last_write_time(it->path(), tec) < cutoff && !tec && fs::remove(it->path(), tec)) {
      ++removed;
    }
  }
  if (ec) return MakeError(ErrorCode::kIo, "cannot scan " + root_.string() + ": " + ec.message());
  return removed;
}

}  // namespace tessera::store
