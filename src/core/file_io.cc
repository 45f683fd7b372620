#include "core/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>
#include <system_error>

namespace tessera {
namespace {

Error IoError(const std::string& what, const std::filesystem::path& path, int err) {
  return MakeError(ErrorCode::kIo, what + " " + path.string() + ": " + std::strerror(err));
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int Close() { return ::close(std::exchange(fd_, -1)); }

 private:
  int fd_;
};

std::string RandomSuffix() {
  static thread_local std::mt19937_64 rng(std::random_device{}());
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(rng()));
  return buf;
}

}  // namespace

Result<std::vector<uint8_t>> ReadFile(const std::filesystem::path& path, uint64_t max_bytes) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) {
      return MakeError(ErrorCode::kNotFound, "no such file: " + path.string());
    }
    return IoError("cannot open", path, errno);
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return IoError("cannot stat", path, errno);
  if (S_ISDIR(st.st_mode)) return IoError("cannot read", path, EISDIR);
  if (static_cast<uint64_t>(st.st_size) > max_bytes) {
    return MakeError(ErrorCode::kTooLarge, path.string() + " is " + std::to_string(st.st_size) +
                                               " bytes; the limit is " + std::to_string(max_bytes));
  }
  std::vector<uint8_t> out(static_cast<size_t>(st.st_size));
  size_t done = 0;
  while (done < out.size()) {
    ssize_t n = ::read(fd.get(), out.data() + done, out.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return IoError("cannot read", path, errno);
    if (n == 0) break;  // the file shrank while we read it
    done += static_cast<size_t>(n);
  }
  out.resize(done);
  return out;
}

Status WriteFileAtomically(const std::filesystem::path& path, std::span<const uint8_t> bytes) {
  std::filesystem::path dir = path.parent_path();
  if (dir.empty()) dir = ".";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return IoError("cannot create directory", dir, ec.value());

  std::filesystem::path tmp = dir / ("." + path.filename().string() + ".tmp-" + RandomSuffix());
  Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (fd.get() < 0) return IoError("cannot create", tmp, errno);
  auto fail = [&](const std::string& what, int err) {
    ::unlink(tmp.c_str());
    return IoError(what, path, err);
  };
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd.get(), bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail("cannot write", errno);
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd.get()) != 0) return fail("cannot fsync", errno);
  if (fd.Close() != 0) return fail("cannot close", errno);
  if (::rename(tmp.c_str(), path.c_str()) != 0) return fail("cannot rename onto", errno);
  Fd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dfd.get() >= 0) ::fsync(dfd.get());
  return OkStatus();
}

}  // namespace tessera
