// Base64 as protobuf's JSON mapping writes and reads `bytes` fields (the ImageFlowCanvas
// gateway's input_bytes and output_data).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tessera::api::compat {

// Standard alphabet, padded.
std::string Base64(std::span<const uint8_t> in);

// Standard or URL-safe alphabet, padding optional (as protobuf's JSON parser accepts); the text
// ends at the first '='. nullopt for any other character.
std::optional<std::vector<uint8_t>> Unbase64(std::string_view in);

}  // namespace tessera::api::compat
