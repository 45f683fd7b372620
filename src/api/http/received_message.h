// ReceivedMessage: the request message as Beast parsed it, behind HttpRequest::raw. Only the
// server (which fills it) and http_types.cc (which reads headers and body from it) include this,
// so handlers never see Beast's types.
#pragma once

#include <boost/beast/http.hpp>
#include <cstdint>
#include <vector>

#include "api/http/http_types.h"

namespace tessera::api::http {

namespace bhttp = boost::beast::http;

struct ReceivedMessage {
  bhttp::request<bhttp::vector_body<uint8_t>> beast;
};

// The Method a Beast verb names (kOther for any verb routes are never declared for).
Method MethodOf(bhttp::verb verb);

}  // namespace tessera::api::http
