// The ImageFlowCanvas HTTP gateway: JSON in the gateway's pydantic shapes, translated to the
// ImageFlowService's structs, and its answer written as protobuf's MessageToDict would
// (preserving_proto_field_name: snake_case keys, enum names, int64 as strings, RFC 3339
// timestamps, bytes as base64, default values left out).
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <optional>
#include <type_traits>

#include "api/compat/adapters.h"
#include "api/compat/imageflow/base64.h"
#include "api/compat/imageflow/imageflow_service.h"
#include "jobs/job_json.h"

namespace tessera::api::compat {
namespace {

using http::HttpRequest;
using http::HttpResponse;
using imageflow::FilterType;
using imageflow::ImageData;
using imageflow::ProcessingResult;
using imageflow::ResizeQuality;
using Json = nlohmann::json;
using OJson = nlohmann::ordered_json;

// pydantic's validation errors, collected for one 422.
struct Problems {
  OJson items = OJson::array();
  void Missing(std::vector<std::string> loc) {
    Add(std::move(loc), "field required", "value_error.missing");
  }
  void Add(std::vector<std::string> loc, std::string msg, std::string type) {
    OJson l = OJson::array({"body"});
    for (auto& s : loc) l.push_back(s);
    items.push_back({{"loc", l}, {"msg", msg}, {"type", type}});
  }
  bool empty() const { return items.empty(); }
  HttpResponse Response() const { return HttpResponse::Json(422, OJson{{"detail", items}}.dump()); }
};

template <typename T>
void Take(const Json& obj, const char* key, T& out, Problems& p, std::vector<std::string> at) {
  if (!obj.contains(key) || obj[key].is_null()) return;
  const Json& v = obj[key];
  at.emplace_back(key);
  if constexpr (std::is_same_v<T, bool>) {
    if (!v.is_boolean())
      return p.Add(at, "value could not be parsed to a boolean", "type_error.bool");
    out = v.get<bool>();
  } else if constexpr (std::is_same_v<T, std::string>) {
    if (!v.is_string()) return p.Add(at, "str type expected", "type_error.str");
    out = v.get<std::string>();
  } else if constexpr (std::is_integral_v<T>) {
    if (!v.is_number_integer())
      return p.Add(at, "value is not a valid integer", "type_error.integer");
    out = v.get<T>();
  } else {
    if (!v.is_number()) return p.Add(at, "value is not a valid float", "type_error.float");
    out = v.get<T>();
  }
}

// input_image (ImageDataModel: bucket and object_key required) or input_bytes.
void TakeInput(const Json& body, ImageData& image, std::optional<imageflow::ImageBytes>& bytes,
               Problems& p) {
  if (body.contains("input_bytes") && body["input_bytes"].is_object()) {
    const Json& b = body["input_bytes"];
    imageflow::ImageBytes ib;
    std::string data;
    if (!b.contains("data")) p.Missing({"input_bytes", "data"});
    Take(b, "data", data, p, {"input_bytes"});
    auto decoded = Unbase64(data);
    if (!decoded) p.Add({"input_bytes", "data"}, "invalid base64", "value_error.base64");
    if (decoded) ib.data = std::move(*decoded);
    Take(b, "format", ib.format, p, {"input_bytes"});
    Take(b, "width", ib.width, p, {"input_bytes"});
    Take(b, "height", ib.height, p, {"input_bytes"});
    bytes = std::move(ib);
    return;
  }
  if (!body.contains("input_image")) return p.Missing({"input_image"});
  const Json& im = body["input_image"];
  if (!im.is_object())
    return p.Add({"input_image"}, "value is not a valid dict", "type_error.dict");
  if (!im.contains("bucket")) p.Missing({"input_image", "bucket"});
  if (!im.contains("object_key")) p.Missing({"input_image", "object_key"});
  Take(im, "bucket", image.bucket, p, {"input_image"});
  Take(im, "object_key", image.object_key, p, {"input_image"});
  Take(im, "content_type", image.content_type, p, {"input_image"});
  Take(im, "size_bytes", image.size_bytes, p, {"input_image"});
  Take(im, "width", image.width, p, {"input_image"});
  Take(im, "height", image.height, p, {"input_image"});
}

// A proto `float` as MessageToDict writes it: the shortest decimal that reads back as the same
// float (0.4, not 0.4000000059604645).
double FloatJson(float f) {
  char buf[32];
  for (int precision = 6; precision <= 9; ++precision) {
    std::snprintf(buf, sizeof(buf), "%.*g", precision, static_cast<double>(f));
    if (std::strtof(buf, nullptr) == f) break;
  }
  return std::strtod(buf, nullptr);
}

OJson ImageDataJson(const ImageData& d) {
  OJson j = OJson::object();
  if (!d.bucket.empty()) j["bucket"] = d.bucket;
  if (!d.object_key.empty()) j["object_key"] = d.object_key;
  if (!d.content_type.empty()) j["content_type"] = d.content_type;
  if (d.size_bytes != 0) j["size_bytes"] = std::to_string(d.size_bytes);
  if (d.width != 0) j["width"] = d.width;
  if (d.height != 0) j["height"] = d.height;
  if (d.created_at != SystemTime{}) j["created_at"] = jobs::Rfc3339(d.created_at);
  return j;
}

OJson ResultJson(const ProcessingResult& r) {
  OJson j = OJson::object();
  if (r.status != imageflow::ProcessingStatus::kUnspecified) {
    j["status"] = imageflow::ProcessingStatusName(r.status);
  }
  if (!r.message.empty()) j["message"] = r.message;
  if (r.output_image) j["output_image"] = ImageDataJson(*r.output_image);
  if (!r.output_data.empty()) j["output_data"] = Base64(r.output_data);
  if (!r.metadata.empty()) j["metadata"] = r.metadata;
  if (r.processed_at != SystemTime{}) j["processed_at"] = jobs::Rfc3339(r.processed_at);
  if (r.processing_time_seconds != 0) j["processing_time_seconds"] = r.processing_time_seconds;
  return j;
}

HttpResponse Answer(const OJson& result, const OJson& metadata) {
  OJson j = {{"result", result}};
  if (!metadata.empty()) j["metadata"] = metadata;
  return HttpResponse::Json(200, j.dump());
}

HttpResponse Busy(const Error& e) { return FastApiDetail(429, e.message); }

// Parses the body as a JSON object; a 422 in FastAPI's shape when it is not one.
std::optional<HttpResponse> ParseObject(const HttpRequest& request, Json& body) {
  auto data = request.Body();
  body = Json::parse(data.begin(), data.end(), nullptr, false);
  if (body.is_discarded()) {
    Problems p;
    p.items.push_back({{"loc", OJson::array({"body"})},
                       {"msg", "invalid JSON"},
                       {"type", "value_error.jsondecode"}});
    return p.Response();
  }
  if (!body.is_object()) {
    Problems p;
    p.items.push_back({{"loc", OJson::array({"body"})},
                       {"msg", "value is not a valid dict"},
                       {"type", "type_error.dict"}});
    return p.Response();
  }
  return std::nullopt;
}

HttpResponse Resize(imageflow::ImageFlowService& service, HttpRequest& request) {
  Json body;
  if (auto bad = ParseObject(request, body)) return *bad;
  Problems p;
  imageflow::ResizeRequest r;
  r.target_width = 800;  // the gateway's defaults
  r.target_height = 600;
  r.maintain_aspect_ratio = true;
  r.quality = ResizeQuality::kGood;
  TakeInput(body, r.input_image, r.input_bytes, p);
  Take(body, "target_width", r.target_width, p, {});
  Take(body, "target_height", r.target_height, p, {});
  Take(body, "maintain_aspect_ratio", r.maintain_aspect_ratio, p, {});
  std::string quality;
  Take(body, "quality", quality, p, {});
  // The original gateway maps an unknown name to its default: quality_map.get(q, GOOD).
  if (auto q = imageflow::ParseResizeQuality(quality); q && *q != ResizeQuality::kUnspecified) {
    r.quality = *q;
  }
  if (!body.contains("execution_id")) p.Missing({"execution_id"});
  Take(body, "execution_id", r.execution_id, p, {});
  if (!p.empty()) return p.Response();
  auto out = service.Resize(r, std::chrono::steady_clock::now(), request.client_gone);
  if (!out) return Busy(out.error());
  OJson m = OJson::object();
  const auto& md = out->metadata;
  if (md.original_width) m["original_width"] = md.original_width;
  if (md.original_height) m["original_height"] = md.original_height;
  if (md.output_width) m["output_width"] = md.output_width;
  if (md.output_height) m["output_height"] = md.output_height;
  if (md.scale_factor_x != 0) m["scale_factor_x"] = md.scale_factor_x;
  if (md.scale_factor_y != 0) m["scale_factor_y"] = md.scale_factor_y;
  if (md.quality_used != ResizeQuality::kUnspecified) {
    m["quality_used"] = imageflow::ResizeQualityName(md.quality_used);
  }
  return Answer(ResultJson(out->result), m);
}

HttpResponse Filter(imageflow::ImageFlowService& service, HttpRequest& request) {
  Json body;
  if (auto bad = ParseObject(request, body)) return *bad;
  Problems p;
  imageflow::FilterRequest r;
  r.filter_type = FilterType::kBlur;  // the gateway's defaults
  r.intensity = 1.0f;
  TakeInput(body, r.input_image, r.input_bytes, p);
  std::string type;
  Take(body, "filter_type", type, p, {});
  // The original gateway maps an unknown name to its default: filter_type_map.get(t, BLUR).
  if (auto t = imageflow::ParseFilterType(type); t && *t != FilterType::kUnspecified) {
    r.filter_type = *t;
  }
  Take(body, "intensity", r.intensity, p, {});
  if (body.contains("parameters") && !body["parameters"].is_null()) {
    if (!body["parameters"].is_object()) {
      p.Add({"parameters"}, "value is not a valid dict", "type_error.dict");
    } else {
      for (auto& [k, v] : body["parameters"].items()) {
        if (v.is_string()) {
          r.parameters[k] = v.get<std::string>();
        } else {
          p.Add({"parameters", k}, "str type expected", "type_error.str");
        }
      }
    }
  }
  if (!body.contains("execution_id")) p.Missing({"execution_id"});
  Take(body, "execution_id", r.execution_id, p, {});
  if (!p.empty()) return p.Response();
  auto out = service.Filter(r, std::chrono::steady_clock::now(), request.client_gone);
  if (!out) return Busy(out.error());
  OJson m = OJson::object();
  if (out->metadata.filter_type != FilterType::kUnspecified) {
    m["filter_type"] = imageflow::FilterTypeName(out->metadata.filter_type);
  }
  if (out->metadata.intensity != 0) m["intensity"] = FloatJson(out->metadata.intensity);
  if (!out->metadata.applied_parameters.empty()) {
    m["applied_parameters"] = out->metadata.applied_parameters;
  }
  return Answer(ResultJson(out->result), m);
}

HttpResponse Detect(imageflow::ImageFlowService& service, HttpRequest& request) {
  Json body;
  if (auto bad = ParseObject(request, body)) return *bad;
  Problems p;
  imageflow::DetectionRequest r;
  r.model_name = "yolo";  // the gateway's defaults
  r.confidence_threshold = 0.5f;
  r.nms_threshold = 0.4f;
  r.draw_boxes = true;
  TakeInput(body, r.input_image, r.input_bytes, p);
  Take(body, "model_name", r.model_name, p, {});
  Take(body, "confidence_threshold", r.confidence_threshold, p, {});
  Take(body, "nms_threshold", r.nms_threshold, p, {});
  Take(body, "draw_boxes", r.draw_boxes, p, {});
  if (!body.contains("execution_id")) p.Missing({"execution_id"});
  Take(body, "execution_id", r.execution_id, p, {});
  if (!p.empty()) return p.Response();
  auto out = service.Detect(r, std::chrono::steady_clock::now(), request.client_gone);
  if (!out) return Busy(out.error());
  // MessageToDict of imageflow.v1.DetectionResponse: result, detections, metadata; zero
  // values left out.
  OJson j = {{"result", ResultJson(out->result)}};
  if (!out->detections.empty()) {
    OJson list = OJson::array();
    for (const imageflow::DetectedObject& d : out->detections) {
      OJson o = OJson::object();
      if (!d.class_name.empty()) o["class_name"] = d.class_name;
      if (d.confidence != 0) o["confidence"] = FloatJson(d.confidence);
      OJson box = OJson::object();
      if (d.x1 != 0) box["x1"] = FloatJson(d.x1);
      if (d.y1 != 0) box["y1"] = FloatJson(d.y1);
      if (d.x2 != 0) box["x2"] = FloatJson(d.x2);
      if (d.y2 != 0) box["y2"] = FloatJson(d.y2);
      o["bbox"] = box;
      if (d.class_id != 0) o["class_id"] = d.class_id;
      list.push_back(o);
    }
    j["detections"] = list;
  }
  const imageflow::DetectionMetadata& md = out->metadata;
  OJson m = OJson::object();
  if (!md.model_name.empty()) m["model_name"] = md.model_name;
  if (!md.model_version.empty()) m["model_version"] = md.model_version;
  if (md.confidence_threshold != 0) m["confidence_threshold"] = FloatJson(md.confidence_threshold);
  if (md.nms_threshold != 0) m["nms_threshold"] = FloatJson(md.nms_threshold);
  if (md.total_detections != 0) m["total_detections"] = md.total_detections;
  if (md.inference_time_ms != 0) m["inference_time_ms"] = md.inference_time_ms;
  if (md.nms_time_ms != 0) m["nms_time_ms"] = md.nms_time_ms;
  if (!m.empty()) j["metadata"] = m;
  return HttpResponse::Json(200, j.dump());
}

HttpResponse Health(imageflow::ImageFlowService& service, HttpRequest& request) {
  const std::string& name = request.path_params["service"];
  // The gateway's later camera-stream route, answered as it answered with that service down:
  // tessera has no real-time video service.
  if (name == "camera_stream") {
    return FastApiDetail(503,
                         "Camera stream service unhealthy: not provided (tessera processes "
                         "images, not live camera streams)");
  }
  auto ok = service.Health(name);
  if (!ok && ok.error().code == ErrorCode::kNotFound) return FastApiDetail(404, "Not Found");
  if (!ok) {
    std::string title = name;
    title[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(title[0])));
    return FastApiDetail(503, title + " service unhealthy: " + ok.error().message);
  }
  return HttpResponse::Json(200, OJson{{"service", name}, {"status", "healthy"}}.dump());
}

}  // namespace

void AddImageFlowRoutes(http::Router& router, const http::NativeApi& api, const Clock& clock,
                        store::BlobStore& objects) {
  using http::Method;
  auto service = std::make_shared<imageflow::ImageFlowService>(api.sync, objects, clock);
  // A JSON body may carry the image itself (input_bytes, base64): a third larger than the image.
  const uint64_t limit = api.options.max_upload_bytes / 3 * 4 + (64 << 10);
  auto add = [&](std::string pattern,
                 HttpResponse (*fn)(imageflow::ImageFlowService&, HttpRequest&),
                 std::string summary) {
    router.Add({.method = Method::kPost,
                .pattern = std::move(pattern),
                .handler = [service, fn](HttpRequest& r) { return fn(*service, r); },
                .max_body_bytes = limit,
                .openapi = {{"summary", std::move(summary)},
                            {"tags", nlohmann::json::array({"compat"})}}});
  };
  add("/v1/resize", Resize, "ImageFlowCanvas gateway: ResizeService.ResizeImage");
  add("/v1/filter", Filter, "ImageFlowCanvas gateway: FilterService.ApplyFilter");
  add("/v1/detect", Detect, "ImageFlowCanvas gateway: AIDetectionService.DetectObjects");
  router.Add({.method = Method::kGet,
              .pattern = "/v1/health/{service}",
              .handler = [service](HttpRequest& r) { return Health(*service, r); },
              .needs_key = false,
              .openapi = {{"summary",
                           "ImageFlowCanvas gateway: health of resize, filter or "
                           "detection (camera_stream: 503, not provided)"},
                          {"tags", nlohmann::json::array({"compat"})}}});
}

}  // namespace tessera::api::compat
