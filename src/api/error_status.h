// The one mapping from tessera's error codes to HTTP statuses, used by every HTTP front end.
// (The gRPC mapping lives beside the gRPC services.)
#pragma once

#include "core/error.h"

namespace tessera::api {

// bad_pipeline/bad_request 400, unsupported_media 415, corrupt_image 422, too_large 413,
// too_many_pixels/over_budget/idempotency_key_reused 422, queue_full 429, not_found 404,
// conflict/cancelled 409, unauthorized 401, unavailable 503, deadline_exceeded 504, io/internal
// 500.
int HttpStatusFor(ErrorCode code);

}  // namespace tessera::api
