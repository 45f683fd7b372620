// An error code's HTTP status, as the error table says (core/error.h ErrorCodeFacts), for every
// HTTP front end.
#pragma once

#include "core/error.h"

namespace tessera::api {

int HttpStatusFor(ErrorCode code);

}  // namespace tessera::api
