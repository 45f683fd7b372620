// Fuzz target: arbitrary bytes as an image through probe, limits and a small pipeline, under
// tight limits and one libvips thread (as libvips' own fuzzers run). Any typed error is fine;
// kInternal, a crash or a sanitizer report is a bug.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>

#include "engine/engine.h"

namespace {
const tessera::engine::Pipeline& FuzzPipeline() {
  static const auto* p = new tessera::engine::Pipeline(
      *tessera::engine::ParsePipeline("resize:w=64;blur:sigma=1;format:type=png"));
  return *p;
}
}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (!tessera::engine::InitializeEngine(1)) std::abort();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  tessera::engine::ProcessOptions options;
  options.limits.max_input_bytes = 4 << 20;
  options.limits.max_pixels = 4'000'000;
  options.limits.max_output_pixels = 4'000'000;
  std::span<const uint8_t> bytes(data, size);
  auto result = tessera::engine::Process(bytes, FuzzPipeline(), options);
  if (!result && result.error().code == tessera::ErrorCode::kInternal) {
    std::fprintf(stderr, "kInternal: %s\n", result.error().ToString().c_str());
    std::abort();
  }
  return 0;
}
