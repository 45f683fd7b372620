// S3Client: one signed S3 request with retries, over pooled libcurl handles.
//
// Signing is libcurl's own AWS Signature V4 (CURLOPT_AWS_SIGV4). libcurl 7.88 signs the query
// string exactly as given and takes the payload hash from the x-amz-content-sha256 header, so
// requests carry a canonical query (CanonicalQuery) and that header (the empty-body hash, or
// UNSIGNED-PAYLOAD for a body, which S3 accepts over HTTP and HTTPS).
//
// Retried, with full-jitter exponential backoff: throttling (429, 503 SlowDown), other 5xx,
// S3's 400 RequestTimeout, timeouts and connections that fail or drop. Never retried: any other
// 4xx, certificate failures, a body over the caller's limit, local file errors.
//
// Thread-safe: requests may run concurrently from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/atomic_file_writer.h"
#include "core/result.h"
#include "store/s3/curl_pool.h"
#include "store/s3/s3_options.h"

namespace tessera::store {

// What a request sends: bytes in memory, or a region of an open file (read as it is sent).
struct S3Body {
  std::span<const uint8_t> bytes;
  int fd = -1;
  uint64_t offset = 0;
  uint64_t length = 0;  // with fd

  bool empty() const { return size() == 0; }
  uint64_t size() const { return fd >= 0 ? length : bytes.size(); }
  S3Body Slice(uint64_t from, uint64_t n) const;
};

struct S3Request {
  std::string method;  // GET, HEAD, PUT, POST, DELETE
  std::string object;  // full object name (store prefix included); empty: the bucket
  std::string query;   // from CanonicalQuery
  std::vector<std::string> headers;
  S3Body body;
  // The response body goes to `sink_file` (truncated before each attempt) if set, else to
  // S3Response::body; more than max_body_bytes of it is kTooLarge.
  AtomicFileWriter* sink_file = nullptr;
  uint64_t max_body_bytes = UINT64_MAX;
};

struct S3Response {
  long status = 0;
  std::vector<uint8_t> body;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string Header(const std::string& name) const;
  std::string_view Text() const {
    return {reinterpret_cast<const char*>(body.data()), body.size()};
  }
};

class S3Client {
 public:
  explicit S3Client(S3Options options);

  // Sends `request` until it gets an answer that is not retried or the attempts run out.
  // Returns the response for every HTTP status that is not retried (the caller reads 404 and
  // the like; ErrorFor explains the rest); kUnavailable when the server stays unreachable,
  // slow or failing; kTooLarge past max_body_bytes; kIo for a local file; kInternal for a TLS
  // certificate the server cannot be trusted with.
  Result<S3Response> Send(const S3Request& request);

  // The typed error for a response that is not a success: kNotFound for a missing object,
  // kInternal naming bucket and endpoint for denied credentials, a missing bucket, a wrong
  // region or any other refusal, kUnavailable for 5xx. `what` names the operation ("get
  // inputs/x").
  Error ErrorFor(std::string_view what, const S3Response& response) const;

  const S3Options& options() const { return options_; }
  // HTTP attempts made so far (each retry counts), for tests and diagnostics.
  uint64_t attempts() const { return attempts_.load(); }

 private:
  std::string UrlFor(const S3Request& request) const;
  std::string Where() const;

  const S3Options options_;
  CurlPool pool_;
  std::atomic<uint64_t> attempts_{0};
};

// S3's URI encoding (RFC 3986 unreserved characters kept; '/' kept if keep_slash).
std::string UriEncode(std::string_view s, bool keep_slash);

// scheme://host[:port]/BUCKET/OBJECT (path-style) or scheme://BUCKET.host[:port]/OBJECT, the
// object's name URI-encoded with its '/' kept.
std::string ObjectUrl(const S3Options& options, std::string_view object);

// "a=1&b=x%2Fy": names sorted, names and values URI-encoded, '=' always present, which is the
// form SigV4 signs.
std::string CanonicalQuery(std::vector<std::pair<std::string, std::string>> params);

}  // namespace tessera::store
