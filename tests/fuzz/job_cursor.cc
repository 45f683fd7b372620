// Fuzz target: the job-list cursors of both backends (clients send them back in ?cursor=).
// Any text decodes or is refused without a crash; what decodes re-encodes to the same cursor;
// any id encodes to a cursor that decodes back to it.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "queue/redis/redis_cursor.h"
#include "queue/sqlite/sqlite_cursor.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) { return 0; }

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tessera::queue;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto id = DecodeSqliteCursor(text); id && EncodeSqliteCursor(*id) != text) std::abort();
  if (auto id = DecodeRedisCursor(text); id && EncodeRedisCursor(*id) != text) std::abort();
  if (!text.empty()) {
    auto id = DecodeSqliteCursor(EncodeSqliteCursor(text));
    if (!id || *id != text) std::abort();
  }
  auto id = DecodeRedisCursor(EncodeRedisCursor(text));
  if (!id || *id != text) std::abort();
  return 0;
}
