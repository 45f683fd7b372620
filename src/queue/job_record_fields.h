// How a JobRecord is stored: one table of its fields, with each field's name in each backend,
// its stored type and how it is read from and written to a record. RedisJobStore (a hash per
// job) and SqliteJobStore (a row per job) both read and write records through it, so a field is
// added or changed in one place. The stored formats are those of docs/ARCHITECTURE.md ("Redis
// key schema", "SQLite schema"); records written by earlier versions still decode (a field
// they lack reads as its default).
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "queue/job_store.h"

namespace tessera::queue {

// A stored value: an integer or text. SQLite binds and reads it as INTEGER or TEXT; Redis keeps
// every value as text (JobFieldText).
using JobFieldValue = std::variant<int64_t, std::string>;

enum class JobFieldType {
  kText,      // text, as is
  kInteger,   // an integer: counts, and times as Unix ms (0: never)
  kPriority,  // an integer 0..2 in SQLite; its PriorityName ("high", "normal", "low") in Redis
};

struct JobRecordField {
  std::string_view redis_name;     // the field of the hash <prefix>job:<id>
  std::string_view sqlite_column;  // the column of the jobs table
  JobFieldType type;
  bool sqlite_null_when_empty;  // "" is stored as NULL (the unique idempotency_key index)
  // The record's value of this field, of the field's type (int64_t for kInteger and kPriority).
  JobFieldValue (*get)(const JobRecord& job);
  // Sets the record's field from a stored value. A value no writer makes (a state or priority
  // out of range, a value of the wrong type) sets the field's default: state queued, priority
  // normal, 0, "", tiles "auto".
  void (*set)(JobRecord& job, const JobFieldValue& value);
};

// Every stored field, in the order of the SQLite column list.
std::span<const JobRecordField> JobRecordFields();

// The field of that Redis name, or nullptr.
const JobRecordField* FindJobField(std::string_view redis_name);

// A field's value as Redis stores it, and back: integers in decimal (a malformed or missing one
// reads as 0), a priority by name.
std::string JobFieldText(const JobRecordField& field, const JobFieldValue& value);
void SetJobFieldFromText(const JobRecordField& field, std::string_view text, JobRecord& job);

// The record as a Redis hash: [name, value, name, value, ...] of every field, and back from
// HGETALL's field map (a field the map lacks reads as "" / 0).
std::vector<std::string> EncodeJobHash(const JobRecord& job);
JobRecord DecodeJobHash(const std::map<std::string, std::string>& fields);

// The stored fields a JobUpdate sets (besides the state and times, which the store sets), with
// their new values, in the order to apply them: clear_error's empty values before error's, so
// an update with both sets the error.
struct JobFieldChange {
  const JobRecordField* field;
  JobFieldValue value;
};
std::vector<JobFieldChange> JobUpdateChanges(const JobUpdate& update);

// Applies JobUpdateChanges(update) to `job`.
void ApplyJobUpdate(const JobUpdate& update, JobRecord& job);

}  // namespace tessera::queue
