#include "queue/job_record_fields.h"

#include <charconv>
#include <cstdlib>
#include <utility>

#include "queue/string_list.h"

namespace tessera::queue {
namespace {

int64_t AsInt(const JobFieldValue& value) {
  const int64_t* i = std::get_if<int64_t>(&value);
  return i ? *i : 0;
}

std::string AsText(const JobFieldValue& value) {
  const std::string* s = std::get_if<std::string>(&value);
  return s ? *s : std::string();
}

// One row per stored field. Captureless lambdas, so the table is built at compile time.
constexpr JobRecordField kFields[] = {
    {"id", "id", JobFieldType::kText, false,
     [](const JobRecord& j) -> JobFieldValue { return j.id; },
     [](JobRecord& j, const JobFieldValue& v) { j.id = AsText(v); }},
    {"state", "state", JobFieldType::kText, false,
     [](const JobRecord& j) -> JobFieldValue { return std::string(JobStateName(j.state)); },
     [](JobRecord& j, const JobFieldValue& v) {
       j.state = ParseJobState(AsText(v)).value_or(JobState::kQueued);
     }},
    {"pipeline", "pipeline", JobFieldType::kText, false,
     [](const JobRecord& j) -> JobFieldValue { return j.pipeline; },
     [](JobRecord& j, const JobFieldValue& v) { j.pipeline = AsText(v); }},
    {"input_key", "input_key", JobFieldType::kText, false,
     [](const JobRecord& j) -> JobFieldValue { return j.input_key; },
     [](JobRecord& j, const JobFieldValue& v) { j.input_key = AsText(v); }},
    {"output_key", "output_key", JobFieldType::kText, false,
     [](const JobRecord& j) -> JobFieldValue { return j.output_key; },
     [](JobRecord& j, const JobFieldValue& v) { j.output_key = AsText(v); }},
    {"output_format", "output_format", JobFieldType::kText, false,
     [](const JobRecord& j) -> JobFieldValue { return j.output_format; },
     [](JobRecord& j, const JobFieldValue& v) { j.output_format = AsText(v); }},
    {"priority", "priority", JobFieldType::kPriority, false,
     [](const JobRecord& j) -> JobFieldValue { return static_cast<int64_t>(j.priority); },
     [](JobRecord& j, const JobFieldValue& v) {
       const int64_t p = std::holds_alternative<int64_t>(v) ? AsInt(v) : -1;
       j.priority = p >= 0 && p <= 2 ? static_cast<Priority>(p) : Priority::kNormal;
     }},
    {"capabilities", "capabilities", JobFieldType::kText, false,
     [](const JobRecord& j) -> JobFieldValue { return EncodeStringList(j.capabilities); },
     [](JobRecord& j, const JobFieldValue& v) { j.capabilities = DecodeStringList(AsText(v)); }},
    {"idempotency_key", "idempotency_key", JobFieldType::kText, true,
     [](const JobRecord& j) -> JobFieldValue { return j.idempotency_key; },
     [](JobRecord& j, const JobFieldValue& v) { j.idempotency_key = AsText(v); }},
    {"request_id", "request_id", JobFieldType::kText, false,
     [](const JobRecord& j) -> JobFieldValue { return j.request_id; },
     [](JobRecord& j, const JobFieldValue& v) { j.request_id = AsText(v); }},
    {"attempts", "attempts", JobFieldType::kInteger, false,
     [](const JobRecord& j) -> JobFieldValue { return static_cast<int64_t>(j.attempts); },
     [](JobRecord& j, const JobFieldValue& v) { j.attempts = static_cast<int>(AsInt(v)); }},
    {"tiles_done", "tiles_done", JobFieldType::kInteger, false,
     [](const JobRecord& j) -> JobFieldValue { return j.tiles_done; },
     [](JobRecord& j, const JobFieldValue& v) { j.tiles_done = AsInt(v); }},
    {"tiles_total", "tiles_total", JobFieldType::kInteger, false,
     [](const JobRecord& j) -> JobFieldValue { return j.tiles_total; },
     [](JobRecord& j, const JobFieldValue& v) { j.tiles_total = AsInt(v); }},
    // JobRecord::error, stored as three fields. The code comes first: "" means no error, and
    // the message and field then set nothing. A code no version wrote reads as internal.
    {"error_code", "error_code", JobFieldType::kText, false,
     [](const JobRecord& j) -> JobFieldValue {
       return j.error ? std::string(CodeName(j.error->code)) : std::string();
     },
     [](JobRecord& j, const JobFieldValue& v) {
       const std::string code = AsText(v);
       if (code.empty()) {
         j.error.reset();
       } else {
         j.error = Error{.code = ParseErrorCode(code).value_or(ErrorCode::kInternal)};
       }
     }},
    {"error_message", "error_message", JobFieldType::kText, false,
     [](const JobRecord& j) -> JobFieldValue { return j.error ? j.error->message : std::string(); },
     [](JobRecord& j, const JobFieldValue& v) {
       if (j.error) j.error->message = AsText(v);
     }},
    {"error_field", "error_field", JobFieldType::kText, false,
     [](const JobRecord& j) -> JobFieldValue { return j.error ? j.error->field : std::string(); },
     [](JobRecord& j, const JobFieldValue& v) {
       if (j.error) j.error->field = AsText(v);
     }},
    {"created_ms", "created_at", JobFieldType::kInteger, false,
     [](const JobRecord& j) -> JobFieldValue { return ToUnixMillis(j.created); },
     [](JobRecord& j, const JobFieldValue& v) { j.created = FromUnixMillis(AsInt(v)); }},
    {"updated_ms", "updated_at", JobFieldType::kInteger, false,
     [](const JobRecord& j) -> JobFieldValue { return ToUnixMillis(j.updated); },
     [](JobRecord& j, const JobFieldValue& v) { j.updated = FromUnixMillis(AsInt(v)); }},
    {"started_ms", "started_at", JobFieldType::kInteger, false,
     [](const JobRecord& j) -> JobFieldValue { return ToUnixMillis(j.started); },
     [](JobRecord& j, const JobFieldValue& v) { j.started = FromUnixMillis(AsInt(v)); }},
    {"finished_ms", "finished_at", JobFieldType::kInteger, false,
     [](const JobRecord& j) -> JobFieldValue { return ToUnixMillis(j.finished); },
     [](JobRecord& j, const JobFieldValue& v) { j.finished = FromUnixMillis(AsInt(v)); }},
    // Added with tiling (SQLite schema version 2); older Redis records lack both.
    {"execution", "execution", JobFieldType::kText, false,
     [](const JobRecord& j) -> JobFieldValue { return j.execution; },
     [](JobRecord& j, const JobFieldValue& v) { j.execution = AsText(v); }},
    {"tiles", "tiles", JobFieldType::kText, false,
     [](const JobRecord& j) -> JobFieldValue { return j.tiles; },
     [](JobRecord& j, const JobFieldValue& v) {
       j.tiles = AsText(v);
       if (j.tiles.empty()) j.tiles = "auto";
     }},
};

int64_t ParseInt(std::string_view text) {
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return 0;
  return value;
}

}  // namespace

std::span<const JobRecordField> JobRecordFields() { return kFields; }

const JobRecordField* FindJobField(std::string_view redis_name) {
  for (const JobRecordField& field : kFields) {
    if (field.redis_name == redis_name) return &field;
  }
  return nullptr;
}

std::string JobFieldText(const JobRecordField& field, const JobFieldValue& value) {
  switch (field.type) {
    case JobFieldType::kText: return AsText(value);
    case JobFieldType::kInteger: return std::to_string(AsInt(value));
    case JobFieldType::kPriority:
      return std::string(PriorityName(static_cast<Priority>(AsInt(value))));
  }
  return {};
}

void SetJobFieldFromText(const JobRecordField& field, std::string_view text, JobRecord& job) {
  switch (field.type) {
    case JobFieldType::kText: field.set(job, std::string(text)); return;
    case JobFieldType::kInteger: field.set(job, ParseInt(text)); return;
    case JobFieldType::kPriority: {
      std::optional<Priority> priority = ParsePriority(text);
      field.set(job, priority ? JobFieldValue(static_cast<int64_t>(*priority))
                              : JobFieldValue(std::string(text)));
      return;
    }
  }
}

std::vector<std::string> EncodeJobHash(const JobRecord& job) {
  std::vector<std::string> flat;
  flat.reserve(2 * std::size(kFields));
  for (const JobRecordField& field : kFields) {
    flat.emplace_back(field.redis_name);
    flat.push_back(JobFieldText(field, field.get(job)));
  }
  return flat;
}

JobRecord DecodeJobHash(const std::map<std::string, std::string>& fields) {
  JobRecord job;
  for (const JobRecordField& field : kFields) {
    auto it = fields.find(std::string(field.redis_name));
    SetJobFieldFromText(field, it == fields.end() ? std::string_view() : it->second, job);
  }
  return job;
}

std::vector<JobFieldChange> JobUpdateChanges(const JobUpdate& update) {
  std::vector<JobFieldChange> changes;
  auto change = [&](std::string_view name, JobFieldValue value) {
    const JobRecordField* field = FindJobField(name);
    if (field == nullptr) std::abort();  // a name missing from kFields: a bug in this file
    changes.push_back({field, std::move(value)});
  };
  if (update.attempts) change("attempts", static_cast<int64_t>(*update.attempts));
  if (update.output_key) change("output_key", *update.output_key);
  if (update.output_format) change("output_format", *update.output_format);
  if (update.execution) change("execution", *update.execution);
  if (update.clear_error) {
    change("error_code", std::string());
    change("error_message", std::string());
    change("error_field", std::string());
  }
  if (update.error) {
    change("error_code", std::string(CodeName(update.error->code)));
    change("error_message", update.error->message);
    change("error_field", update.error->field);
  }
  return changes;
}

void ApplyJobUpdate(const JobUpdate& update, JobRecord& job) {
  for (const JobFieldChange& change : JobUpdateChanges(update)) {
    change.field->set(job, change.value);
  }
}

}  // namespace tessera::queue
