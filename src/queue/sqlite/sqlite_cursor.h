// The cursor of SqliteJobStore::List pages: "j1:" and the hex bytes of the last id of the page
// before, opaque to clients, versioned, and a mangled one is detectable.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tessera::queue {

std::string EncodeSqliteCursor(std::string_view last_id);

// The id a cursor names; nullopt for anything EncodeSqliteCursor cannot have made (or empty).
std::optional<std::string> DecodeSqliteCursor(std::string_view cursor);

}  // namespace tessera::queue
