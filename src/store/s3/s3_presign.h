// Presigned GET URLs: an address anyone may fetch one object from until it expires, signed with
// AWS Signature V4 in the query string (the form `aws s3 presign` and boto3's
// generate_presigned_url produce). libcurl signs requests it sends, not URLs for others, so
// the signature is computed here with OpenSSL's SHA-256 and HMAC.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "store/s3/s3_options.h"

namespace tessera::store {

// The URL of `object` (full object name, prefix included) in options.bucket, valid for
// `expires` from `now`: X-Amz-Algorithm, -Credential, -Date, -SignedHeaders=host, -Expires
// (and -Security-Token with temporary credentials), then X-Amz-Signature, the order boto3's
// URLs have. Without credentials the plain object URL (a public bucket's).
std::string PresignedGetUrl(const S3Options& options, std::string_view object,
                            std::chrono::seconds expires,
                            std::chrono::system_clock::time_point now);

}  // namespace tessera::store
