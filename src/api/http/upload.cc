#include "api/http/upload.h"

#include <nlohmann/json.hpp>

#include "api/http/multipart.h"

namespace tessera::api::http {
namespace {

bool IsJsonType(std::string_view content_type) {
  return content_type.substr(0, 16) == "application/json";
}

Status TakeJsonOptions(std::string_view text, Upload& upload) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return MakeError(ErrorCode::kBadRequest, "the JSON part must be an object", "options");
  }
  if (j.contains("pipeline") && upload.pipeline.empty()) {
    const auto& p = j["pipeline"];
    upload.pipeline = p.is_string() ? p.get<std::string>() : p.dump();
  }
  if (j.contains("priority") && j["priority"].is_string() && upload.priority.empty()) {
    upload.priority = j["priority"].get<std::string>();
  }
  if (j.contains("tiles") && j["tiles"].is_string() && upload.tiles.empty()) {
    upload.tiles = j["tiles"].get<std::string>();
  }
  for (auto [name, target] :
       {std::pair{"input", &upload.input}, std::pair{"output", &upload.output}}) {
    if (!j.contains(name)) continue;
    if (!j[name].is_string()) {
      return MakeError(ErrorCode::kBadRequest, std::string(name) + " must be a string", name);
    }
    if (target->empty()) *target = j[name].get<std::string>();
  }
  return OkStatus();
}

}  // namespace

Result<Upload> ReadUpload(const HttpRequest& request) {
  Upload upload;
  if (const std::string* p = request.Query("pipeline")) upload.pipeline = *p;
  if (const std::string* p = request.Query("priority")) upload.priority = *p;
  if (const std::string* p = request.Query("tiles")) upload.tiles = *p;

  std::string_view content_type = request.Header("Content-Type");
  if (!IsMultipart(content_type)) {
    upload.image = request.Body();
  } else {
    auto boundary = MultipartBoundary(content_type);
    if (!boundary) return Unexpected(boundary.error());
    auto parts = ParseMultipart(request.Body(), *boundary);
    if (!parts) return Unexpected(parts.error());
    bool found = false;
    for (const MultipartPart& part : *parts) {
      if ((part.name == "image" || part.name == "file") && !found) {
        upload.image = part.data;
        upload.filename = part.filename;
        found = true;
      } else if (part.name == "pipeline") {
        if (upload.pipeline.empty()) upload.pipeline = std::string(part.text());
      } else if (part.name == "priority") {
        if (upload.priority.empty()) upload.priority = std::string(part.text());
      } else if (part.name == "tiles") {
        if (upload.tiles.empty()) upload.tiles = std::string(part.text());
      } else if (IsJsonType(part.content_type)) {
        if (auto ok = TakeJsonOptions(part.text(), upload); !ok) return Unexpected(ok.error());
      }
    }
    if (!found) {
      return Unexpected(MakeError(ErrorCode::kBadRequest,
                                  "the multipart body has no part named 'image' or 'file'",
                                  "image"));
    }
  }
  if (upload.image.empty()) {
    return Unexpected(MakeError(ErrorCode::kBadRequest, "the image is empty", "image"));
  }
  return upload;
}

Result<Upload> ReadUploadWithPipeline(const HttpRequest& request) {
  auto upload = ReadUpload(request);
  if (upload && upload->pipeline.empty()) {
    return Unexpected(MakeError(ErrorCode::kBadPipeline,
                                "a pipeline is required: the `pipeline` query parameter, form "
                                "field or JSON part",
                                "pipeline"));
  }
  return upload;
}

Result<Upload> ReadJobSubmission(const HttpRequest& request) {
  const std::string* input = request.Query("input");
  const bool json_body = IsJsonType(request.Header("Content-Type"));
  if ((input == nullptr || input->empty()) && !json_body) {
    auto upload = ReadUploadWithPipeline(request);
    if (upload) {
      if (const std::string* o = request.Query("output")) upload->output = *o;
    }
    return upload;
  }
  Upload upload;
  if (const std::string* p = request.Query("pipeline")) upload.pipeline = *p;
  if (const std::string* p = request.Query("priority")) upload.priority = *p;
  if (const std::string* p = request.Query("tiles")) upload.tiles = *p;
  if (input != nullptr) upload.input = *input;
  if (const std::string* o = request.Query("output")) upload.output = *o;
  if (json_body) {
    std::string_view body(reinterpret_cast<const char*>(request.Body().data()),
                          request.Body().size());
    if (auto ok = TakeJsonOptions(body, upload); !ok) return Unexpected(ok.error());
  } else if (!request.Body().empty()) {
    return Unexpected(MakeError(ErrorCode::kBadRequest,
                                "send an image or an input reference, not both", "input"));
  }
  if (upload.input.empty()) {
    return Unexpected(
        MakeError(ErrorCode::kBadRequest, "a JSON submission needs an input", "input"));
  }
  if (upload.pipeline.empty()) {
    return Unexpected(MakeError(ErrorCode::kBadPipeline, "a pipeline is required", "pipeline"));
  }
  return upload;
}

}  // namespace tessera::api::http
