// Whether a submission that reuses an idempotency key asks for the same work as the job the key
// already names. The same request (pipeline, tiling, input image or reference, output
// reference) may be sent again and gets that job back; a different one under the same key is a
// client mistake that must not silently answer with the earlier job's result. Priority and
// request id do not count: they change when and how a job is logged, not what it computes.
#pragma once

#include <span>

#include "core/result.h"
#include "queue/job_store.h"
#include "store/blob_store.h"

namespace tessera::jobs {

// `existing` is the job the key names; `attempt` the record the new submission would have
// created (its input_key is inputs/<attempt.id> for an upload, whose bytes are `uploaded`).
// OK when both ask for the same work, or when the earlier input can no longer be read to tell;
// kIdempotencyKeyReused (field "idempotency_key") naming the job and what differs; a blob store
// failure as is.
Status CheckSameRequest(const queue::JobRecord& existing, const queue::JobRecord& attempt,
                        std::span<const uint8_t> uploaded, store::BlobStore& blobs);

}  // namespace tessera::jobs
