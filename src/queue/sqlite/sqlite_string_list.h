// String lists (capabilities) as stored in the embedded database: a JSON array of strings, which
// SQL can take apart with json_each (see SqliteTaskQueue's claim query).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace tessera::queue {

std::string EncodeStringList(const std::vector<std::string>& items);
// A malformed value (never written by this code) decodes to an empty list.
std::vector<std::string> DecodeStringList(std::string_view json);

}  // namespace tessera::queue
