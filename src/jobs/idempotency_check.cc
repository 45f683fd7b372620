#include "jobs/idempotency_check.h"

#include <algorithm>
#include <string>

#include "jobs/task_payload.h"

namespace tessera::jobs {
namespace {

bool IsUpload(const queue::JobRecord& job) { return job.input_key == InputKeyFor(job.id); }

// The output reference a job was submitted with; empty for tessera's own results/<id>.
std::string_view OutputReference(const queue::JobRecord& job) {
  if (job.output_key == OutputKeyFor(job.id)) return std::string_view();
  return job.output_key;
}

Error Reused(const queue::JobRecord& existing, const std::string& what) {
  return MakeError(ErrorCode::kIdempotencyKeyReused,
                   "idempotency key '" + existing.idempotency_key + "' already names job " +
                       existing.id + ", submitted with a different " + what +
                       "; the same key may only repeat the same request, so use a new key",
                   "idempotency_key");
}

Result<bool> SameUploadedImage(const queue::JobRecord& existing, std::span<const uint8_t> uploaded,
                               store::BlobStore& blobs) {
  auto info = blobs.Stat(existing.input_key);
  if (!info) {
    if (info.error().code == ErrorCode::kNotFound) return true;  // nothing left to compare
    return info.error();
  }
  if (info->size != uploaded.size()) return false;
  auto bytes = blobs.Get(existing.input_key, uploaded.size());
  if (!bytes) {
    if (bytes.error().code == ErrorCode::kNotFound) return true;
    return bytes.error();
  }
  return std::equal(bytes->begin(), bytes->end(), uploaded.begin(), uploaded.end());
}

}  // namespace

Status CheckSameRequest(const queue::JobRecord& existing, const queue::JobRecord& attempt,
                        std::span<const uint8_t> uploaded, store::BlobStore& blobs) {
  if (existing.pipeline != attempt.pipeline) {
    return Reused(existing,
                  "pipeline ('" + existing.pipeline + "' there, '" + attempt.pipeline + "' here)");
  }
  if (existing.tiles != attempt.tiles) {
    return Reused(existing, "tiles ('" + existing.tiles + "' there, '" + attempt.tiles + "' here)");
  }
  if (OutputReference(existing) != OutputReference(attempt)) return Reused(existing, "output");
  if (IsUpload(existing) != IsUpload(attempt)) return Reused(existing, "input");
  if (!IsUpload(attempt)) {
    if (existing.input_key != attempt.input_key) return Reused(existing, "input");
    return OkStatus();
  }
  auto same = SameUploadedImage(existing, uploaded, blobs);
  if (!same) return same.error();
  if (!*same) return Reused(existing, "image");
  return OkStatus();
}

}  // namespace tessera::jobs
