#include "core/error.h"

namespace tessera {

std::string_view CodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kBadPipeline: return "bad_pipeline";
    case ErrorCode::kBadRequest: return "bad_request";
    case ErrorCode::kUnsupportedMedia: return "unsupported_media";
    case ErrorCode::kCorruptImage: return "corrupt_image";
    case ErrorCode::kTooLarge: return "too_large";
    case ErrorCode::kTooManyPixels: return "too_many_pixels";
    case ErrorCode::kOverBudget: return "over_budget";
    case ErrorCode::kQueueFull: return "queue_full";
    case ErrorCode::kNotFound: return "not_found";
    case ErrorCode::kConflict: return "conflict";
    case ErrorCode::kIdempotencyKeyReused: return "idempotency_key_reused";
    case ErrorCode::kUnauthorized: return "unauthorized";
    case ErrorCode::kUnavailable: return "unavailable";
    case ErrorCode::kDeadlineExceeded: return "deadline_exceeded";
    case ErrorCode::kCancelled: return "cancelled";
    case ErrorCode::kIo: return "io";
    case ErrorCode::kInternal: return "internal";
  }
  return "internal";
}

std::string Error::ToString() const {
  std::string out(CodeName(code));
  out += ": ";
  if (!field.empty()) {
    out += field;
    out += ": ";
  }
  out += message;
  if (!detail.empty()) {
    out += " (";
    out += detail;
    out += ")";
  }
  return out;
}

}  // namespace tessera
