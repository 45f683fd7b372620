// Fuzz target: the job-list cursor (clients send it back in ?cursor=), one format for both
// backends. Any text decodes or is refused without a crash; what decodes re-encodes to the same
// cursor (or, for an old Redis cursor, the bare hex, to the same cursor behind "j1:"); any id
// encodes to a cursor that decodes back to it.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "queue/list_cursor.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) { return 0; }

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tessera::queue;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto id = DecodeListCursor(text)) {
    const std::string again = EncodeListCursor(*id);
    if (again != text && again != "j1:" + std::string(text)) std::abort();
  } else if (id.error().code != tessera::ErrorCode::kBadRequest || id.error().field != "cursor") {
    std::abort();
  }
  auto id = DecodeListCursor(EncodeListCursor(text));
  if (!id || *id != text) std::abort();
  return 0;
}
