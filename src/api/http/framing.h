// Request framing by RFC 9112 §6: a request body is delimited by Content-Length alone or by
// Transfer-Encoding whose only coding is chunked. Anything else (another coding, chunked not
// last, both headers at once, Transfer-Encoding in HTTP/1.0) may be framed differently by a
// proxy in front of tessera, which is how requests are smuggled past it; such requests are
// answered 400 and the connection is closed.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tessera::api::http {

// Why a request with these header values cannot be framed safely, or nullopt if it can.
// `transfer_encodings` holds every Transfer-Encoding field value (a request may repeat the
// field), `has_content_length` whether any Content-Length field is present.
std::optional<std::string> FramingError(const std::vector<std::string_view>& transfer_encodings,
                                        bool has_content_length, unsigned http_version);

}  // namespace tessera::api::http
