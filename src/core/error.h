// tessera::Error: the one typed failure value used across every layer.
//
// A failure is a product-level code (a closed enum that maps to exactly one HTTP status and one
// gRPC status in api/), a human message, and optionally the request field it concerns and a
// detail string (for example a library's own text). Clients and tests match on CodeName(code),
// never on the message.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tessera {

enum class ErrorCode {
  kBadPipeline,       // the pipeline text/JSON is malformed or a value is out of range
  kBadRequest,        // any other malformed request field
  kMethodNotAllowed,  // the path exists, but not with this HTTP method (the answer lists them)
  kRequestTimeout,    // the request's headers or body did not arrive in time
  kHeadersTooLarge,   // the request line and headers are over the server's limit
  kUnsupportedMedia,  // the input is not an image format tessera decodes
  kCorruptImage,      // the format is known but the bytes cannot be decoded
  kTooLarge,          // input or output bytes over a limit
  kTooManyPixels,     // width*height (or frames) from the header over a limit
  kOverBudget,        // the pipeline asks for more work than allowed (steps, one step's cost,
                      // the whole pipeline's cost; engine/work_estimate.h)
  kQueueFull,
  kNotFound,
  kConflict,              // the record is not in a state that allows this (illegal transition,
                          // lost lease, duplicate key with different content)
  kIdempotencyKeyReused,  // an idempotency key already names a job of a different request
  kUnauthorized,
  kUnavailable,
  kDeadlineExceeded,
  kCancelled,
  kIo,  // a local file could not be read or written
  kInternal,
};

// Everything tessera says about an error code, in one row of one table (core/error.cc): the
// HTTP and gRPC statuses, whether a retry can help and Retry-After all derive from it.
struct ErrorCodeFacts {
  ErrorCode code;
  std::string_view name;  // stable lower-case identifier, matched by clients and tests
  int http_status;
  int grpc_status;  // a google.rpc.Code number (grpc::StatusCode has the same values)
  bool permanent;   // a retry cannot fix it: a job ends dead at once (jobs/retry_policy.h)
  // A store failing (disk full or read-only, unreachable): a job keeps retrying it for the
  // retry policy's storage window.
  bool storage_fault;
  int retry_after_s;  // Retry-After sent with it, in seconds; 0: none
};

const ErrorCodeFacts& FactsOf(ErrorCode code);

// Stable lower-case identifier of a code ("bad_pipeline", "too_many_pixels", ...).
std::string_view CodeName(ErrorCode code);

// The code CodeName spells `name`; nullopt for anything else.
std::optional<ErrorCode> ParseErrorCode(std::string_view name);

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  std::string field;   // the request field concerned, e.g. "pipeline[1].sigma"; empty if none
  std::string detail;  // extra diagnostic text, e.g. from libvips; never used for control flow

  // "bad_pipeline: blur.sigma: 0 is out of range (allowed 0.1..1000)" style one-liner.
  std::string ToString() const;

  bool operator==(const Error&) const = default;
};

inline Error MakeError(ErrorCode code, std::string message, std::string field = {},
                       std::string detail = {}) {
  return Error{code, std::move(message), std::move(field), std::move(detail)};
}

}  // namespace tessera
