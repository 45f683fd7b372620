// engine::Colour: an sRGB colour with alpha, as pipeline parameters spell it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tessera::engine {

struct Colour {
  uint8_t r = 0, g = 0, b = 0, a = 255;
  bool operator==(const Colour&) const = default;
};

// Parses "rrggbb", "rrggbbaa" (hex, no '#', so the text stays URL-safe) or one of the names
// black, white, transparent. Returns nullopt for anything else.
std::optional<Colour> ParseColour(std::string_view text);
// Canonical spelling: the name where one exists, else lower-case hex (8 digits only if a != 255).
std::string ColourToText(const Colour& c);

}  // namespace tessera::engine
