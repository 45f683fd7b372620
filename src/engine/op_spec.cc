#include "engine/op_spec.h"

#include <cstdio>
#include <cstdlib>

namespace tessera::engine {

std::string_view ParamTypeName(ParamType type) {
  switch (type) {
    case ParamType::kInt: return "int";
    case ParamType::kFloat: return "float";
    case ParamType::kBool: return "bool";
    case ParamType::kEnum: return "enum";
    case ParamType::kColour: return "colour";
    case ParamType::kName: return "name";
  }
  return "int";
}

Args::Args(const OpSpec* op)
    : op_(op), values_(op->params.size()), given_(op->params.size(), false) {}

size_t Args::IndexOf(std::string_view name) const {
  for (size_t i = 0; i < op_->params.size(); ++i) {
    if (op_->params[i].name == name) return i;
  }
  std::fprintf(stderr, "tessera: op %.*s has no parameter %.*s\n",
               static_cast<int>(op_->name.size()), op_->name.data(), static_cast<int>(name.size()),
               name.data());
  std::abort();
}

bool Args::Given(std::string_view name) const { return given_[IndexOf(name)]; }
bool Args::Has(std::string_view name) const {
  return !std::holds_alternative<std::monostate>(values_[IndexOf(name)]);
}
int64_t Args::Int(std::string_view name) const { return std::get<int64_t>(values_[IndexOf(name)]); }
double Args::Float(std::string_view name) const { return std::get<double>(values_[IndexOf(name)]); }
bool Args::Bool(std::string_view name) const { return std::get<bool>(values_[IndexOf(name)]); }
const std::string& Args::Enum(std::string_view name) const {
  return std::get<std::string>(values_[IndexOf(name)]);
}
const std::string& Args::Name(std::string_view name) const {
  return std::get<std::string>(values_[IndexOf(name)]);
}
Colour Args::ColourValue(std::string_view name) const {
  return std::get<Colour>(values_[IndexOf(name)]);
}

void Args::Set(size_t index, ParamValue value, bool given) {
  values_[index] = std::move(value);
  given_[index] = given;
}

std::string_view CapabilityOf(const OpSpec& op, const Args& args) {
  return op.capability_for != nullptr ? op.capability_for(args) : op.capability;
}

const ParamSpec* FindParam(const OpSpec& op, std::string_view name) {
  for (const ParamSpec& p : op.params) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

bool RunsOnTiles(const OpSpec& op) {
  const bool in_memory = op.raster != nullptr || op.point != nullptr;
  return in_memory && op.apply == nullptr && !op.changes_geometry && !op.reads_randomly &&
         op.halo != nullptr && op.halo != GlobalHalo;
}

int NoHalo(const Args&) { return 0; }
int GlobalHalo(const Args&) { return kGlobalHalo; }

}  // namespace tessera::engine
