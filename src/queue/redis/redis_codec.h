// How tessera's Redis code spells values: the outcome convention of its Lua scripts and hash
// fields decoded into numbers and times. (String lists: queue/string_list.h; job records:
// queue/job_record_fields.h.)
//
// Script outcome convention: every tessera script answers an array whose first element is a
// status: "ok" (the rest is the payload) or a CodeName() spelling such as "conflict" or
// "not_found" followed by a human message. Scripts never raise Redis errors on purpose, so a
// Redis error reply always means a bug or an outage, not a business outcome.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "queue/redis/redis_client.h"

namespace tessera::queue::redis_codec {

// The payload elements after "ok", or the Error the script reported.
Result<std::vector<RedisReply>> ScriptOutcome(Result<RedisReply> reply,
                                              std::string_view script_name);

// A flat [field, value, field, value, ...] array (HGETALL) as a map.
using FieldMap = std::map<std::string, std::string>;
FieldMap ToFieldMap(const RedisReply& flat_pairs);

std::string Field(const FieldMap& fields, const std::string& name);
int64_t IntField(const FieldMap& fields, const std::string& name);      // 0 if absent or malformed
SystemTime TimeField(const FieldMap& fields, const std::string& name);  // from Unix ms

std::string IntString(int64_t value);
std::string MillisString(SystemTime t);

}  // namespace tessera::queue::redis_codec
