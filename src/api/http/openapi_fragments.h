// Small builders for the OpenAPI operation objects the routes declare. Response bodies name a
// component schema (openapi_schemas.h), so every JSON answer is typed.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "api/http/openapi_schemas.h"

namespace tessera::api::http::openapi {

using nlohmann::json;

inline json ErrorResponseRef(const std::string& description) {
  return {
      {"description", description},
      {"content", {{"application/json", {{"schema", {{"$ref", "#/components/schemas/Error"}}}}}}}};
}

// A JSON answer whose body is the component schema `schema` ("Job", "Stats", ...).
inline json JsonResponse(const std::string& description, std::string_view schema) {
  return {{"description", description},
          {"content", {{"application/json", {{"schema", SchemaRef(schema)}}}}}};
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
                  {"pipeline",
                   {{"type", "string"}, {"description", "text or JSON (the schema Pipeline)"}}},
                  {"priority", {{"type", "string"}, {"enum", {"high", "normal", "low"}}}},
                  {"tiles", {{"type", "string"}, {"enum", {"auto", "on", "off"}}}}}}}}}}}}};
}

// ImageUploadBody, or a JSON body naming an input already in the store (POST /v1/jobs).
inline json JobSubmissionBody() {
  json body = ImageUploadBody();
  body["content"]["application/json"] = {{"schema", SchemaRef("JobRequest")}};
  return body;
}

}  // namespace tessera::api::http::openapi
