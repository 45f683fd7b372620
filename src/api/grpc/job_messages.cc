#include "api/grpc/job_messages.h"

#include <chrono>

#include "engine/detect/detection_json.h"

namespace tessera::api::grpc {
namespace {

namespace v1 = tessera::v1;

// The epoch means "unset" in a JobRecord; it stays an unset Timestamp.
void SetTime(SystemTime t, google::protobuf::Timestamp* (v1::Job::*mutable_field)(), v1::Job* out) {
  if (t == SystemTime{}) return;
  const auto ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  auto* ts = (out->*mutable_field)();
  ts->set_seconds(ns / 1'000'000'000);
  ts->set_nanos(static_cast<int32_t>(ns % 1'000'000'000));
}

}  // namespace

v1::JobState ToProto(queue::JobState state) {
  switch (state) {
    case queue::JobState::kQueued: return v1::JOB_STATE_QUEUED;
    case queue::JobState::kRunning: return v1::JOB_STATE_RUNNING;
    case queue::JobState::kSucceeded: return v1::JOB_STATE_SUCCEEDED;
    case queue::JobState::kFailedRetrying: return v1::JOB_STATE_FAILED_RETRYING;
    case queue::JobState::kDead: return v1::JOB_STATE_DEAD;
    case queue::JobState::kCancelled: return v1::JOB_STATE_CANCELLED;
  }
  return v1::JOB_STATE_UNSPECIFIED;
}

std::optional<queue::JobState> FromProto(v1::JobState state) {
  switch (state) {
    case v1::JOB_STATE_QUEUED: return queue::JobState::kQueued;
    case v1::JOB_STATE_RUNNING: return queue::JobState::kRunning;
    case v1::JOB_STATE_SUCCEEDED: return queue::JobState::kSucceeded;
    case v1::JOB_STATE_FAILED_RETRYING: return queue::JobState::kFailedRetrying;
    case v1::JOB_STATE_DEAD: return queue::JobState::kDead;
    case v1::JOB_STATE_CANCELLED: return queue::JobState::kCancelled;
    default: return std::nullopt;
  }
}

v1::Priority ToProto(queue::Priority priority) {
  switch (priority) {
    case queue::Priority::kHigh: return v1::PRIORITY_HIGH;
    case queue::Priority::kNormal: return v1::PRIORITY_NORMAL;
    case queue::Priority::kLow: return v1::PRIORITY_LOW;
  }
  return v1::PRIORITY_NORMAL;
}

queue::Priority FromProto(v1::Priority priority) {
  switch (priority) {
    case v1::PRIORITY_HIGH: return queue::Priority::kHigh;
    case v1::PRIORITY_LOW: return queue::Priority::kLow;
    default: return queue::Priority::kNormal;
  }
}

void ToProto(const queue::JobRecord& job, v1::Job* out) {
  out->set_id(job.id);
  out->set_state(ToProto(job.state));
  out->set_pipeline(job.pipeline);
  out->set_priority(ToProto(job.priority));
  out->set_attempts(job.attempts);
  out->set_tiles_done(job.tiles_done);
  out->set_tiles_total(job.tiles_total);
  out->set_output_format(job.output_format);
  if (job.error) {
    auto* error = out->mutable_error();
    error->set_code(std::string(CodeName(job.error->code)));
    error->set_message(job.error->message);
    error->set_field(job.error->field);
  }
  out->set_idempotency_key(job.idempotency_key);
  SetTime(job.created, &v1::Job::mutable_created_at, out);
  SetTime(job.updated, &v1::Job::mutable_updated_at, out);
  SetTime(job.started, &v1::Job::mutable_started_at, out);
  SetTime(job.finished, &v1::Job::mutable_finished_at, out);
}

void ToProto(const jobs::JobStatus& status, v1::Job* out) {
  ToProto(status.job, out);
  for (const auto& capability : status.waiting_for) out->add_waiting_for(capability);
  if (!status.detections_json.empty()) {
    auto found = engine::detect::DetectionsFromJson(status.detections_json);
    if (found) {
      for (const auto& d : *found) ToProto(d, out->add_detections());
    }
  }
}

void ToProto(const engine::detect::Detection& d, v1::Detection* out) {
  out->set_model(d.model);
  out->set_label(d.label);
  out->set_class_id(d.class_id);
  out->set_confidence(d.confidence);
  out->set_x(d.x);
  out->set_y(d.y);
  out->set_width(d.width);
  out->set_height(d.height);
  out->set_step(d.step);
  out->set_image_width(d.image_width);
  out->set_image_height(d.image_height);
}

}  // namespace tessera::api::grpc
