// The one table of stored JobRecord fields: a record survives the Redis hash form, every field
// is in the table once per backend name, and records written before a field existed still
// decode.
#include "queue/job_record_fields.h"

#include <gtest/gtest.h>

#include <set>

namespace tessera::queue {
namespace {

JobRecord FullRecord() {
  JobRecord job;
  job.id = "01JOB";
  job.state = JobState::kFailedRetrying;
  job.pipeline = "invert;format:type=png";
  job.input_key = "inputs/01JOB";
  job.output_key = "results/01JOB";
  job.output_format = "png";
  job.priority = Priority::kLow;
  job.capabilities = {"detect", "gpu"};
  job.idempotency_key = "key-1";
  job.request_id = "req-1";
  job.attempts = 3;
  job.tiles = "on";
  job.tiles_done = 5;
  job.tiles_total = 9;
  job.execution = "whole: invert";
  job.error = MakeError(ErrorCode::kUnavailable, "the store is down", "input");
  job.created = FromUnixMillis(1000);
  job.updated = FromUnixMillis(2000);
  job.started = FromUnixMillis(1500);
  job.finished = FromUnixMillis(0);
  return job;
}

std::map<std::string, std::string> AsMap(const std::vector<std::string>& flat) {
  std::map<std::string, std::string> map;
  for (size_t i = 0; i + 1 < flat.size(); i += 2) map[flat[i]] = flat[i + 1];
  return map;
}

TEST(JobRecordFields, NamesEachFieldOncePerBackend) {
  std::set<std::string_view> redis, sqlite;
  for (const JobRecordField& field : JobRecordFields()) {
    EXPECT_TRUE(redis.insert(field.redis_name).second) << field.redis_name;
    EXPECT_TRUE(sqlite.insert(field.sqlite_column).second) << field.sqlite_column;
    EXPECT_EQ(FindJobField(field.redis_name), &field);
  }
  EXPECT_EQ(FindJobField("no_such_field"), nullptr);
}

TEST(JobRecordFields, RoundTripsThroughTheRedisHash) {
  const JobRecord job = FullRecord();
  EXPECT_EQ(DecodeJobHash(AsMap(EncodeJobHash(job))), job);
}

TEST(JobRecordFields, RoundTripsThroughTheStoredValues) {
  const JobRecord job = FullRecord();
  JobRecord back;
  for (const JobRecordField& field : JobRecordFields()) field.set(back, field.get(job));
  EXPECT_EQ(back, job);
}

TEST(JobRecordFields, KeepsTheRedisSpellings) {
  std::map<std::string, std::string> hash = AsMap(EncodeJobHash(FullRecord()));
  EXPECT_EQ(hash["state"], "failed_retrying");
  EXPECT_EQ(hash["priority"], "low");
  EXPECT_EQ(hash["capabilities"], R"(["detect","gpu"])");
  EXPECT_EQ(hash["created_ms"], "1000");
  EXPECT_EQ(hash["finished_ms"], "0");
  EXPECT_EQ(hash["error_code"], "unavailable");
  EXPECT_EQ(hash["error_message"], "the store is down");
  EXPECT_EQ(hash["error_field"], "input");
}

TEST(JobRecordFields, NoErrorIsStoredAsEmptyFields) {
  JobRecord job = FullRecord();
  job.error.reset();
  std::map<std::string, std::string> hash = AsMap(EncodeJobHash(job));
  EXPECT_EQ(hash["error_code"], "");
  EXPECT_EQ(hash["error_message"], "");
  EXPECT_EQ(hash["error_field"], "");
  EXPECT_FALSE(DecodeJobHash(hash).error.has_value());
}

TEST(JobRecordFields, AnErrorKeepsCodeMessageAndFieldButNotItsDetail) {
  JobRecord job = FullRecord();
  job.error = MakeError(ErrorCode::kCorruptImage, "truncated", "input", "libvips said so");
  JobRecord back = DecodeJobHash(AsMap(EncodeJobHash(job)));
  EXPECT_EQ(back.error, MakeError(ErrorCode::kCorruptImage, "truncated", "input"));
}

TEST(JobRecordFields, ReadsARecordWrittenBeforeTiling) {
  std::map<std::string, std::string> hash = AsMap(EncodeJobHash(FullRecord()));
  hash.erase("execution");
  hash.erase("tiles");
  JobRecord job = DecodeJobHash(hash);
  EXPECT_EQ(job.execution, "");
  EXPECT_EQ(job.tiles, "auto");
  EXPECT_EQ(job.id, "01JOB");
}

TEST(JobRecordFields, MalformedValuesReadAsDefaults) {
  std::map<std::string, std::string> hash = AsMap(EncodeJobHash(FullRecord()));
  hash["state"] = "exploded";
  hash["priority"] = "urgent";
  hash["attempts"] = "3x";
  hash["capabilities"] = "not json";
  hash["error_code"] = "gremlins";
  JobRecord job = DecodeJobHash(hash);
  EXPECT_EQ(job.state, JobState::kQueued);
  EXPECT_EQ(job.priority, Priority::kNormal);
  EXPECT_EQ(job.attempts, 0);
  EXPECT_TRUE(job.capabilities.empty());
  ASSERT_TRUE(job.error.has_value());
  EXPECT_EQ(job.error->code, ErrorCode::kInternal);
  EXPECT_EQ(job.error->message, "the store is down");
}

TEST(JobRecordFields, AnUpdateWithClearAndErrorSetsTheError) {
  JobUpdate update;
  update.attempts = 4;
  update.clear_error = true;
  update.error = MakeError(ErrorCode::kConflict, "lost", "lease");
  JobRecord job = FullRecord();
  ApplyJobUpdate(update, job);
  EXPECT_EQ(job.attempts, 4);
  EXPECT_EQ(job.error, MakeError(ErrorCode::kConflict, "lost", "lease"));

  JobUpdate clear;
  clear.clear_error = true;
  ApplyJobUpdate(clear, job);
  EXPECT_FALSE(job.error.has_value());
}

}  // namespace
}  // namespace tessera::queue
