// Multipart/form-data request bodies as HTTP clients (requests, httpx, Go's mime/multipart,
// curl -F) send them, for tests that replay those clients.
#pragma once

#include <string>
#include <vector>

#include "api/http/client.h"

namespace tessera::testing {

struct FormPart {
  std::string name;
  std::string filename;      // empty: a plain form field (no filename parameter)
  std::string content_type;  // empty: no Content-Type line
  std::string data;
};

inline constexpr const char* kFormBoundary = "----tesseraFormBoundary7MA4YWxk";

// The body, with kFormBoundary.
std::string MultipartBody(const std::vector<FormPart>& parts);

// POSTs `parts` to `target`; a failed exchange fails the test and returns status 0.
api::http::ClientResponse PostMultipart(api::http::HttpClient& client, const std::string& target,
                                        const std::vector<FormPart>& parts);

}  // namespace tessera::testing
