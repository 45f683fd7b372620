#include "api/compat/django/filters.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "engine/pipeline.h"

namespace tessera::api::compat::django {
namespace {

using Json = nlohmann::json;

// A parameter as the client sent it (number or numeric string), or `fallback`.
double Param(const Json& params, const char* name, double fallback) {
  if (!params.is_object() || !params.contains(name)) return fallback;
  const Json& v = params[name];
  if (v.is_number()) return v.get<double>();
  if (v.is_string()) return std::strtod(v.get<std::string>().c_str(), nullptr);
  return fallback;
}

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.6g", v);
  return buf;
}

std::string Canonical(std::string_view name) {
  if (name == "heavy_sharpen") return "sharpen";
  if (name == "edge_detection") return "edges";
  return std::string(name);
}

Result<std::string> StepFor(const std::string& filter, const Json& params) {
  if (filter == "resize") {
    const bool w = params.is_object() && params.contains("width");
    const bool h = params.is_object() && params.contains("height");
    if (!w && !h) return std::string("resize:w=800,h=600,fit=fill,enlarge=true");
    std::string step = "resize:";
    if (w) step += "w=" + Num(Param(params, "width", 0));
    if (h) step += std::string(w ? "," : "") + "h=" + Num(Param(params, "height", 0));
    // Both sides: PIL's resize((w, h)) stretches; one side keeps the aspect ratio.
    return step + (w && h ? ",fit=fill" : ",fit=inside") + ",enlarge=true";
  }
  if (filter == "blur") return "blur:sigma=" + Num(Param(params, "radius", 2));
  if (filter == "brightness") return "brightness:factor=" + Num(Param(params, "factor", 1.2));
  if (filter == "sharpen") {
    // The seed's knob is `intensity` (1..5); `amount` and `factor` are read as the same.
    double amount = Param(params, "amount", Param(params, "factor", Param(params, "intensity", 1)));
    return "sharpen:amount=" + Num(amount);
  }
  if (filter == "edges") return std::string("edges");
  return Unexpected(MakeError(ErrorCode::kBadRequest,
                              "Unknown filter '" + filter.substr(0, 40) +
                                  "'. Allowed: resize, blur, brightness, sharpen, edges",
                              "filters"));
}

}  // namespace

std::string CapabilityFor(std::string_view filter) { return "filter." + std::string(filter); }

std::vector<std::string> WorkerFilterCapabilities(const char* env_value) {
  std::string value = env_value ? env_value : "";
  std::vector<std::string> out;
  auto all = [&] {
    for (auto f : kFilterNames) out.push_back(CapabilityFor(f));
  };
  if (value.empty() || value == "all") {
    all();
    return out;
  }
  size_t start = 0;
  while (start <= value.size()) {
    size_t end = value.find(',', start);
    if (end == std::string::npos) end = value.size();
    std::string name = value.substr(start, end - start);
    name.erase(0, name.find_first_not_of(' '));
    name.erase(name.find_last_not_of(' ') + 1);
    if (name == "all") {
      out.clear();
      all();
      return out;
    }
    name = Canonical(name);
    if (std::find(kFilterNames.begin(), kFilterNames.end(), name) != kFilterNames.end() &&
        std::find(out.begin(), out.end(), CapabilityFor(name)) == out.end()) {
      out.push_back(CapabilityFor(name));
    }
    start = end + 1;
  }
  return out;
}

std::vector<std::string> FiltersOf(const std::vector<std::string>& capabilities) {
  std::vector<std::string> out;
  for (auto f : kFilterNames) {
    if (std::find(capabilities.begin(), capabilities.end(), CapabilityFor(f)) !=
        capabilities.end()) {
      out.emplace_back(f);
    }
  }
  return out;
}

Result<FilterChain> ChainFor(const std::vector<std::string>& filters, const Json& params) {
  FilterChain chain;
  chain.filters = filters;
  for (const auto& name : filters) {
    const std::string filter = Canonical(name);
    const Json none;
    const Json& p = params.is_object() && params.contains(name) ? params[name] : none;
    auto step = StepFor(filter, p);
    if (!step) return step.error();
    chain.pipeline += (chain.pipeline.empty() ? "" : ";") + *step;
    const std::string cap = CapabilityFor(filter);
    if (std::find(chain.capabilities.begin(), chain.capabilities.end(), cap) ==
        chain.capabilities.end()) {
      chain.capabilities.push_back(cap);
    }
  }
  if (auto parsed = engine::ParsePipeline(chain.pipeline); !parsed) {
    return MakeError(ErrorCode::kBadRequest, "Invalid filter_params: " + parsed.error().message,
                     "filter_params");
  }
  return chain;
}

}  // namespace tessera::api::compat::django
