// Identifiers for jobs, tasks and workers.
#pragma once

#include <string>

#include "core/clock.h"

namespace tessera {

// A 26-character id that sorts by creation time (ULID layout: 48-bit milliseconds, 80 random
// bits, Crockford base32). Safe in URLs, file names and Redis keys.
std::string NewId(const Clock& clock);

// True if `id` has NewId's shape (so client-supplied ids can be checked before use as keys).
bool IsWellFormedId(std::string_view id);

}  // namespace tessera
