#include "engine/pipeline.h"

#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>

#include "engine/op_registry.h"

namespace tessera::engine {
namespace {

using Json = nlohmann::ordered_json;

std::string Quote(std::string_view s) { return "'" + std::string(s) + "'"; }

std::string Field(const OpSpec& op, std::string_view param) {
  return std::string(op.name) + "." + std::string(param);
}

std::string StepPrefix(size_t index, std::string_view op) {
  return "step " + std::to_string(index + 1) + " (" + std::string(op) + "): ";
}

std::string FormatNumber(double v) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

std::string AllowedText(const ParamSpec& p) {
  switch (p.type) {
    case ParamType::kInt:
      return "an integer from " + FormatNumber(p.min) + " to " + FormatNumber(p.max);
    case ParamType::kFloat:
      return "a number from " + FormatNumber(p.min) + " to " + FormatNumber(p.max);
    case ParamType::kBool: return "true or false";
    case ParamType::kEnum: {
      std::string s = "one of ";
      for (size_t i = 0; i < p.choices.size(); ++i) {
        if (i) s += ", ";
        s += p.choices[i];
      }
      return s;
    }
    case ParamType::kColour: return "rrggbb or rrggbbaa hex, black, white or transparent";
    case ParamType::kName:
      return "a name of letters, digits, '_', '-' and '.' (several separated by '|')";
  }
  return "";
}

Error ValueError(size_t step, const OpSpec& op, const ParamSpec& p, std::string_view given) {
  return MakeError(ErrorCode::kBadPipeline,
                   StepPrefix(step, op.name) + std::string(p.name) + "=" + std::string(given) +
                       " is not allowed; expected " + AllowedText(p),
                   Field(op, p.name));
}

bool IsNameList(std::string_view text) {
  if (text.empty() || text.size() > 200 || text.front() == '|' || text.back() == '|') return false;
  char previous = 0;
  for (char c : text) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.' || c == '|';
    if (!ok || (c == '|' && previous == '|')) return false;
    previous = c;
  }
  return true;
}

// Parses the text spelling of one value; `given` is echoed in errors.
Result<ParamValue> ValueFromText(size_t step, const OpSpec& op, const ParamSpec& p,
                                 std::string_view text) {
  switch (p.type) {
    case ParamType::kInt: {
      int64_t v = 0;
      auto r = std::from_chars(text.data(), text.data() + text.size(), v);
      if (r.ec != std::errc() || r.ptr != text.data() + text.size()) break;
      if (v < p.min || v > p.max) break;
      return ParamValue(v);
    }
    case ParamType::kFloat: {
      double v = 0;
      auto r = std::from_chars(text.data(), text.data() + text.size(), v);
      if (r.ec != std::errc() || r.ptr != text.data() + text.size() || !std::isfinite(v)) break;
      if (v < p.min || v > p.max) break;
      return ParamValue(v);
    }
    case ParamType::kBool:
      if (text == "true" || text == "1") return ParamValue(true);
      if (text == "false" || text == "0") return ParamValue(false);
      break;
    case ParamType::kEnum:
      for (auto c : p.choices) {
        if (c == text) return ParamValue(std::string(text));
      }
      break;
    case ParamType::kColour:
      if (auto c = ParseColour(text)) return ParamValue(*c);
      break;
    case ParamType::kName:
      if (IsNameList(text)) return ParamValue(std::string(text));
      break;
  }
  return ValueError(step, op, p, text);
}

Result<ParamValue> ValueFromJson(size_t step, const OpSpec& op, const ParamSpec& p, const Json& j) {
  std::string shown = j.dump();
  switch (p.type) {
    case ParamType::kInt:
      if (j.is_number_integer()) return ValueFromText(step, op, p, shown);
      if (j.is_number_float()) {
        double d = j.get<double>();
        if (d == std::floor(d) && std::fabs(d) < 1e15) {
          return ValueFromText(step, op, p, std::to_string(static_cast<int64_t>(d)));
        }
      }
      break;
    case ParamType::kFloat:
      if (j.is_number()) return ValueFromText(step, op, p, FormatNumber(j.get<double>()));
      break;
    case ParamType::kBool:
      if (j.is_boolean()) return ParamValue(j.get<bool>());
      break;
    case ParamType::kEnum:
    case ParamType::kColour:
    case ParamType::kName:
      if (j.is_string()) return ValueFromText(step, op, p, j.get<std::string>());
      break;
  }
  return ValueError(step, op, p, shown);
}

std::string ValueToText(const ParamValue& v) {
  if (auto* i = std::get_if<int64_t>(&v)) return std::to_string(*i);
  if (auto* d = std::get_if<double>(&v)) return FormatNumber(*d);
  if (auto* b = std::get_if<bool>(&v)) return *b ? "true" : "false";
  if (auto* s = std::get_if<std::string>(&v)) return *s;
  if (auto* c = std::get_if<Colour>(&v)) return ColourToText(*c);
  return "";
}

Json ValueToJson(const ParamValue& v) {
  if (auto* i = std::get_if<int64_t>(&v)) return *i;
  if (auto* d = std::get_if<double>(&v)) return *d;
  if (auto* b = std::get_if<bool>(&v)) return *b;
  return ValueToText(v);
}

Error UnknownOp(size_t step, std::string_view name) {
  return MakeError(ErrorCode::kBadPipeline,
                   "step " + std::to_string(step + 1) + ": unknown op " + Quote(name) +
                       "; known ops: " + KnownOpNames(),
                   "op");
}

Error UnknownParam(size_t step, const OpSpec& op, std::string_view name) {
  std::string known;
  for (const ParamSpec& p : op.params) {
    if (!known.empty()) known += ", ";
    known += p.name;
  }
  return MakeError(
      ErrorCode::kBadPipeline,
      StepPrefix(step, op.name) + "unknown parameter " + Quote(name) +
          (known.empty() ? "; this op takes no parameters" : "; its parameters are " + known),
      Field(op, name));
}

// Collects a step's arguments, then fills defaults and checks required ones and the op's own
// cross-parameter rules.
class StepBuilder {
 public:
  StepBuilder(size_t index, const OpSpec* op) : index_(index), op_(op), args_(op) {}

  Status Add(std::string_view name, const auto& raw, bool from_json) {
    for (size_t i = 0; i < op_->params.size(); ++i) {
      const ParamSpec& p = op_->params[i];
      if (p.name != name) continue;
      if (args_.GivenAt(i)) {
        return MakeError(ErrorCode::kBadPipeline,
                         StepPrefix(index_, op_->name) + std::string(name) + " is given twice",
                         Field(*op_, name));
      }
      Result<ParamValue> v = [&]() -> Result<ParamValue> {
        if constexpr (std::is_same_v<std::decay_t<decltype(raw)>, Json>) {
          return ValueFromJson(index_, *op_, p, raw);
        } else {
          return ValueFromText(index_, *op_, p, raw);
        }
      }();
      (void)from_json;
      if (!v) return v.error();
      args_.Set(i, std::move(*v), true);
      return OkStatus();
    }
    return UnknownParam(index_, *op_, name);
  }

  Result<Step> Finish() {
    for (size_t i = 0; i < op_->params.size(); ++i) {
      const ParamSpec& p = op_->params[i];
      if (args_.GivenAt(i)) continue;
      if (p.required) {
        return MakeError(ErrorCode::kBadPipeline,
                         StepPrefix(index_, op_->name) + std::string(p.name) + " is required (" +
                             AllowedText(p) + ")",
                         Field(*op_, p.name));
      }
      if (!p.default_value.empty()) {
        auto v = ValueFromText(index_, *op_, p, p.default_value);
        if (!v) {
          std::fprintf(stderr, "tessera: bad default for %s\n", Field(*op_, p.name).c_str());
          std::abort();
        }
        args_.Set(i, std::move(*v), false);
      }
    }
    if (op_->validate != nullptr) {
      Status s = op_->validate(args_);
      if (!s) {
        Error e = s.error();
        e.message = StepPrefix(index_, op_->name) + e.message;
        return e;
      }
    }
    return Step{op_, std::move(args_)};
  }

 private:
  size_t index_;
  const OpSpec* op_;
  Args args_;
};

Status CheckPipeline(const Pipeline& p) {
  for (size_t i = 0; i < p.steps.size(); ++i) {
    if (p.steps[i].op->name == "format" && i + 1 != p.steps.size()) {
      return MakeError(ErrorCode::kBadPipeline,
                       StepPrefix(i, "format") + "format must be the last step", "format");
    }
  }
  return OkStatus();
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() &&
         (s.front() == ' ' || s.front() == '\t' || s.front() == '\n' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace

Result<Pipeline> ParsePipelineText(std::string_view text) {
  Pipeline out;
  text = Trim(text);
  size_t pos = 0;
  while (pos <= text.size() && !text.empty()) {
    size_t end = text.find_first_of(";/", pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view step_text = Trim(text.substr(pos, end - pos));
    size_t index = out.steps.size();
    if (step_text.empty()) {
      if (end == text.size()) break;  // a trailing separator is harmless
      return MakeError(ErrorCode::kBadPipeline, "step " + std::to_string(index + 1) + " is empty",
                       "pipeline");
    }
    size_t colon = step_text.find(':');
    std::string_view name = Trim(step_text.substr(0, colon));
    const OpSpec* op = FindOp(name);
    if (op == nullptr) return UnknownOp(index, name);
    StepBuilder builder(index, op);
    if (colon != std::string_view::npos) {
      std::string_view rest = step_text.substr(colon + 1);
      size_t p = 0;
      while (p <= rest.size()) {
        size_t comma = rest.find(',', p);
        if (comma == std::string_view::npos) comma = rest.size();
        std::string_view kv = Trim(rest.substr(p, comma - p));
        size_t eq = kv.find('=');
        if (kv.empty() || eq == std::string_view::npos || eq == 0) {
          return MakeError(ErrorCode::kBadPipeline,
                           StepPrefix(index, op->name) + "expected name=value, got " + Quote(kv),
                           std::string(op->name));
        }
        Status s = builder.Add(Trim(kv.substr(0, eq)), Trim(kv.substr(eq + 1)), false);
        if (!s) return s.error();
        p = comma + 1;
      }
    }
    auto step = builder.Finish();
    if (!step) return step.error();
    out.steps.push_back(std::move(*step));
    pos = end + 1;
  }
  Status s = CheckPipeline(out);
  if (!s) return s.error();
  return out;
}

Result<Pipeline> ParsePipelineJson(std::string_view json) {
  Json doc = Json::parse(json.begin(), json.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    return MakeError(ErrorCode::kBadPipeline, "the pipeline is not valid JSON", "pipeline");
  }
  if (!doc.is_array()) {
    return MakeError(ErrorCode::kBadPipeline,
                     "the JSON pipeline must be an array of {\"op\": ...} objects", "pipeline");
  }
  Pipeline out;
  for (size_t i = 0; i < doc.size(); ++i) {
    const Json& item = doc[i];
    if (!item.is_object() || !item.contains("op") || !item["op"].is_string()) {
      return MakeError(
          ErrorCode::kBadPipeline,
          "step " + std::to_string(i + 1) + " must be an object with a string \"op\" member", "op");
    }
    std::string name = item["op"].get<std::string>();
    const OpSpec* op = FindOp(name);
    if (op == nullptr) return UnknownOp(i, name);
    StepBuilder builder(i, op);
    for (auto it = item.begin(); it != item.end(); ++it) {
      if (it.key() == "op") continue;
      Status s = builder.Add(it.key(), it.value(), true);
      if (!s) return s.error();
    }
    auto step = builder.Finish();
    if (!step) return step.error();
    out.steps.push_back(std::move(*step));
  }
  Status s = CheckPipeline(out);
  if (!s) return s.error();
  return out;
}

Result<Pipeline> ParsePipeline(std::string_view text_or_json) {
  std::string_view t = Trim(text_or_json);
  if (!t.empty() && t.front() == '[') return ParsePipelineJson(t);
  return ParsePipelineText(t);
}

std::string Pipeline::ToText() const {
  std::string out;
  for (const Step& s : steps) {
    if (!out.empty()) out += ";";
    out += s.op->name;
    bool first = true;
    for (size_t i = 0; i < s.op->params.size(); ++i) {
      if (!s.args.GivenAt(i)) continue;
      out += first ? ":" : ",";
      first = false;
      out += s.op->params[i].name;
      out += "=";
      out += ValueToText(s.args.At(i));
    }
  }
  return out;
}

std::string Pipeline::ToJson() const {
  Json arr = Json::array();
  for (const Step& s : steps) {
    Json o;
    o["op"] = s.op->name;
    for (size_t i = 0; i < s.op->params.size(); ++i) {
      if (s.args.GivenAt(i)) o[std::string(s.op->params[i].name)] = ValueToJson(s.args.At(i));
    }
    arr.push_back(o);
  }
  return arr.dump();
}

const Step* Pipeline::FormatStep() const {
  if (!steps.empty() && steps.back().op->name == "format") return &steps.back();
  return nullptr;
}

}  // namespace tessera::engine
