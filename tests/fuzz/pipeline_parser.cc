// Fuzz target: arbitrary text through both pipeline spellings. Whatever parses must print back
// to text that parses to the same value, and JSON that does too.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "engine/pipeline.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) { return 0; }

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = tessera::engine::ParsePipeline(text);
  if (!parsed) {
    if (parsed.error().code != tessera::ErrorCode::kBadPipeline) std::abort();
    return 0;
  }
  auto from_text = tessera::engine::ParsePipelineText(parsed->ToText());
  auto from_json = tessera::engine::ParsePipelineJson(parsed->ToJson());
  if (!from_text || !(*from_text == *parsed) || !from_json || !(*from_json == *parsed)) {
    std::fprintf(stderr, "round trip failed for: %s\n", parsed->ToText().c_str());
    std::abort();
  }
  return 0;
}
