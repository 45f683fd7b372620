#include "engine/detect/detection_json.h"

#include <nlohmann/json.hpp>

namespace tessera::engine::detect {

using Json = nlohmann::ordered_json;

std::string DetectionsToJson(const std::vector<Detection>& detections, int indent) {
  Json list = Json::array();
  for (const Detection& d : detections) {
    list.push_back({{"model", d.model},
                    {"label", d.label},
                    {"class_id", d.class_id},
                    {"confidence", d.confidence},
                    {"box", {{"x", d.x}, {"y", d.y}, {"width", d.width}, {"height", d.height}}},
                    {"step", d.step},
                    {"image", {{"width", d.image_width}, {"height", d.image_height}}}});
  }
  return list.dump(indent);
}

Result<std::vector<Detection>> DetectionsFromJson(std::string_view json) {
  Json list = Json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (!list.is_array()) return MakeError(ErrorCode::kBadRequest, "detections are not a JSON array");
  std::vector<Detection> out;
  try {
    for (const Json& j : list) {
      Detection d;
      d.model = j.at("model").get<std::string>();
      d.label = j.at("label").get<std::string>();
      d.class_id = j.at("class_id").get<int>();
      d.confidence = j.at("confidence").get<float>();
      d.x = j.at("box").at("x").get<float>();
      d.y = j.at("box").at("y").get<float>();
      d.width = j.at("box").at("width").get<float>();
      d.height = j.at("box").at("height").get<float>();
      d.step = j.at("step").get<int>();
      d.image_width = j.at("image").at("width").get<int>();
      d.image_height = j.at("image").at("height").get<int>();
      out.push_back(std::move(d));
    }
  } catch (const Json::exception& e) {
    return MakeError(ErrorCode::kBadRequest, "detections JSON has the wrong shape", "", e.what());
  }
  return out;
}

}  // namespace tessera::engine::detect
