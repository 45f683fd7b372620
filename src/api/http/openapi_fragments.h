// Small builders for the OpenAPI operation objects the routes declare.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace tessera::api::http::openapi {

using nlohmann::json;

inline json ErrorResponseRef(const std::string& description) {
  return {
      {"description", description},
      {"content", {{"application/json", {{"schema", {{"$ref", "#/components/schemas/Error"}}}}}}}};
}

inline json JsonResponse(const std::string& description) {
  return {{"description", description},
          {"content", {{"application/json", {{"schema", {{"type", "object"}}}}}}}};
}

inline json PathParam(const std::string& name, const std::string& description) {
  return {{"name", name},
          {"in", "path"},
          {"required", true},
          {"description", description},
          {"schema", {{"type", "string"}}}};
}

inline json QueryParam(const std::string& name, const std::string& description,
                       const std::string& type = "string") {
  return {{"name", name},
          {"in", "query"},
          {"required", false},
          {"description", description},
          {"schema", {{"type", type}}}};
}

inline json ImageUploadBody() {
  json binary = {{"type", "string"}, {"format", "binary"}};
  return {{"required", true},
          {"content",
           {{"application/octet-stream", {{"schema", binary}}},
            {"image/*", {{"schema", binary}}},
            {"multipart/form-data",
             {{"schema",
               {{"type", "object"},
                {"properties",
                 {{"image", binary},
                  {"file", binary},
                  {"pipeline", {{"type", "string"}}},
                  {"priority", {{"type", "string"}, {"enum", {"high", "normal", "low"}}}},
                  {"tiles", {{"type", "string"}, {"enum", {"auto", "on", "off"}}}}}}}}}}}}};
}

}  // namespace tessera::api::http::openapi
