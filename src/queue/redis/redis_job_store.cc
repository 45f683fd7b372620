#include "queue/redis/redis_job_store.h"

#include <utility>

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

// ARGV[1] key prefix, ARGV[2] now (the injected Clock, Unix ms).
constexpr char kPrelude[] = R"lua(
local P = ARGV[1]
local NOW = ARGV[2]
local function job_key(id) return P .. 'job:' .. id end
local function state_key(state) return P .. 'jobs:state:' .. state end
)lua";

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

std::string Script(const std::string& body) { return kPrelude + body; }

// ARGV[3] id, ARGV[4] idempotency key, ARGV[5...] field/value pairs of the new record.
const RedisScript kCreate{"job_create", Script(R"lua(
local id, idem = ARGV[3], ARGV[4]
if idem ~= '' then
  local existing = redis.call('GET', P .. 'idem:' .. idem)
  if existing and redis.call('EXISTS', job_key(existing)) == 1 then
    return {'ok', 'existing', redis.call('HGETALL', job_key(existing))}
  end
end
local key = job_key(id)
if redis.call('EXISTS', key) == 1 then return {'conflict', 'job id ' .. id .. ' is already used'} end
local fields = {}
for i = 5, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', key, unpack(fields))
if idem ~= '' then redis.call('SET', P .. 'idem:' .. idem, id) end
redis.call('ZADD', P .. 'jobs:all', 0, id)
redis.call('ZADD', state_key('queued'), 0, id)
return {'ok', 'created', redis.call('HGETALL', key)}
)lua")};

const RedisScript kGet{"job_get", Script(R"lua(
local key = job_key(ARGV[3])
if redis.call('EXISTS', key) == 0 then return {'not_found', 'no job ' .. ARGV[3]} end
return {'ok', redis.call('HGETALL', key)}
)lua")};

// ARGV[3] id, ARGV[4] target state, ARGV[5...] field/value pairs the update sets.
const RedisScript kTransition{"job_transition", Script(StateTablesLua() + R"lua(
local id, to = ARGV[3], ARGV[4]
local key = job_key(id)
local h = redis.call('HMGET', key, 'state', 'started_ms')
local from = h[1]
if not from then return {'not_found', 'no job ' .. id} end
if not LEGAL[from] or not LEGAL[from][to] then
  return {'conflict', 'job ' .. id .. ' cannot go from ' .. from .. ' to ' .. to}
end
redis.call('HSET', key, 'state', to, 'updated_ms', NOW)
if to == 'running' and (h[2] == false or h[2] == '0') then
  redis.call('HSET', key, 'started_ms', NOW)
end
if TERMINAL[to] then
  redis.call('HSET', key, 'finished_ms', NOW)
  redis.call('ZADD', P .. 'jobs:finished', NOW, id)
elseif TERMINAL[from] then
  redis.call('HSET', key, 'finished_ms', 0)
  redis.call('ZREM', P .. 'jobs:finished', id)
end
redis.call('ZREM', state_key(from), id)
redis.call('ZADD', state_key(to), 0, id)
for i = 5, #ARGV, 2 do redis.call('HSET', key, ARGV[i], ARGV[i + 1]) end
return {'ok', redis.call('HGETALL', key)}
)lua")};

// ARGV[3] id, ARGV[4] done, ARGV[5] total.
const RedisScript kSetProgress{"job_set_progress", Script(R"lua(
local key = job_key(ARGV[3])
if redis.call('EXISTS', key) == 0 then return {'not_found', 'no job ' .. ARGV[3]} end
redis.call('HSET', key, 'tiles_done', ARGV[4], 'tiles_total', ARGV[5], 'updated_ms', NOW)
return {'ok'}
)lua")};

// ARGV[3] id, ARGV[4] tile index. The job's done tiles are the set <prefix>job:<id>:tiles.
const RedisScript kMarkTileDone{"job_mark_tile_done", Script(R"lua(
local key = job_key(ARGV[3])
if redis.call('EXISTS', key) == 0 then return {'not_found', 'no job ' .. ARGV[3]} end
local added = redis.call('SADD', key .. ':tiles', ARGV[4])
local done = redis.call('SCARD', key .. ':tiles')
redis.call('HSET', key, 'tiles_done', done, 'updated_ms', NOW)
local total = tonumber(redis.call('HGET', key, 'tiles_total') or '0') or 0
return {'ok', added, done, total}
)lua")};

// ARGV[3] id, ARGV[4] tile index.
const RedisScript kIsTileDone{"job_is_tile_done", Script(R"lua(
local key = job_key(ARGV[3])
if redis.call('EXISTS', key) == 0 then return {'not_found', 'no job ' .. ARGV[3]} end
return {'ok', redis.call('SISMEMBER', key .. ':tiles', ARGV[4])}
)lua")};

// ARGV[3] index key suffix ('all' or 'state:<name>'), ARGV[4] last id seen ('' = start),
// ARGV[5] how many to return.
const RedisScript kList{"job_list", Script(R"lua(
local start = '-'
if ARGV[4] ~= '' then start = '(' .. ARGV[4] end
local ids = redis.call('ZRANGEBYLEX', P .. 'jobs:' .. ARGV[3], start, '+', 'LIMIT', 0,
                       tonumber(ARGV[5]))
local out = {'ok'}
for _, id in ipairs(ids) do out[#out + 1] = redis.call('HGETALL', job_key(id)) end
return out
)lua")};

// ARGV[3] cutoff (Unix ms, exclusive), ARGV[4] limit.
const RedisScript kExpireFinished{"job_expire_finished", Script(R"lua(
local ids = redis.call('ZRANGEBYSCORE', P .. 'jobs:finished', '-inf', '(' .. ARGV[3], 'LIMIT', 0,
                       tonumber(ARGV[4]))
local out = {'ok'}
for _, id in ipairs(ids) do
  local key = job_key(id)
  local record = redis.call('HGETALL', key)
  out[#out + 1] = record
  local h = redis.call('HMGET', key, 'state', 'idempotency_key')
  if h[2] and h[2] ~= '' and redis.call('GET', P .. 'idem:' .. h[2]) == id then
    redis.call('DEL', P .. 'idem:' .. h[2])
  end
  if h[1] then redis.call('ZREM', state_key(h[1]), id) end
  redis.call('ZREM', P .. 'jobs:finished', id)
  redis.call('ZREM', P .. 'jobs:all', id)
  redis.call('DEL', key, key .. ':tiles')
end
return out
)lua")};

// ARGV[3...] state names.
const RedisScript kCountByState{"job_count_by_state", Script(R"lua(
local out = {'ok'}
for i = 3, #ARGV do out[#out + 1] = redis.call('ZCARD', state_key(ARGV[i])) end
return out
)lua")};

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
  std::vector<std::string> args = {job.id, job.idempotency_key};
  for (std::string& field : EncodeJob(stored)) args.push_back(std::move(field));
  // Not retried on a broken connection: a first run that did land would make the retry answer
  // kConflict (or "existing") for the caller's own job.
  auto outcome = Run(kCreate, std::move(args), RedisRetry::kNever);
  if (!outcome) return std::move(outcome).error();
  if (outcome->size() != 2) return MakeError(ErrorCode::kInternal, "create answered a bad shape");
  return CreatedJob{DecodeJob((*outcome)[1]), (*outcome)[0].str == "created"};
}

Result<JobRecord> RedisJobStore::Get(std::string_view id) {
  auto outcome = Run(kGet, {std::string(id)}, RedisRetry::kIdempotent);
  if (!outcome) return std::move(outcome).error();
  return DecodeJob(outcome->at(0));
}

Result<JobRecord> RedisJobStore::Transition(std::string_view id, JobState to,
                                            const JobUpdate& update) {
  std::vector<std::string> args = {std::string(id), std::string(JobStateName(to))};
  auto set = [&](const char* field, std::string value) {
    args.push_back(field);
    args.push_back(std::move(value));
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
  auto outcome = Run(kTransition, std::move(args), RedisRetry::kNever);
  if (!outcome) return std::move(outcome).error();
  return DecodeJob(outcome->at(0));
}

Status RedisJobStore::SetProgress(std::string_view id, int64_t done, int64_t total) {
  auto outcome = Run(kSetProgress, {std::string(id), IntString(done), IntString(total)},
                     RedisRetry::kIdempotent);
  if (!outcome) return std::move(outcome).error();
  return OkStatus();
}

Result<TileMark> RedisJobStore::MarkTileDone(std::string_view id, int64_t tile) {
  if (tile < 0) return MakeError(ErrorCode::kBadRequest, "tile index is negative", "tile");
  // Idempotent (SADD of a member already present), so a retry after a broken connection is
  // harmless; only newly_done can then read false for the call that did add it.
  auto outcome = Run(kMarkTileDone, {std::string(id), IntString(tile)}, RedisRetry::kIdempotent);
  if (!outcome) return std::move(outcome).error();
  if (outcome->size() != 3) return MakeError(ErrorCode::kInternal, "mark answered a bad shape");
  TileMark mark;
  mark.newly_done = (*outcome)[0].integer == 1;
  mark.tiles_done = (*outcome)[1].integer;
  mark.tiles_total = (*outcome)[2].integer;
  return mark;
}

Result<bool> RedisJobStore::IsTileDone(std::string_view id, int64_t tile) {
  auto outcome = Run(kIsTileDone, {std::string(id), IntString(tile)}, RedisRetry::kIdempotent);
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
  auto outcome = Run(kList, {index, *after, IntString(static_cast<int64_t>(limit) + 1)},
                     RedisRetry::kIdempotent);
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
  auto outcome =
      Run(kExpireFinished, {MillisString(cutoff), IntString(static_cast<int64_t>(limit))},
          RedisRetry::kIdempotent);  // deleting what is already deleted is a no-op
  if (!outcome) return std::move(outcome).error();
  for (const RedisReply& record : *outcome) expired.push_back(DecodeJob(record));
  return expired;
}

Result<std::map<JobState, int64_t>> RedisJobStore::CountByState() {
  std::vector<std::string> names;
  for (JobState s : kAllStates) names.emplace_back(JobStateName(s));
  auto outcome = Run(kCountByState, names, RedisRetry::kIdempotent);
  if (!outcome) return std::move(outcome).error();
  std::map<JobState, int64_t> counts;
  for (size_t i = 0; i < outcome->size() && i < std::size(kAllStates); ++i) {
    if ((*outcome)[i].integer > 0) counts[kAllStates[i]] = (*outcome)[i].integer;
  }
  return counts;
}

}  // namespace tessera::queue
