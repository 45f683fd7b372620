#include "engine/op_registry.h"

#include <cmath>
#include <cstdio>
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

// A range bound as people write it: 1073741824, not 1.07374e+09; 0.1, not 0.100000.
std::string Bound(double v) {
  char buf[64];
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(v));
  } else {
    std::snprintf(buf, sizeof buf, "%g", v);
  }
  return buf;
}

bool HasRange(const ParamSpec& p) {
  return p.type == ParamType::kInt || p.type == ParamType::kFloat;
}

// Markdown table cell text: '|' would end the cell.
std::string Cell(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '|') out += '\\';
    out += c;
  }
  return out;
}

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
      if (HasRange(p)) {
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
      if (HasRange(p)) out += " " + Bound(p.min) + ".." + Bound(p.max);
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

std::string OpsAsMarkdown() {
  std::string out =
      "| op | parameter | type and range | default | description |\n"
      "|---|---|---|---|---|\n";
  for (const OpSpec* op : kOps) {
    std::string about(op->description);
    if (op->capability != "core") {
      about += "; needs the worker capability `" + std::string(op->capability) + "`";
    }
    if (RunsOnTiles(*op)) about += "; runs on tiles";
    out += "| **" + std::string(op->name) + "** | | | | " + Cell(about) + " |\n";
    for (const ParamSpec& p : op->params) {
      std::string type(ParamTypeName(p.type));
      if (HasRange(p)) type += " " + Bound(p.min) + ".." + Bound(p.max);
      if (!p.choices.empty()) {
        type = "";
        for (size_t i = 0; i < p.choices.size(); ++i) {
          if (i) type += ", ";
          type += "`" + std::string(p.choices[i]) + "`";
        }
      }
      std::string fallback = p.required                ? "required"
                             : p.default_value.empty() ? "-"
                                                       : "`" + std::string(p.default_value) + "`";
      out += "| | `" + std::string(p.name) + "` | " + Cell(type) + " | " + Cell(fallback) + " | " +
             Cell(p.description) + " |\n";
    }
  }
  return out;
}

}  // namespace tessera::engine
