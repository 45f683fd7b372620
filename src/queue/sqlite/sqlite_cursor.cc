#include "queue/sqlite/sqlite_cursor.h"

#include <algorithm>

namespace tessera::queue {
namespace {

constexpr std::string_view kCursorPrefix = "j1:";
constexpr char kHexDigits[] = "0123456789abcdef";

}  // namespace

std::string EncodeSqliteCursor(std::string_view last_id) {
  std::string cursor(kCursorPrefix);
  for (unsigned char c : last_id) {
    cursor += kHexDigits[c >> 4];
    cursor += kHexDigits[c & 15];
  }
  return cursor;
}

std::optional<std::string> DecodeSqliteCursor(std::string_view cursor) {
  if (!cursor.starts_with(kCursorPrefix)) return std::nullopt;
  cursor.remove_prefix(kCursorPrefix.size());
  if (cursor.empty() || cursor.size() % 2 != 0) return std::nullopt;
  auto nibble = [](char c) -> int {
    const char* at = std::find(kHexDigits, kHexDigits + 16, c);
    return at == kHexDigits + 16 ? -1 : static_cast<int>(at - kHexDigits);
  };
  std::string id;
  for (size_t i = 0; i < cursor.size(); i += 2) {
    int high = nibble(cursor[i]), low = nibble(cursor[i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    id += static_cast<char>(high << 4 | low);
  }
  return id;
}

}  // namespace tessera::queue
