#include "queue/redis/redis_job_store.h"

#include <utility>

#include "queue/job_record_fields.h"
#include "queue/list_cursor.h"
#include "queue/redis/lua/job_store.h"
#include "queue/redis/redis_codec.h"

namespace tessera::queue {
namespace {

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

// A script's own arguments, ARGV[3...] after the prelude's two (ScriptArgv, redis_client.h;
// designated initializers at the calls must follow the fields' order).
using Argv = ScriptArgv;

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
  return DecodeJobHash(redis_codec::ToFieldMap(flat_pairs));
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
      .id = job.id, .idempotency_key = job.idempotency_key, .fields = EncodeJobHash(stored)};
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
  // The script sets them in this order, so a later change of a field wins.
  for (const JobFieldChange& change : JobUpdateChanges(update)) {
    args.fields.emplace_back(change.field->redis_name);
    args.fields.push_back(JobFieldText(*change.field, change.value));
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
  Result<std::string> after = DecodeListCursor(cursor);
  if (!after) return std::move(after).error();
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
    page.next_cursor = EncodeListCursor(page.jobs.back().id);
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
