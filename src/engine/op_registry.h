// The list of every op tessera knows, in listing order.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "engine/op_spec.h"

namespace tessera::engine {

std::span<const OpSpec* const> AllOps();
// The op named `name`, or nullptr.
const OpSpec* FindOp(std::string_view name);
// "resize, thumbnail, crop, ..." for error messages.
std::string KnownOpNames();

// Every op and its parameters as JSON text (the `tessera ops --json` and GET /v1/ops body).
std::string OpsAsJson();
// The same as aligned human-readable text.
std::string OpsAsText();
// The same as a Markdown table, one row per op and one per parameter (the README's op table,
// `tessera ops --format markdown`).
std::string OpsAsMarkdown();

}  // namespace tessera::engine
