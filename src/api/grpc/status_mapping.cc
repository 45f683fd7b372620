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
  return static_cast<::grpc::StatusCode>(FactsOf(code).grpc_status);
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
