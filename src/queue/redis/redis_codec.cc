#include "queue/redis/redis_codec.h"

#include <charconv>
#include <utility>

namespace tessera::queue::redis_codec {

Result<std::vector<RedisReply>> ScriptOutcome(Result<RedisReply> reply,
                                              std::string_view script_name) {
  if (!reply) return std::move(reply).error();
  const RedisReply& r = *reply;
  if (!r.is_array() || r.elements.empty() || r.elements[0].type != RedisReply::Type::kString) {
    return MakeError(ErrorCode::kInternal,
                     "Redis script " + std::string(script_name) + " answered an unexpected shape");
  }
  const std::string& status = r.elements[0].str;
  if (status == "ok") return std::vector<RedisReply>(r.elements.begin() + 1, r.elements.end());
  std::string message = r.elements.size() > 1 ? r.elements[1].str : status;
  std::optional<ErrorCode> code = ParseErrorCode(status);
  if (!code) {
    return MakeError(ErrorCode::kInternal,
                     "Redis script " + std::string(script_name) + " answered status " + status, {},
                     message);
  }
  return MakeError(*code, std::move(message));
}

FieldMap ToFieldMap(const RedisReply& flat_pairs) {
  FieldMap fields;
  for (size_t i = 0; i + 1 < flat_pairs.elements.size(); i += 2) {
    fields[flat_pairs.elements[i].str] = flat_pairs.elements[i + 1].str;
  }
  return fields;
}

std::string Field(const FieldMap& fields, const std::string& name) {
  auto it = fields.find(name);
  return it == fields.end() ? std::string() : it->second;
}

int64_t IntField(const FieldMap& fields, const std::string& name) {
  std::string text = Field(fields, name);
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return 0;
  return value;
}

SystemTime TimeField(const FieldMap& fields, const std::string& name) {
  return FromUnixMillis(IntField(fields, name));
}

std::string IntString(int64_t value) { return std::to_string(value); }

std::string MillisString(SystemTime t) { return std::to_string(ToUnixMillis(t)); }

}  // namespace tessera::queue::redis_codec
