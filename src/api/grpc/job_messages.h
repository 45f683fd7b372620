// Conversions between tessera's job model (queue::JobRecord, jobs::JobStatus) and the
// tessera.v1 messages. Internal to the gRPC services.
#pragma once

#include <optional>

#include "engine/detect/detection.h"
#include "jobs/job_service.h"
#include "tessera/v1/image_service.pb.h"

namespace tessera::api::grpc {

tessera::v1::JobState ToProto(queue::JobState state);
// nullopt for JOB_STATE_UNSPECIFIED (no filter) and unknown values.
std::optional<queue::JobState> FromProto(tessera::v1::JobState state);

tessera::v1::Priority ToProto(queue::Priority priority);
// PRIORITY_UNSPECIFIED and unknown values are normal.
queue::Priority FromProto(tessera::v1::Priority priority);

// Fills `out` from the record; waiting_for from `status` when given.
void ToProto(const queue::JobRecord& job, tessera::v1::Job* out);
void ToProto(const jobs::JobStatus& status, tessera::v1::Job* out);

void ToProto(const engine::detect::Detection& detection, tessera::v1::Detection* out);

}  // namespace tessera::api::grpc
