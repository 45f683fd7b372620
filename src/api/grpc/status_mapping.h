// The Error -> grpc::Status conversion every gRPC service uses. Each code's gRPC status comes
// from the error table (core/error.h ErrorCodeFacts), as its HTTP status does.
#pragma once

#include <grpcpp/server_context.h>
#include <grpcpp/support/status.h>

#include "core/error.h"

namespace tessera::api::grpc {

// Trailing-metadata keys carrying the tessera error code name and the request field.
inline constexpr char kErrorCodeKey[] = "tessera-error-code";
inline constexpr char kErrorFieldKey[] = "tessera-error-field";
// google.rpc.ErrorInfo.domain of every tessera error.
inline constexpr char kErrorDomain[] = "tessera";

::grpc::StatusCode GrpcCodeFor(ErrorCode code);

// A status whose message is error.ToString() ("bad_pipeline: blur.sigma: ...") and whose
// details are a serialized google.rpc.Status holding a google.rpc.ErrorInfo (reason = code
// name, domain "tessera", metadata "field" when set). When `context` is given, also adds the
// tessera-error-code / tessera-error-field trailers. REQUIRES: called before the call ends.
::grpc::Status ToGrpcStatus(const Error& error, ::grpc::ServerContext* context);

}  // namespace tessera::api::grpc
