#include "queue/redis/redis_job_store.h"

#include <utility>

#include "queue/redis/lua/job_store.h"
#include "queue/redis/redis_codec.h"
#include "queue/redis/redis_cursor.h"

namespace tessera::queue {
namespace {

using redis_codec::FieldMap;
using redis_codec::IntField;
using redis_codec::IntString;
using redis_codec::MillisString;

constexpr JobState kAllStates[] = {JobState::kQueued,    JobState::kRunning,
                                   JobState::kSucceeded, JobState::kFailedRetrying,
                                   JobState::kDead,      JobState::kCancelled};

namespace lua = redis_lua::job_store;

// The legal-transition and terminal tables as Lua, generated from IsLegalTransition/IsTerminal.
std::string StateTablesLua() {
  std::string lua = "local LEGAL = {\n";
  for (JobState from : kAllStates) {
    lua += "  ['" + std::string(JobStateName(from)) + "'] = {";
    for (JobState to : kAllStates) {
      if (IsLegalTransition(from, to)) lua += "['" + std::string(JobStateName(to)) + "'] = true, ";
    }
    lua += "},\n";
  }
  lua += "}\nlocal TERMINAL = {";
  for (JobState s : kAllStates) {
    if (IsTerminal(s)) lua += "['" + std::string(JobStateName(s)) + "'] = true, ";
  }
  return lua + "}\n";
}

// Each script runs as the prelude (lua/job_store/prelude.lua: ARGV[1..2], see Run) followed by
// its own text (lua/job_store/<name>.lua); transition also has the state tables in between.
RedisScript JobScript(const char* name, std::string_view body, const std::string& tables = "") {
  return RedisScript{name, std::string(lua::kPrelude) + tables + std::string(body)};
}

const RedisScript kCreate = JobScript("job_create", lua::kCreate);
const RedisScript kGet = JobScript("job_get", lua::kGet);
const RedisScript kTransition = JobScript("job_transition", lua::kTransition, StateTablesLua());
const RedisScript kSetProgress = JobScript("job_set_progress", lua::kSetProgress);
const RedisScript kMarkTileDone = JobScript("job_mark_tile_done", lua::kMarkTileDone);
const RedisScript kIsTileDone = JobScript("job_is_tile_done", lua::kIsTileDone);
const RedisScript kList = JobScript("job_list", lua::kList);
const RedisScript kExpireFinished = JobScript("job_expire_finished", lua::kExpireFinished);
const RedisScript kCountByState = JobScript("job_count_by_state", lua::kCountByState);

// A script's own arguments, ARGV[3...] (after the prelude's two), one struct per script. The
// fields are in the order of the `local name = ARGV[n]` lines at the top of the script, with the
// same names, and ToArgv() lists them in that order: on this side the order is written there
// only (designated initializers at the calls must follow the fields' order).
using Argv = std::vector<std::string>;

Argv Concat(Argv head, const Argv& tail) {
  head.insert(head.end(), tail.begin(), tail.end());
  return head;
}

// create.lua
struct CreateArgs {
  std::string id;
  std::string idempotency_key;
  Argv fields;  // field/value pairs of the new record
  Argv ToArgv() const { return Concat({id, idempotency_key}, fields); }
};

// get.lua
struct GetArgs {
  std::string id;
  Argv ToArgv() const { return {id}; }
};

// transition.lua
struct TransitionArgs {
  std::string id;
  std::string to;
  Argv fields;  // field/value pairs the update sets
  Argv ToArgv() const { return Concat({id, to}, fields); }
};

// set_progress.lua
struct SetProgressArgs {
  std::string id;
  std::string tiles_done;
  std::string tiles_total;
  Argv ToArgv() const { return {id, tiles_done, tiles_total}; }
};

// mark_tile_done.lua, is_tile_done.lua
struct TileArgs {
  std::string id;
  std::string tile;
  Argv ToArgv() const { return {id, tile}; }
};

// list.lua
struct ListArgs {
  std::string index;     // "all" or "state:<name>"
  std::string after_id;  // "" for the first page
  std::string count;
  Argv ToArgv() const { return {index, after_id, count}; }
};

// expire_finished.lua
struct ExpireFinishedArgs {
  std::string cutoff_ms;
  std::string limit;
  Argv ToArgv() const { return {cutoff_ms, limit}; }
};

// count_by_state.lua
struct CountByStateArgs {
  Argv states;
  Argv ToArgv() const { return states; }
};

JobRecord DecodeJob(const RedisReply& flat_pairs) {
  FieldMap f = redis_codec::ToFieldMap(flat_pairs);
  JobRecord job;
  job.id = redis_codec::Field(f, "id");
  job.state = ParseJobState(redis_codec::Field(f, "state")).value_or(JobState::kQueued);
  job.pipeline = redis_codec::Field(f, "pipeline");
  job.input_key = redis_codec::Field(f, "input_key");
  job.output_key = redis_codec::Field(f, "output_key");
  job.output_format = redis_codec::Field(f, "output_format");
  job.priority = ParsePriority(redis_codec::Field(f, "priority")).value_or(Priority::kNormal);
  job.capabilities = redis_codec::DecodeStringList(redis_codec::Field(f, "capabilities"));
  job.idempotency_key = redis_codec::Field(f, "idempotency_key");
  job.request_id = redis_codec::Field(f, "request_id");
  job.attempts = static_cast<int>(IntField(f, "attempts"));
  job.tiles_done = IntField(f, "tiles_done");
  job.tiles_total = IntField(f, "tiles_total");
  job.error_code = redis_codec::Field(f, "error_code");
  job.error_message = redis_codec::Field(f, "error_message");
  job.error_field = redis_codec::Field(f, "error_field");
  job.created = redis_codec::TimeField(f, "created_ms");
  job.updated = redis_codec::TimeField(f, "updated_ms");
  job.started = redis_codec::TimeField(f, "started_ms");
  job.finished = redis_codec::TimeField(f, "finished_ms");
  job.execution = redis_codec::Field(f, "execution");
  job.tiles = redis_codec::Field(f, "tiles");
  if (job.tiles.empty()) job.tiles = "auto";
  return job;
}

std::vector<std::string> EncodeJob(const JobRecord& job) {
  const std::pair<const char*, std::string> fields[] = {
      {"id", job.id},
      {"state", std::string(JobStateName(job.state))},
      {"pipeline", job.pipeline},
      {"input_key", job.input_key},
      {"output_key", job.output_key},
      {"output_format", job.output_format},
      {"priority", std::string(PriorityName(job.priority))},
      {"capabilities", redis_codec::EncodeStringList(job.capabilities)},
      {"idempotency_key", job.idempotency_key},
      {"request_id", job.request_id},
      {"attempts", IntString(job.attempts)},
      {"tiles_done", IntString(job.tiles_done)},
      {"tiles_total", IntString(job.tiles_total)},
      {"error_code", job.error_code},
      {"error_message", job.error_message},
      {"error_field", job.error_field},
      {"created_ms", MillisString(job.created)},
      {"updated_ms", MillisString(job.updated)},
      {"started_ms", MillisString(job.started)},
      {"finished_ms", MillisString(job.finished)},
      {"execution", job.execution},
      {"tiles", job.tiles},
  };
  std::vector<std::string> flat;
  for (const auto& [name, value] : fields) {
    flat.emplace_back(name);
    flat.push_back(value);
  }
  return flat;
}

}  // namespace

RedisJobStore::RedisJobStore(std::shared_ptr<RedisClient> client, const Clock& clock,
                             std::string key_prefix)
    : client_(std::move(client)), clock_(clock), prefix_(std::move(key_prefix)) {}

Result<std::vector<RedisReply>> RedisJobStore::Run(const RedisScript& script,
                                                   std::vector<std::string> args,
                                                   RedisRetry retry) {
  std::vector<std::string> argv = {prefix_, MillisString(clock_.Now())};
  argv.insert(argv.end(), std::make_move_iterator(args.begin()),
              std::make_move_iterator(args.end()));
  return redis_codec::ScriptOutcome(client_->Eval(script, {}, argv, retry), script.name);
}

Result<CreatedJob> RedisJobStore::Create(const JobRecord& job) {
  if (job.id.empty()) return MakeError(ErrorCode::kBadRequest, "a job needs an id", "id");
  if (job.state != JobState::kQueued) {
    return MakeError(ErrorCode::kBadRequest, "a new job must be queued", "state");
  }
  JobRecord stored = job;
  stored.created = stored.updated = clock_.Now();
  const CreateArgs args{
      .id = job.id, .idempotency_key = job.idempotency_key, .fields = EncodeJob(stored)};
  // Not retried on a broken connection: a first run that did land would make the retry answer
  // kConflict (or "existing") for the caller's own job.
  auto outcome = Run(kCreate, args.ToArgv(), RedisRetry::kNever);
  if (!outcome) return std::move(outcome).error();
  if (outcome->size() != 2) return MakeError(ErrorCode::kInternal, "create answered a bad shape");
  return CreatedJob{DecodeJob((*outcome)[1]), (*outcome)[0].str == "created"};
}

Result<JobRecord> RedisJobStore::Get(std::string_view id) {
  auto outcome = Run(kGet, GetArgs{.id = std::string(id)}.ToArgv(), RedisRetry::kIdempotent);
  if (!outcome) return std::move(outcome).error();
  return DecodeJob(outcome->at(0));
}

Result<JobRecord> RedisJobStore::Transition(std::string_view id, JobState to,
                                            const JobUpdate& update) {
  TransitionArgs args{.id = std::string(id), .to = std::string(JobStateName(to)), .fields = {}};
  auto set = [&](const char* field, std::string value) {
    args.fields.push_back(field);
    args.fields.push_back(std::move(value));
  };
  if (update.attempts) set("attempts", IntString(*update.attempts));
  if (update.output_key) set("output_key", *update.output_key);
  if (update.output_format) set("output_format", *update.output_format);
  if (update.execution) set("execution", *update.execution);
  if (update.clear_error) {
    set("error_code", "");
    set("error_message", "");
    set("error_field", "");
  }
  if (update.error) {
    set("error_code", std::string(CodeName(update.error->code)));
    set("error_message", update.error->message);
    set("error_field", update.error->field);
  }
  auto outcome = Run(kTransition, args.ToArgv(), RedisRetry::kNever);
  if (!outcome) return std::move(outcome).error();
  return DecodeJob(outcome->at(0));
}

Status RedisJobStore::SetProgress(std::string_view id, int64_t done, int64_t total) {
  const SetProgressArgs args{
      .id = std::string(id), .tiles_done = IntString(done), .tiles_total = IntString(total)};
  auto outcome = Run(kSetProgress, args.ToArgv(), RedisRetry::kIdempotent);
  if (!outcome) return std::move(outcome).error();
  return OkStatus();
}

Result<TileMark> RedisJobStore::MarkTileDone(std::string_view id, int64_t tile) {
  if (tile < 0) return MakeError(ErrorCode::kBadRequest, "tile index is negative", "tile");
  // Idempotent (SADD of a member already present), so a retry after a broken connection is
  // harmless; only newly_done can then read false for the call that did add it.
  const TileArgs args{.id = std::string(id), .tile = IntString(tile)};
  auto outcome = Run(kMarkTileDone, args.ToArgv(), RedisRetry::kIdempotent);
  if (!outcome) return std::move(outcome).error();
  if (outcome->size() != 3) return MakeError(ErrorCode::kInternal, "mark answered a bad shape");
  TileMark mark;
  mark.newly_done = (*outcome)[0].integer == 1;
  mark.tiles_done = (*outcome)[1].integer;
  mark.tiles_total = (*outcome)[2].integer;
  return mark;
}

Result<bool> RedisJobStore::IsTileDone(std::string_view id, int64_t tile) {
  const TileArgs args{.id = std::string(id), .tile = IntString(tile)};
  auto outcome = Run(kIsTileDone, args.ToArgv(), RedisRetry::kIdempotent);
  if (!outcome) return std::move(outcome).error();
  if (outcome->size() != 1) return MakeError(ErrorCode::kInternal, "answer of a bad shape");
  return (*outcome)[0].integer == 1;
}

Result<JobPage> RedisJobStore::List(std::optional<JobState> state, size_t limit,
                                    std::string_view cursor) {
  if (limit < 1 || limit > 1000) {
    return MakeError(ErrorCode::kBadRequest, "limit must be 1..1000", "limit");
  }
  std::optional<std::string> after = DecodeRedisCursor(cursor);
  if (!after) return MakeError(ErrorCode::kBadRequest, "the cursor is malformed", "cursor");
  std::string index = state ? "state:" + std::string(JobStateName(*state)) : "all";
  // One more than asked tells whether another page follows.
  const ListArgs args{
      .index = index, .after_id = *after, .count = IntString(static_cast<int64_t>(limit) + 1)};
  auto outcome = Run(kList, args.ToArgv(), RedisRetry::kIdempotent);
  if (!outcome) return std::move(outcome).error();
  JobPage page;
  for (const RedisReply& record : *outcome) page.jobs.push_back(DecodeJob(record));
  if (page.jobs.size() > limit) {
    page.jobs.resize(limit);
    page.next_cursor = EncodeRedisCursor(page.jobs.back().id);
  }
  return page;
}

Result<std::vector<JobRecord>> RedisJobStore::ExpireFinished(SystemTime cutoff, size_t limit) {
  std::vector<JobRecord> expired;
  if (limit == 0) return expired;
  const ExpireFinishedArgs args{.cutoff_ms = MillisString(cutoff),
                                .limit = IntString(static_cast<int64_t>(limit))};
  auto outcome = Run(kExpireFinished, args.ToArgv(),
                     RedisRetry::kIdempotent);  // deleting what is already deleted is a no-op
  if (!outcome) return std::move(outcome).error();
  for (const RedisReply& record : *outcome) expired.push_back(DecodeJob(record));
  return expired;
}

Result<std::map<JobState, int64_t>> RedisJobStore::CountByState() {
  CountByStateArgs args;
  for (JobState s : kAllStates) args.states.emplace_back(JobStateName(s));
  auto outcome = Run(kCountByState, args.ToArgv(), RedisRetry::kIdempotent);
  if (!outcome) return std::move(outcome).error();
  std::map<JobState, int64_t> counts;
  for (size_t i = 0; i < outcome->size() && i < std::size(kAllStates); ++i) {
    if ((*outcome)[i].integer > 0) counts[kAllStates[i]] = (*outcome)[i].integer;
  }
  return counts;
}

}  // namespace tessera::queue
