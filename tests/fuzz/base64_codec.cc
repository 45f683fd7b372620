// Fuzz target: the ImageFlowCanvas gateway's base64. Any bytes encode to text that decodes back
// to them; any text decodes or is refused without a crash, and what decodes re-encodes to text
// that decodes to the same bytes.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string_view>

#include "api/compat/imageflow/base64.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) { return 0; }

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using tessera::api::compat::Base64;
  using tessera::api::compat::Unbase64;
  std::span<const uint8_t> bytes(data, size);
  auto round_trip = Unbase64(Base64(bytes));
  if (!round_trip ||
      !std::equal(round_trip->begin(), round_trip->end(), bytes.begin(), bytes.end())) {
    std::abort();
  }
  auto decoded = Unbase64(std::string_view(reinterpret_cast<const char*>(data), size));
  if (decoded) {
    auto again = Unbase64(Base64(*decoded));
    if (!again || *again != *decoded) std::abort();
  }
  return 0;
}
