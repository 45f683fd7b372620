#include "jobs/task_payload.h"

#include <nlohmann/json.hpp>

namespace tessera::jobs {
namespace {

Error Malformed(std::string_view kind) {
  return MakeError(ErrorCode::kBadRequest, "malformed " + std::string(kind) + " task payload",
                   "payload");
}

nlohmann::json Parse(std::string_view json) {
  return nlohmann::json::parse(json.begin(), json.end(), nullptr, false);
}

bool HasString(const nlohmann::json& j, const char* name) {
  return j.contains(name) && j[name].is_string();
}

bool HasInt(const nlohmann::json& j, const char* name) {
  return j.contains(name) && j[name].is_number_integer();
}

nlohmann::ordered_json PlanJson(const TilePlanPayload& p) {
  nlohmann::ordered_json j;
  j["width"] = p.width;
  j["height"] = p.height;
  j["tile_size"] = p.tile_size;
  j["halo"] = p.halo;
  return j;
}

bool ParsePlan(const nlohmann::json& j, TilePlanPayload* out) {
  if (!j.contains("plan") || !j["plan"].is_object()) return false;
  const nlohmann::json& p = j["plan"];
  if (!HasInt(p, "width") || !HasInt(p, "height") || !HasInt(p, "tile_size") ||
      !HasInt(p, "halo")) {
    return false;
  }
  out->width = p["width"].get<int>();
  out->height = p["height"].get<int>();
  out->tile_size = p["tile_size"].get<int>();
  out->halo = p["halo"].get<int>();
  return true;
}

}  // namespace

std::string ProcessTaskPayload::ToJson() const {
  nlohmann::ordered_json j;
  j["pipeline"] = pipeline;
  j["input_key"] = input_key;
  j["output_key"] = output_key;
  j["tiles"] = tiles;
  return j.dump();
}

Result<ProcessTaskPayload> ProcessTaskPayload::FromJson(std::string_view json) {
  auto j = Parse(json);
  if (j.is_discarded() || !j.is_object() || !HasString(j, "pipeline") ||
      !HasString(j, "input_key") || !HasString(j, "output_key") ||
      (j.contains("tiles") && !j["tiles"].is_string())) {
    return MakeError(ErrorCode::kBadRequest, "malformed process task payload", "payload");
  }
  ProcessTaskPayload p{j["pipeline"].get<std::string>(), j["input_key"].get<std::string>(),
                       j["output_key"].get<std::string>()};
  if (j.contains("tiles")) p.tiles = j["tiles"].get<std::string>();
  return p;
}

namespace {

nlohmann::ordered_json TiledJobJson(const TiledJobPayload& p) {
  nlohmann::ordered_json j;
  j["pipeline"] = p.pipeline;
  j["plan"] = PlanJson(p.plan);
  j["input_format"] = p.input_format;
  j["process_task_id"] = p.process_task_id;
  j["output_key"] = p.output_key;
  return j;
}

bool ParseTiledJob(const nlohmann::json& j, TiledJobPayload* p) {
  if (!j.is_object() || !HasString(j, "pipeline") || !ParsePlan(j, &p->plan) ||
      !HasString(j, "input_format") || !HasString(j, "process_task_id") ||
      !HasString(j, "output_key")) {
    return false;
  }
  p->pipeline = j["pipeline"].get<std::string>();
  p->input_format = j["input_format"].get<std::string>();
  p->process_task_id = j["process_task_id"].get<std::string>();
  p->output_key = j["output_key"].get<std::string>();
  return true;
}

}  // namespace

std::string TileTaskPayload::ToJson() const {
  nlohmann::ordered_json j = TiledJobJson(job);
  j["tile"] = tile;
  return j.dump();
}

Result<TileTaskPayload> TileTaskPayload::FromJson(std::string_view json) {
  auto j = Parse(json);
  TileTaskPayload p;
  if (j.is_discarded() || !ParseTiledJob(j, &p.job) || !HasInt(j, "tile")) {
    return Malformed(kTileTaskKind);
  }
  p.tile = j["tile"].get<int64_t>();
  return p;
}

std::string AssembleTaskPayload::ToJson() const { return TiledJobJson(job).dump(); }

Result<AssembleTaskPayload> AssembleTaskPayload::FromJson(std::string_view json) {
  auto j = Parse(json);
  AssembleTaskPayload p;
  if (j.is_discarded() || !ParseTiledJob(j, &p.job)) return Malformed(kAssembleTaskKind);
  return p;
}

std::string InputKeyFor(std::string_view job_id) { return "inputs/" + std::string(job_id); }
std::string OutputKeyFor(std::string_view job_id) { return "results/" + std::string(job_id); }
std::string DetectionsKeyFor(std::string_view job_id) {
  return "results/" + std::string(job_id) + ".json";
}

std::string TilePrefixFor(std::string_view process_task_id) {
  return "tiles/" + std::string(process_task_id) + "/";
}
std::string TileInputKey(std::string_view tile_prefix, int64_t tile) {
  return std::string(tile_prefix) + "in/" + std::to_string(tile);
}
std::string TileOutputKey(std::string_view tile_prefix, int64_t tile) {
  return std::string(tile_prefix) + "out/" + std::to_string(tile);
}
std::string TileTaskId(std::string_view process_task_id, int64_t tile) {
  return std::string(process_task_id) + ".t" + std::to_string(tile);
}
std::string AssembleTaskId(std::string_view process_task_id) {
  return std::string(process_task_id) + ".assemble";
}

}  // namespace tessera::jobs
