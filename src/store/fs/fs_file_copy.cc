#include "store/fs/fs_file_copy.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "core/io_error.h"

namespace tessera::store {

Status CopyFileInto(const std::filesystem::path& from, AtomicFileWriter& to, uint64_t max_bytes) {
  int fd = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR) {
      return MakeError(ErrorCode::kNotFound, "no such file: " + from.string());
    }
    return FileError("cannot open", from, errno);
  }
  auto fail = [&](ErrorCode code, const std::string& message) {
    ::close(fd);
    return MakeError(code, message);
  };
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    return fail(ErrorCode::kIo, "cannot read " + from.string() + ": not a regular file");
  }
  if (static_cast<uint64_t>(st.st_size) > max_bytes) {
    return fail(ErrorCode::kTooLarge, from.string() + " is " + std::to_string(st.st_size) +
                                          " bytes; the limit is " + std::to_string(max_bytes));
  }
  std::vector<uint8_t> buf(1 << 20);
  for (;;) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0)
      return fail(ErrorCode::kIo, "cannot read " + from.string() + ": " + std::strerror(errno));
    if (n == 0) break;
    if (Status s = to.Write({buf.data(), static_cast<size_t>(n)}); !s) {
      ::close(fd);
      return s;
    }
  }
  ::close(fd);
  return OkStatus();
}

}  // namespace tessera::store
