#include "api/http/openapi_schemas.h"

#include <cstdlib>

#include "engine/op_registry.h"
#include "queue/job_store.h"
#include "queue/task.h"

namespace tessera::api::http::openapi {
namespace {

using nlohmann::json;

json Str() { return {{"type", "string"}}; }
json Int() { return {{"type", "integer"}}; }
json Nullable(json schema) {
  schema["nullable"] = true;
  return schema;
}
json Time() { return Nullable({{"type", "string"}, {"format", "date-time"}}); }
json ArrayOf(json items) { return {{"type", "array"}, {"items", std::move(items)}}; }
json Object(json properties, json required = json::array()) {
  json o = {{"type", "object"}, {"properties", std::move(properties)}};
  if (!required.empty()) o["required"] = std::move(required);
  return o;
}

json JobStates() {
  json out = json::array();
  for (queue::JobState s :
       {queue::JobState::kQueued, queue::JobState::kRunning, queue::JobState::kSucceeded,
        queue::JobState::kFailedRetrying, queue::JobState::kDead, queue::JobState::kCancelled}) {
    out.push_back(queue::JobStateName(s));
  }
  return out;
}

json Priorities() {
  json out = json::array();
  for (queue::Priority p :
       {queue::Priority::kHigh, queue::Priority::kNormal, queue::Priority::kLow}) {
    out.push_back(queue::PriorityName(p));
  }
  return out;
}

json OpNames() {
  json out = json::array();
  for (const engine::OpSpec* op : engine::AllOps()) out.push_back(op->name);
  return out;
}

// A parameter's default as a value of its JSON type (the declarations hold its text).
json DefaultValue(const engine::ParamSpec& p) {
  const std::string text(p.default_value);
  switch (p.type) {
    case engine::ParamType::kInt: return std::strtoll(text.c_str(), nullptr, 10);
    case engine::ParamType::kFloat: return std::strtod(text.c_str(), nullptr);
    case engine::ParamType::kBool: return text == "true";
    default: return text;
  }
}

json JobSchema() {
  return Object(
      {{"id", Str()},
       {"state", {{"type", "string"}, {"enum", JobStates()}}},
       {"pipeline", Str()},
       {"priority", {{"type", "string"}, {"enum", Priorities()}}},
       {"capabilities", ArrayOf(Str())},
       {"attempts", Int()},
       {"progress", Object({{"done", Int()}, {"total", Int()}})},
       {"tiles", Str()},
       {"execution", Str()},
       {"output_format", Nullable(Str())},
       {"error", Nullable(Object({{"code", Str()}, {"message", Str()}, {"field", Nullable(Str())}},
                                 {"code", "message"}))},
       {"request_id", Str()},
       {"created_at", Time()},
       {"updated_at", Time()},
       {"started_at", Time()},
       {"finished_at", Time()}},
      {"id", "state", "pipeline", "priority", "attempts"});
}

json StatsSchema() {
  json by_state = json::object();
  for (const auto& s : JobStates()) by_state[s.get<std::string>()] = Int();
  return Object(
      {{"queue", Object({{"ready_high", Int()},
                         {"ready_normal", Int()},
                         {"ready_low", Int()},
                         {"delayed", Int()},
                         {"leased", Int()},
                         {"dead", Int()},
                         {"oldest_ready_age_ms", Int()}})},
       {"jobs", Object(by_state)},
       {"workers", Object({{"live", Int()}, {"tasks_succeeded", Int()}, {"tasks_failed", Int()}})},
       {"http", Object({{"in_flight", Int()},
                        {"connections", Int()},
                        {"requests_per_second_1m", {{"type", "number"}}}})},
       {"sync", Object({{"in_flight", Int()}, {"slots", Int()}})}});
}

void AddOpSchemas(json& schemas) {
  json types = json::array();
  for (engine::ParamType t :
       {engine::ParamType::kInt, engine::ParamType::kFloat, engine::ParamType::kBool,
        engine::ParamType::kEnum, engine::ParamType::kColour, engine::ParamType::kName}) {
    types.push_back(engine::ParamTypeName(t));
  }
  schemas["OpParam"] = Object({{"name", Str()},
                               {"type", {{"type", "string"}, {"enum", types}}},
                               {"min", {{"type", "number"}}},
                               {"max", {{"type", "number"}}},
                               {"choices", ArrayOf(Str())},
                               {"default", Str()},
                               {"required", {{"type", "boolean"}}},
                               {"description", Str()}},
                              {"name", "type", "required", "description"});
  schemas["Op"] = Object({{"name", {{"type", "string"}, {"enum", OpNames()}}},
                          {"description", Str()},
                          {"capability", Str()},
                          {"changes_geometry", {{"type", "boolean"}}},
                          {"tileable", {{"type", "boolean"}}},
                          {"params", ArrayOf(SchemaRef("OpParam"))}},
                         {"name", "description", "capability", "params"});
  schemas["OpCatalogue"] = ArrayOf(SchemaRef("Op"));

  // The JSON spelling of a pipeline: one schema per op, chosen by "op".
  json steps = json::array();
  json mapping = json::object();
  for (const engine::OpSpec* op : engine::AllOps()) {
    json properties = json::object();
    properties["op"] = {{"type", "string"}, {"enum", json::array({op->name})}};
    json required = json::array({"op"});
    for (const engine::ParamSpec& p : op->params) {
      properties[std::string(p.name)] = ParamSchema(p);
      if (p.required) required.push_back(p.name);
    }
    json step = Object(std::move(properties), std::move(required));
    step["description"] = op->description;
    step["additionalProperties"] = false;
    const std::string name = StepSchemaName(*op);
    schemas[name] = std::move(step);
    steps.push_back(SchemaRef(name));
    mapping[std::string(op->name)] = "#/components/schemas/" + name;
  }
  schemas["PipelineStep"] = {{"oneOf", steps},
                             {"discriminator", {{"propertyName", "op"}, {"mapping", mapping}}}};
  schemas["Pipeline"] = {
      {"description",
       "Text (`resize:w=800,fit=cover;blur:sigma=3;format:type=webp,q=80`, `/` may stand for "
       "`;`) or the same steps as a JSON array; `format` must be the last step"},
      {"oneOf", {Str(), ArrayOf(SchemaRef("PipelineStep"))}}};
}

}  // namespace

json SchemaRef(std::string_view name) {
  return {{"$ref", "#/components/schemas/" + std::string(name)}};
}

std::string StepSchemaName(const engine::OpSpec& op) {
  return "PipelineStep_" + std::string(op.name);
}

json ParamSchema(const engine::ParamSpec& p) {
  json s;
  switch (p.type) {
    case engine::ParamType::kInt:
      s = {{"type", "integer"},
           {"minimum", static_cast<int64_t>(p.min)},
           {"maximum", static_cast<int64_t>(p.max)}};
      break;
    case engine::ParamType::kFloat:
      s = {{"type", "number"}, {"minimum", p.min}, {"maximum", p.max}};
      break;
    case engine::ParamType::kBool: s = {{"type", "boolean"}}; break;
    case engine::ParamType::kEnum: {
      json choices = json::array();
      for (std::string_view c : p.choices) choices.push_back(c);
      s = {{"type", "string"}, {"enum", choices}};
      break;
    }
    case engine::ParamType::kColour: s = Str(); break;
    case engine::ParamType::kName:
      s = {{"type", "string"},
           {"maxLength", 200},
           {"pattern", "^[A-Za-z0-9_.-]+(\\|[A-Za-z0-9_.-]+)*$"}};
      break;
  }
  if (!p.default_value.empty()) s["default"] = DefaultValue(p);
  s["description"] = p.description;
  return s;
}

json ComponentSchemas() {
  json schemas = json::object();
  schemas["Error"] = Object(
      {{"error",
        Object({{"code", Str()}, {"message", Str()}, {"field", Str()}}, {"code", "message"})}},
      {"error"});
  schemas["Detection"] = Object({{"model", Str()},
                                 {"label", Str()},
                                 {"class_id", Int()},
                                 {"confidence", {{"type", "number"}}},
                                 {"box", Object({{"x", {{"type", "number"}}},
                                                 {"y", {{"type", "number"}}},
                                                 {"width", {{"type", "number"}}},
                                                 {"height", {{"type", "number"}}}})},
                                 {"step", Int()},
                                 {"image", Object({{"width", Int()}, {"height", Int()}})}});
  schemas["ProcessResult"] = Object({{"width", Int()},
                                     {"height", Int()},
                                     {"format", Str()},
                                     {"detections", ArrayOf(SchemaRef("Detection"))}});
  schemas["Job"] = JobSchema();
  schemas["JobStatus"] = {
      {"allOf",
       {SchemaRef("Job"), Object({{"waiting_for", ArrayOf(Str())},
                                  {"detections", ArrayOf(SchemaRef("Detection"))}})}}};
  schemas["JobPage"] =
      Object({{"jobs", ArrayOf(SchemaRef("Job"))}, {"next_cursor", Nullable(Str())}}, {"jobs"});
  schemas["JobRequest"] = Object({{"input", Str()},
                                  {"output", Str()},
                                  {"pipeline", SchemaRef("Pipeline")},
                                  {"priority", {{"type", "string"}, {"enum", Priorities()}}},
                                  {"tiles", {{"type", "string"}, {"enum", {"auto", "on", "off"}}}}},
                                 {"input", "pipeline"});
  schemas["Worker"] = Object({{"id", Str()},
                              {"host", Str()},
                              {"pid", Int()},
                              {"capabilities", ArrayOf(Str())},
                              {"threads", Int()},
                              {"started_at", Time()},
                              {"last_heartbeat_at", Time()},
                              {"tasks_succeeded", Int()},
                              {"tasks_failed", Int()}});
  schemas["WorkerList"] = ArrayOf(SchemaRef("Worker"));
  schemas["Stats"] = StatsSchema();
  schemas["Health"] = Object({{"status", Str()}}, {"status"});
  schemas["Readiness"] = Object({{"status", {{"type", "string"}, {"enum", {"ready", "not_ready"}}}},
                                 {"queue", Str()},
                                 {"store", Str()},
                                 {"server", Str()}},
                                {"status", "queue", "store"});
  schemas["OpenApiDocument"] = Object({{"openapi", Str()},
                                       {"info", {{"type", "object"}}},
                                       {"servers", ArrayOf({{"type", "object"}})},
                                       {"paths", {{"type", "object"}}},
                                       {"components", {{"type", "object"}}}},
                                      {"openapi", "info", "paths"});
  AddOpSchemas(schemas);
  return schemas;
}

}  // namespace tessera::api::http::openapi
