#include "engine/colour.h"

#include <cstdio>

namespace tessera::engine {
namespace {

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<Colour> ParseColour(std::string_view text) {
  if (text == "black") return Colour{0, 0, 0, 255};
  if (text == "white") return Colour{255, 255, 255, 255};
  if (text == "transparent") return Colour{0, 0, 0, 0};
  if (text.size() != 6 && text.size() != 8) return std::nullopt;
  uint8_t v[4] = {0, 0, 0, 255};
  for (size_t i = 0; i < text.size(); i += 2) {
    int hi = HexDigit(text[i]), lo = HexDigit(text[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    v[i / 2] = static_cast<uint8_t>(hi * 16 + lo);
  }
  return Colour{v[0], v[1], v[2], v[3]};
}

std::string ColourToText(const Colour& c) {
  if (c == Colour{0, 0, 0, 255}) return "black";
  if (c == Colour{255, 255, 255, 255}) return "white";
  if (c == Colour{0, 0, 0, 0}) return "transparent";
  char buf[16];
  if (c.a == 255) {
    std::snprintf(buf, sizeof buf, "%02x%02x%02x", c.r, c.g, c.b);
  } else {
    std::snprintf(buf, sizeof buf, "%02x%02x%02x%02x", c.r, c.g, c.b, c.a);
  }
  return buf;
}

}  // namespace tessera::engine
