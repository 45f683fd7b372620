#include "core/error.h"

#include <iterator>

namespace tessera {

namespace {

// gRPC status numbers (google.rpc.Code); core does not depend on gRPC.
enum GrpcCode : int {
  kGrpcCancelled = 1,
  kGrpcInvalidArgument = 3,
  kGrpcDeadlineExceeded = 4,
  kGrpcNotFound = 5,
  kGrpcResourceExhausted = 8,
  kGrpcFailedPrecondition = 9,
  kGrpcUnimplemented = 12,
  kGrpcInternal = 13,
  kGrpcUnavailable = 14,
  kGrpcUnauthenticated = 16,
};

// One row per ErrorCode, in declaration order (checked below).
//   too_large is RESOURCE_EXHAUSTED, not INVALID_ARGUMENT, because gRPC itself answers a
//   message over its size limit so: a client sees one code for "too big" whichever limit
//   tripped. deadline_exceeded is permanent for a job: another attempt would spend as long.
constexpr ErrorCodeFacts kFacts[] = {
    // code                        name                 http grpc                    perm.  store
    // retry
    {ErrorCode::kBadPipeline, "bad_pipeline", 400, kGrpcInvalidArgument, true, false, 0},
    {ErrorCode::kBadRequest, "bad_request", 400, kGrpcInvalidArgument, true, false, 0},
    {ErrorCode::kMethodNotAllowed, "method_not_allowed", 405, kGrpcUnimplemented, true, false, 0},
    {ErrorCode::kRequestTimeout, "request_timeout", 408, kGrpcDeadlineExceeded, false, false, 0},
    {ErrorCode::kHeadersTooLarge, "headers_too_large", 431, kGrpcResourceExhausted, true, false, 0},
    {ErrorCode::kUnsupportedMedia, "unsupported_media", 415, kGrpcInvalidArgument, true, false, 0},
    {ErrorCode::kCorruptImage, "corrupt_image", 422, kGrpcInvalidArgument, true, false, 0},
    {ErrorCode::kTooLarge, "too_large", 413, kGrpcResourceExhausted, true, false, 0},
    {ErrorCode::kTooManyPixels, "too_many_pixels", 422, kGrpcInvalidArgument, true, false, 0},
    {ErrorCode::kOverBudget, "over_budget", 422, kGrpcInvalidArgument, true, false, 0},
    {ErrorCode::kQueueFull, "queue_full", 429, kGrpcResourceExhausted, false, false, 1},
    {ErrorCode::kNotFound, "not_found", 404, kGrpcNotFound, true, false, 0},
    {ErrorCode::kConflict, "conflict", 409, kGrpcFailedPrecondition, false, false, 0},
    {ErrorCode::kIdempotencyKeyReused, "idempotency_key_reused", 422, kGrpcInvalidArgument, true,
     false, 0},
    {ErrorCode::kUnauthorized, "unauthorized", 401, kGrpcUnauthenticated, false, false, 0},
    {ErrorCode::kUnavailable, "unavailable", 503, kGrpcUnavailable, false, true, 5},
    {ErrorCode::kDeadlineExceeded, "deadline_exceeded", 504, kGrpcDeadlineExceeded, true, false, 0},
    {ErrorCode::kCancelled, "cancelled", 409, kGrpcCancelled, true, false, 0},
    {ErrorCode::kIo, "io", 500, kGrpcInternal, false, true, 0},
    {ErrorCode::kInternal, "internal", 500, kGrpcInternal, false, false, 0},
};

constexpr bool RowsFollowTheEnum() {
  for (size_t i = 0; i < std::size(kFacts); ++i) {
    if (static_cast<size_t>(kFacts[i].code) != i) return false;
  }
  return std::size(kFacts) == static_cast<size_t>(ErrorCode::kInternal) + 1;
}
static_assert(RowsFollowTheEnum(), "kFacts needs one row per ErrorCode, in declaration order");

}  // namespace

const ErrorCodeFacts& FactsOf(ErrorCode code) {
  const auto i = static_cast<size_t>(code);
  return i < std::size(kFacts) ? kFacts[i] : kFacts[static_cast<size_t>(ErrorCode::kInternal)];
}

std::string_view CodeName(ErrorCode code) { return FactsOf(code).name; }

std::optional<ErrorCode> ParseErrorCode(std::string_view name) {
  for (const ErrorCodeFacts& f : kFacts) {
    if (f.name == name) return f.code;
  }
  return std::nullopt;
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
