#include "store/blob_store.h"

namespace tessera::store {

namespace {
// File systems cap a name at 255 bytes; leave room for FsBlobStore's temporary-file suffix.
constexpr size_t kMaxSegment = 200;
}  // namespace

Status ValidateBlobKey(std::string_view key) {
  auto bad = [&](const std::string& why) {
    return MakeError(ErrorCode::kBadRequest, "invalid key '" + std::string(key) + "': " + why,
                     "key");
  };
  if (key.empty()) return bad("empty");
  if (key.size() > 512) return bad("longer than 512 bytes");
  if (key.front() == '/') return bad("absolute");
  size_t start = 0;
  while (start <= key.size()) {
    size_t end = key.find('/', start);
    if (end == std::string_view::npos) end = key.size();
    std::string_view seg = key.substr(start, end - start);
    if (seg.empty()) return bad("empty path segment");
    if (seg == "." || seg == "..") return bad("'.' and '..' segments are not allowed");
    if (seg.size() > kMaxSegment) return bad("a path segment is longer than 200 bytes");
    for (char c : seg) {
      bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '.' || c == '_' || c == '-';
      if (!ok) return bad("only A-Z a-z 0-9 . _ - and / are allowed");
    }
    start = end + 1;
  }
  return OkStatus();
}

Status ValidateBlobPrefix(std::string_view prefix) {
  if (prefix.empty()) return OkStatus();
  std::string_view stem = prefix.back() == '/' ? prefix.substr(0, prefix.size() - 1) : prefix;
  Status valid = ValidateBlobKey(stem);
  if (!valid) {
    Error e = valid.error();
    e.field = "prefix";
    return e;
  }
  return OkStatus();
}

std::string_view ReservedSegmentOf(std::string_view key) {
  const std::string_view first = key.substr(0, key.find('/'));
  for (std::string_view reserved : kReservedKeySegments) {
    if (first == reserved) return reserved;
  }
  return {};
}

}  // namespace tessera::store
