// S3Options: everything S3BlobStore needs to reach a bucket, and how it is read from a
// `--store s3://bucket/prefix?...` URL and the environment.
//
//   s3://BUCKET[/PREFIX][?PARAM=VALUE&...]
//     endpoint=URL        http(s)://host[:port] of an S3-compatible server; default
//                         https://s3.REGION.amazonaws.com
//     region=NAME         signing region [AWS_REGION, AWS_DEFAULT_REGION, else us-east-1]
//     path_style=0|1      http://host/BUCKET/key (1) or http://BUCKET.host/key (0); default 1
//                         with an explicit endpoint (MinIO and most S3-compatible servers),
//                         0 for AWS
//     ca_file=PATH        PEM bundle to verify the server's certificate against (a private CA)
//     access_key=, secret_key=, session_token=    credentials (prefer flags or the environment:
//                         a URL is logged and shown in process lists)
//     connect_timeout_ms=, timeout_ms=, max_attempts=, part_size_mb=, multipart_threshold_mb=
//
// Credentials, first found wins: explicit (flags), the URL, AWS_ACCESS_KEY_ID /
// AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, MinIO's MINIO_ACCESS_KEY / MINIO_SECRET_KEY, then
// MINIO_ROOT_USER / MINIO_ROOT_PASSWORD. With none, requests go unsigned (public buckets).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace tessera::store {

struct S3Credentials {
  std::string access_key;
  std::string secret_key;
  std::string session_token;  // temporary credentials only
};

struct S3Options {
  std::string bucket;
  std::string prefix;    // "" or a valid blob key; object names are PREFIX/key
  std::string endpoint;  // scheme://host[:port], no trailing '/'
  std::string region = "us-east-1";
  bool path_style = true;
  S3Credentials credentials;
  std::string ca_file;  // empty: the system's CA bundle

  // Every attempt: connecting may take connect_timeout; the whole attempt may take
  // request_timeout plus one second per min_transfer_rate bytes moved (so a 50 MB object is
  // not cut off, and a stalled server still is).
  std::chrono::milliseconds connect_timeout{5'000};
  std::chrono::milliseconds request_timeout{30'000};
  uint64_t min_transfer_rate = 1 << 20;  // bytes per second
  // Attempts per call on throttling, 5xx, timeouts and dropped connections (never on 4xx),
  // with full-jitter exponential backoff between them.
  int max_attempts = 5;
  std::chrono::milliseconds backoff_base{100};
  std::chrono::milliseconds backoff_cap{5'000};
  // Objects of at least multipart_threshold bytes are uploaded in part_size pieces (S3's
  // minimum part is 5 MiB).
  uint64_t multipart_threshold = 32ull << 20;
  uint64_t part_size = 16ull << 20;
  // Idle connections (curl handles) kept for reuse.
  size_t max_idle_connections = 16;
};

// Reads an environment variable; null when unset. Injected so tests need not setenv.
using EnvLookup = std::function<const char*(const char*)>;

// Parses an s3:// URL (above) into options, filling credentials and region from `env` where
// neither `explicit_credentials` nor the URL gives them. kBadRequest (field "store") naming the
// problem for a malformed URL, bucket, prefix or parameter.
Result<S3Options> ParseS3Url(std::string_view url, const S3Credentials& explicit_credentials,
                             const EnvLookup& env);

// The key that `uri` (s3://BUCKET/PREFIX/KEY) names in the store `options` describe.
// kBadRequest if it names another bucket, lies outside the prefix or is not a valid key.
Result<std::string> KeyForS3Uri(const S3Options& options, std::string_view uri);

// "s3://bucket/prefix at http://host:port (path-style, region us-east-1)"; never credentials.
std::string Describe(const S3Options& options);

}  // namespace tessera::store
