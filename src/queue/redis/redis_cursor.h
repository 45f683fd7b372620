// The cursor of RedisJobStore::List pages: the last id of the page before, hex-encoded so that
// it is opaque to clients and a mangled one is detectable. The empty cursor is the first page.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tessera::queue {

std::string EncodeRedisCursor(std::string_view id);

// The id a cursor names ("" for the empty cursor); nullopt for anything EncodeRedisCursor
// cannot have made.
std::optional<std::string> DecodeRedisCursor(std::string_view cursor);

}  // namespace tessera::queue
