// multipart/form-data (RFC 7578) parsing of a request body already in memory. Parts are views
// into the body, so nothing is copied.
//
// Written here rather than taken from a library: Debian 12 packages no maintained C++ multipart
// parser (Beast has none), and the format needs only boundary search and a few header lines.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace tessera::api::http {

struct MultipartPart {
  std::string name;          // form field name from Content-Disposition
  std::string filename;      // as the client sent it; never used as a path
  std::string content_type;  // the part's Content-Type, empty if none
  std::span<const uint8_t> data;

  std::string_view text() const {
    return {reinterpret_cast<const char*>(data.data()), data.size()};
  }
};

// The boundary parameter of a multipart/form-data Content-Type, or kBadRequest.
Result<std::string> MultipartBoundary(std::string_view content_type);

// kBadRequest (field "body") for a body that is not well-formed multipart with this boundary.
Result<std::vector<MultipartPart>> ParseMultipart(std::span<const uint8_t> body,
                                                  std::string_view boundary);

bool IsMultipart(std::string_view content_type);

}  // namespace tessera::api::http
