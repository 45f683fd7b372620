#include "engine/op_registry.h"

#include <nlohmann/json.hpp>

#include "engine/ops/ops.h"

namespace tessera::engine {
namespace {

constexpr const OpSpec* kOps[] = {
    &ops::kResize,     &ops::kThumbnail, &ops::kCrop,      &ops::kRotate,     &ops::kFlip,
    &ops::kBlur,       &ops::kSharpen,   &ops::kEdges,     &ops::kBrightness, &ops::kContrast,
    &ops::kSaturation, &ops::kGamma,     &ops::kGrayscale, &ops::kInvert,     &ops::kDetect,
    &ops::kRedact,     &ops::kFormat,
};

}  // namespace

std::span<const OpSpec* const> AllOps() { return kOps; }

const OpSpec* FindOp(std::string_view name) {
  for (const OpSpec* op : kOps) {
    if (op->name == name) return op;
  }
  return nullptr;
}

std::string KnownOpNames() {
  std::string out;
  for (const OpSpec* op : kOps) {
    if (!out.empty()) out += ", ";
    out += op->name;
  }
  return out;
}

std::string OpsAsJson() {
  nlohmann::ordered_json ops = nlohmann::ordered_json::array();
  for (const OpSpec* op : kOps) {
    nlohmann::ordered_json params = nlohmann::ordered_json::array();
    for (const ParamSpec& p : op->params) {
      nlohmann::ordered_json j;
      j["name"] = p.name;
      j["type"] = ParamTypeName(p.type);
      if (p.type == ParamType::kInt || p.type == ParamType::kFloat) {
        j["min"] = p.min;
        j["max"] = p.max;
      }
      if (!p.choices.empty()) {
        nlohmann::ordered_json choices = nlohmann::ordered_json::array();
        for (auto c : p.choices) choices.push_back(c);
        j["choices"] = choices;
      }
      if (!p.default_value.empty()) j["default"] = p.default_value;
      j["required"] = p.required;
      j["description"] = p.description;
      params.push_back(j);
    }
    nlohmann::ordered_json o;
    o["name"] = op->name;
    o["description"] = op->description;
    o["capability"] = op->capability;
    o["changes_geometry"] = op->changes_geometry;
    o["tileable"] = RunsOnTiles(*op);
    o["params"] = params;
    ops.push_back(o);
  }
  return ops.dump(2);
}

std::string OpsAsText() {
  std::string out;
  for (const OpSpec* op : kOps) {
    out += op->name;
    out += " - ";
    out += op->description;
    out += "\n";
    for (const ParamSpec& p : op->params) {
      out += "    ";
      out += p.name;
      out += " (";
      out += ParamTypeName(p.type);
      if (p.type == ParamType::kInt || p.type == ParamType::kFloat) {
        char buf[64];
        std::snprintf(buf, sizeof buf, " %g..%g", p.min, p.max);
        out += buf;
      }
      if (!p.choices.empty()) {
        out += ": ";
        for (size_t i = 0; i < p.choices.size(); ++i) {
          if (i) out += "|";
          out += p.choices[i];
        }
      }
      if (!p.default_value.empty()) {
        out += ", default ";
        out += p.default_value;
      }
      if (p.required) out += ", required";
      out += ") ";
      out += p.description;
      out += "\n";
    }
  }
  return out;
}

}  // namespace tessera::engine
