// Multipart upload: a large object sent in parts, one request each, so that a failed part is
// retried alone and no request carries more than part_size bytes.
//
// The object appears under its name only when CompleteMultipartUpload succeeds, all of it at
// once, so a Put's atomicity holds. On any failure the upload is aborted, so the server drops
// the parts already sent.
#pragma once

#include <string>

#include "core/result.h"
#include "store/s3/s3_client.h"

namespace tessera::store {

// Uploads `body` to `object` in client.options().part_size parts. `what` names the operation in
// errors.
Status MultipartUpload(S3Client& client, const std::string& object, const S3Body& body,
                       const std::string& what);

}  // namespace tessera::store
