#include "store/fs/fs_blob_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/atomic_file_writer.h"
#include "core/file_io.h"
#include "core/io_error.h"
#include "store/fs/fs_file_copy.h"

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

Status FsBlobStore::PutFile(std::string_view key, const fs::path& path) {
  auto target = PathFor(key);
  if (!target) return target.error();
  AtomicFileWriter writer;
  if (Status s = writer.Open(*target); !s) return s;
  if (Status s = CopyFileInto(path, writer); !s) return s;
  return writer.Commit();
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

Result<std::vector<uint8_t>> FsBlobStore::GetRange(std::string_view key, uint64_t offset,
                                                   uint64_t length) {
  auto path = PathFor(key);
  if (!path) return path.error();
  int fd = ::open(path->c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR || errno == EISDIR) {
      return MakeError(ErrorCode::kNotFound, "no object " + std::string(key), "key");
    }
    return MakeError(ErrorCode::kIo, "cannot open " + path->string() + ": " + std::strerror(errno));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return MakeError(ErrorCode::kNotFound, "no object " + std::string(key), "key");
  }
  const auto size = static_cast<uint64_t>(st.st_size);
  std::vector<uint8_t> out(offset >= size ? 0
                                          : static_cast<size_t>(std::min(length, size - offset)));
  size_t done = 0;
  while (done < out.size()) {
    ssize_t n =
        ::pread(fd, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return MakeError(ErrorCode::kIo, "cannot read " + path->string() + ": " + std::strerror(err));
    }
    if (n == 0) break;  // replaced by a shorter object while we read
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  out.resize(done);
  return out;
}

Status FsBlobStore::GetToFile(std::string_view key, const fs::path& path, uint64_t max_bytes) {
  auto source = PathFor(key);
  if (!source) return source.error();
  AtomicFileWriter writer;
  if (Status s = writer.Open(path); !s) return s;
  // The object is opened once: a concurrent Put renames a new file over it, and the open
  // descriptor keeps reading the old one whole.
  Status copied = CopyFileInto(*source, writer, max_bytes);
  if (!copied) {
    if (copied.error().code == ErrorCode::kNotFound) {
      return MakeError(ErrorCode::kNotFound, "no object " + std::string(key), "key");
    }
    return copied;
  }
  return writer.Commit();
}

Result<std::vector<std::string>> FsBlobStore::List(std::string_view prefix, size_t limit) {
  if (Status valid = ValidateBlobPrefix(prefix); !valid) return valid.error();
  // Walk only the deepest directory the prefix names whole ("inputs/a" -> root/inputs).
  const size_t slash = prefix.rfind('/');
  const std::string dir_part =
      slash == std::string_view::npos ? "" : std::string(prefix.substr(0, slash));
  const fs::path start = dir_part.empty() ? root_ : root_ / dir_part;
  std::vector<std::string> keys;
  std::error_code ec;
  if (!fs::is_directory(start, ec)) return keys;
  for (auto it = fs::recursive_directory_iterator(start, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    // Temporaries of unfinished Puts ("." + name + ".tmp-<random>") are not objects.
    if (!it->is_regular_file() || (name[0] == '.' && name.find(".tmp-") != std::string::npos)) {
      continue;
    }
    std::string key = it->path().lexically_relative(root_).generic_string();
    if (key.compare(0, prefix.size(), prefix) == 0 && ValidateBlobKey(key)) {
      keys.push_back(std::move(key));
    }
  }
  if (ec) return MakeError(ErrorCode::kIo, "cannot list " + start.string() + ": " + ec.message());
  std::sort(keys.begin(), keys.end());
  if (keys.size() > limit) keys.resize(limit);
  return keys;
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
    return FileError("cannot delete", *path, errno);
  }
  return OkStatus();
}

Status FsBlobStore::Ping() {
  if (::access(root_.c_str(), W_OK | X_OK) != 0) {
    return MakeError(ErrorCode::kUnavailable,
                     "blob root " + root_.string() + " is not writable: " + std::strerror(errno));
  }
  // A full disk refuses every upload: the node is not ready for them.
  struct statvfs vfs {};
  if (::statvfs(root_.c_str(), &vfs) == 0 && vfs.f_bavail == 0) {
    return FileError("blob root", root_, ENOSPC);
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
