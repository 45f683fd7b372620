// The one mapping from tessera's error codes to gRPC status codes, and the Error -> grpc::Status
// conversion every gRPC service uses (the HTTP mapping is api/error_status.h).
//
//   bad_pipeline, bad_request, unsupported_media,
//   corrupt_image, too_many_pixels, over_budget,
//   idempotency_key_reused                      INVALID_ARGUMENT
//   too_large, queue_full                       RESOURCE_EXHAUSTED
//   not_found                                   NOT_FOUND
//   conflict                                    FAILED_PRECONDITION
//   unauthorized                                UNAUTHENTICATED
//   unavailable                                 UNAVAILABLE
//   deadline_exceeded                           DEADLINE_EXCEEDED
//   cancelled                                   CANCELLED
//   io, internal                                INTERNAL
//
// too_large is RESOURCE_EXHAUSTED (not INVALID_ARGUMENT) because gRPC itself answers a message
// over the size limit with RESOURCE_EXHAUSTED: a client sees one code for "too big" whichever
// limit tripped. Only queue_full is worth retrying as is; the error code name tells them apart.
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
