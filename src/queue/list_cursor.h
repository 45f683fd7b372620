// The cursor of JobStore::List pages, one format for every backend: "j1:" and the lowercase hex
// bytes of the last id of the page before. Clients treat it as opaque (they only send back a
// next_cursor); the version prefix lets the format change, and the hex makes a mangled cursor
// detectable. The empty cursor is the first page.
//
// Also read: the cursors RedisJobStore wrote before this format, the bare hex of the id (no
// prefix). Since hex never contains 'j' or ':', the two never collide.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace tessera::queue {

// The cursor of the page after the one ending with `last_id` ("" for an empty id: the first
// page).
std::string EncodeListCursor(std::string_view last_id);

// The id after which the page starts ("" for the empty cursor: the first page).
// Errors: kBadRequest, field "cursor", for any text EncodeListCursor (or the old Redis format)
// cannot have made: unknown prefix, no id after the prefix, odd length, a non-hex or uppercase
// digit.
Result<std::string> DecodeListCursor(std::string_view cursor);

}  // namespace tessera::queue
