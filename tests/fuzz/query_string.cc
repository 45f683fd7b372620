// Fuzz target: query strings and percent-decoding, as every HTTP route reads its parameters.
// Nothing crashes; decoding never grows the text; a name=value pair of percent-encoded text
// decodes back to exactly that text.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "api/http/http_types.h"

namespace {

std::string PercentEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    out += '%';
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) { return 0; }

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using tessera::api::http::ParseQuery;
  using tessera::api::http::PercentDecode;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  for (const auto& [name, value] : ParseQuery(text)) {
    if (name.size() + value.size() > text.size()) std::abort();
  }
  if (PercentDecode(text, true).size() > text.size()) std::abort();
  if (PercentDecode(PercentEncode(text), false) != text) std::abort();
  auto pairs = ParseQuery("k=" + PercentEncode(text));
  if (pairs.size() != 1 || pairs.begin()->first != "k" || pairs.begin()->second != text) {
    std::abort();
  }
  return 0;
}
