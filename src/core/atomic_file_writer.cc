#include "core/atomic_file_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>

#include "core/io_error.h"

namespace tessera {
namespace {

std::string RandomSuffix() {
  static thread_local std::mt19937_64 rng(std::random_device{}());
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(rng()));
  return buf;
}

}  // namespace

AtomicFileWriter::~AtomicFileWriter() { Discard(); }

void AtomicFileWriter::Discard() {
  if (fd_ < 0) return;
  ::close(fd_);
  fd_ = -1;
  ::unlink(tmp_.c_str());
}

Status AtomicFileWriter::Open(const std::filesystem::path& path) {
  Discard();
  path_ = path;
  std::filesystem::path dir = path.parent_path();
  if (dir.empty()) dir = ".";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return FileError("cannot create directory", dir, ec.value());
  tmp_ = dir / ("." + path.filename().string() + ".tmp-" + RandomSuffix());
  fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd_ < 0) return FileError("cannot create", tmp_, errno);
  size_ = 0;
  return OkStatus();
}

Status AtomicFileWriter::Write(std::span<const uint8_t> bytes) {
  if (fd_ < 0) return MakeError(ErrorCode::kInternal, "AtomicFileWriter::Write before Open");
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return FileError("cannot write", tmp_, errno);
    done += static_cast<size_t>(n);
  }
  size_ += bytes.size();
  return OkStatus();
}

Status AtomicFileWriter::Truncate() {
  if (fd_ < 0) return MakeError(ErrorCode::kInternal, "AtomicFileWriter::Truncate before Open");
  if (::ftruncate(fd_, 0) != 0 || ::lseek(fd_, 0, SEEK_SET) != 0) {
    return FileError("cannot truncate", tmp_, errno);
  }
  size_ = 0;
  return OkStatus();
}

Status AtomicFileWriter::Commit() {
  if (fd_ < 0) return MakeError(ErrorCode::kInternal, "AtomicFileWriter::Commit before Open");
  auto fail = [&](const std::string& what, int err) {
    Discard();
    return FileError(what, path_, err);
  };
  if (::fsync(fd_) != 0) return fail("cannot fsync", errno);
  int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) {
    int err = errno;
    ::unlink(tmp_.c_str());
    return FileError("cannot close", path_, err);
  }
  if (::rename(tmp_.c_str(), path_.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp_.c_str());
    return FileError("cannot rename onto", path_, err);
  }
  std::filesystem::path dir = path_.parent_path();
  if (dir.empty()) dir = ".";
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return OkStatus();
}

}  // namespace tessera
