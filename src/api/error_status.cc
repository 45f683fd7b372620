#include "api/error_status.h"

namespace tessera::api {

int HttpStatusFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kBadPipeline:
    case ErrorCode::kBadRequest: return 400;
    case ErrorCode::kUnauthorized: return 401;
    case ErrorCode::kNotFound: return 404;
    case ErrorCode::kConflict:
    case ErrorCode::kCancelled: return 409;
    case ErrorCode::kTooLarge: return 413;
    case ErrorCode::kUnsupportedMedia: return 415;
    case ErrorCode::kCorruptImage:
    case ErrorCode::kTooManyPixels:
    case ErrorCode::kOverBudget:
    case ErrorCode::kIdempotencyKeyReused: return 422;
    case ErrorCode::kQueueFull: return 429;
    case ErrorCode::kUnavailable: return 503;
    case ErrorCode::kDeadlineExceeded: return 504;
    case ErrorCode::kIo:
    case ErrorCode::kInternal: return 500;
  }
  return 500;
}

}  // namespace tessera::api
