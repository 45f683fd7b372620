#include "queue/list_cursor.h"

#include <optional>

namespace tessera::queue {
namespace {

constexpr std::string_view kPrefix = "j1:";
constexpr char kHexDigits[] = "0123456789abcdef";

std::optional<std::string> FromHex(std::string_view hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  std::string bytes;
  bytes.reserve(hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    int high = nibble(hex[i]), low = nibble(hex[i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    bytes += static_cast<char>(high << 4 | low);
  }
  return bytes;
}

Error Malformed() {
  return MakeError(ErrorCode::kBadRequest,
                   "the cursor is malformed: pass back a next_cursor exactly as it was given",
                   "cursor");
}

}  // namespace

std::string EncodeListCursor(std::string_view last_id) {
  if (last_id.empty()) return {};
  std::string cursor(kPrefix);
  cursor.reserve(kPrefix.size() + 2 * last_id.size());
  for (unsigned char c : last_id) {
    cursor += kHexDigits[c >> 4];
    cursor += kHexDigits[c & 15];
  }
  return cursor;
}

Result<std::string> DecodeListCursor(std::string_view cursor) {
  if (cursor.empty()) return std::string();
  std::string_view hex = cursor;
  if (cursor.starts_with(kPrefix)) {
    hex.remove_prefix(kPrefix.size());
    if (hex.empty()) return Malformed();  // "j1:" names no id
  }
  // Otherwise the old Redis format: the bare hex, which FromHex checks.
  std::optional<std::string> id = FromHex(hex);
  if (!id) return Malformed();
  return std::move(*id);
}

}  // namespace tessera::queue
