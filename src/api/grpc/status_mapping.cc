#include "api/grpc/status_mapping.h"

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace tessera::api::grpc {
namespace {

// Text metadata values must be printable ASCII; a field can echo a client's parameter name.
std::string MetadataSafe(std::string_view value) {
  std::string out(value);
  for (char& c : out) {
    if (c < 0x20 || c > 0x7e) c = '?';
  }
  return out;
}

}  // namespace

::grpc::StatusCode GrpcCodeFor(ErrorCode code) {
  using ::grpc::StatusCode;
  switch (code) {
    case ErrorCode::kBadPipeline:
    case ErrorCode::kBadRequest:
    case ErrorCode::kUnsupportedMedia:
    case ErrorCode::kCorruptImage:
    case ErrorCode::kTooManyPixels:
    case ErrorCode::kOverBudget:
    case ErrorCode::kIdempotencyKeyReused: return StatusCode::INVALID_ARGUMENT;
    case ErrorCode::kTooLarge:
    case ErrorCode::kQueueFull: return StatusCode::RESOURCE_EXHAUSTED;
    case ErrorCode::kNotFound: return StatusCode::NOT_FOUND;
    case ErrorCode::kConflict: return StatusCode::FAILED_PRECONDITION;
    case ErrorCode::kUnauthorized: return StatusCode::UNAUTHENTICATED;
    case ErrorCode::kUnavailable: return StatusCode::UNAVAILABLE;
    case ErrorCode::kDeadlineExceeded: return StatusCode::DEADLINE_EXCEEDED;
    case ErrorCode::kCancelled: return StatusCode::CANCELLED;
    case ErrorCode::kIo:
    case ErrorCode::kInternal: return StatusCode::INTERNAL;
  }
  return StatusCode::INTERNAL;
}

::grpc::Status ToGrpcStatus(const Error& error, ::grpc::ServerContext* context) {
  const std::string code_name(CodeName(error.code));
  if (context != nullptr) {
    context->AddTrailingMetadata(kErrorCodeKey, code_name);
    if (!error.field.empty())
      context->AddTrailingMetadata(kErrorFieldKey, MetadataSafe(error.field));
  }
  const ::grpc::StatusCode code = GrpcCodeFor(error.code);
  const std::string message = error.ToString();

  google::rpc::ErrorInfo info;
  info.set_reason(code_name);
  info.set_domain(kErrorDomain);
  if (!error.field.empty()) (*info.mutable_metadata())["field"] = error.field;
  google::rpc::Status details;
  details.set_code(static_cast<int>(code));
  details.set_message(message);
  details.add_details()->PackFrom(info);
  return ::grpc::Status(code, message, details.SerializeAsString());
}

}  // namespace tessera::api::grpc
