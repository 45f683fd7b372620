// String lists (capabilities) as both backends store them: a JSON array of strings, which
// SQLite can take apart with json_each (SqliteTaskQueue's claim query) and Redis keeps as one
// hash value or set member.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace tessera::queue {

std::string EncodeStringList(const std::vector<std::string>& items);
// A malformed value (never written by this code) decodes to an empty list; non-string items are
// skipped.
std::vector<std::string> DecodeStringList(std::string_view json);

}  // namespace tessera::queue
