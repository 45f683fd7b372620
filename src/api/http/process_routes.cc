// POST /v1/process: the image comes back in the response (?output=image, the default), or the
// detections as JSON (?output=json), or both (?output=multipart: multipart/mixed, the JSON part
// first, then the image).
#include <nlohmann/json.hpp>

#include "api/http/native_api.h"
#include "api/http/openapi_fragments.h"
#include "api/http/upload.h"
#include "core/log.h"
#include "engine/detect/detection_json.h"
#include "engine/image.h"
#include "engine/pipeline.h"

namespace tessera::api::http {
namespace {

std::string Millis(std::chrono::microseconds us) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f", static_cast<double>(us.count()) / 1000.0);
  return buf;
}

// {"width","height","format","detections":[...]}
std::string ResultJson(const engine::ProcessResult& r) {
  return "{\"width\":" + std::to_string(r.width) + ",\"height\":" + std::to_string(r.height) +
         ",\"format\":\"" + std::string(engine::FormatName(r.format)) +
         "\",\"detections\":" + engine::detect::DetectionsToJson(r.detections) + "}";
}

// multipart/mixed: the JSON part, then the image. The boundary carries the request id, which
// is unique per request, so it cannot be guessed into an uploaded image ahead of time.
HttpResponse Multipart(const engine::ProcessResult& r, const std::string& request_id) {
  const std::string boundary = "tessera-" + request_id;
  std::string head =
      "--" + boundary + "\r\nContent-Type: application/json\r\n\r\n" + ResultJson(r) + "\r\n--" +
      boundary + "\r\nContent-Type: " + std::string(engine::FormatMimeType(r.format)) + "\r\n\r\n";
  std::string tail = "\r\n--" + boundary + "--\r\n";
  std::vector<uint8_t> body(head.begin(), head.end());
  body.insert(body.end(), r.bytes.begin(), r.bytes.end());
  body.insert(body.end(), tail.begin(), tail.end());
  return HttpResponse::Bytes(200, "multipart/mixed; boundary=" + boundary, std::move(body));
}

HttpResponse Process(const NativeApi& api, HttpRequest& request) {
  const std::string* output = request.Query("output");
  if (output != nullptr && *output != "image" && *output != "json" && *output != "multipart") {
    return ErrorResponse(MakeError(ErrorCode::kBadRequest,
                                   "output=" + *output + " is not image, json or multipart",
                                   "output"));
  }
  auto upload = ReadUploadWithPipeline(request);
  if (!upload) return ErrorResponse(upload.error());
  auto done =
      api.sync.Process(upload->image, upload->pipeline, request.body_read, request.client_gone);
  if (!done) {
    Log(LogLevel::kInfo, "process_rejected",
        {{"request_id", request.request_id},
         {"code", std::string(CodeName(done.error().code))},
         {"error", done.error().message}});
    return ErrorResponse(done.error());
  }
  const engine::ProcessResult& r = done->result;
  const std::string mode = output == nullptr ? "image" : *output;
  HttpResponse response =
      mode == "json" ? HttpResponse::Json(200, ResultJson(r))
      : mode == "multipart"
          ? Multipart(r, request.request_id)
          : HttpResponse::Bytes(200, std::string(engine::FormatMimeType(r.format)),
                                std::move(done->result.bytes));
  response.SetHeader("X-Detections", std::to_string(r.detections.size()));
  response.SetHeader("X-Image-Width", std::to_string(r.width));
  response.SetHeader("X-Image-Height", std::to_string(r.height));
  response.SetHeader("X-Processing-Time-Ms", Millis(done->elapsed));
  response.SetHeader("X-Queue-Time-Ms", Millis(done->queued));
  response.SetHeader("Server-Timing",
                     "queue;dur=" + Millis(done->queued) + ", engine;dur=" + Millis(done->elapsed));
  return response;
}

}  // namespace

void AddProcessRoutes(Router& router, const NativeApi& api) {
  using namespace openapi;
  json op = {
      {"operationId", "processImage"},
      {"summary", "Process an image and return the result"},
      {"description",
       "Runs the pipeline while the client waits, in one of a bounded number of slots. "
       "Inputs over the synchronous pixel limit are refused; use /v1/jobs for them."},
      {"parameters",
       {QueryParam("pipeline",
                   "the pipeline, text (`resize:w=300;format:type=webp`) or JSON (the schema "
                   "Pipeline: one PipelineStep_<op> per step)"),
        QueryParam("output",
                   "image (default): the image; json: {width, height, format, detections} "
                   "without the image; multipart: multipart/mixed with that JSON part first, "
                   "then the image. detections lists what detect and redact steps found: "
                   "[{model, label, class_id, confidence, box:{x,y,width,height}, step, "
                   "image:{width,height}}], boxes in pixels of the step's input")}},
      {"requestBody", ImageUploadBody()},
      {"responses",
       {{"200",
         {{"description",
           "the processed image (or JSON, or both: see `output`), with X-Image-Width, "
           "X-Image-Height, X-Detections (how many), X-Processing-Time-Ms and "
           "X-Queue-Time-Ms headers"},
          {"content",
           {{"image/*", {{"schema", {{"type", "string"}, {"format", "binary"}}}}},
            {"application/json", {{"schema", {{"$ref", "#/components/schemas/ProcessResult"}}}}},
            {"multipart/mixed", {{"schema", {{"type", "string"}, {"format", "binary"}}}}}}}}},
        {"400", ErrorResponseRef("bad pipeline, unknown detection model or malformed request "
                                 "(error.field names it)")},
        {"401", ErrorResponseRef("API key missing or wrong")},
        {"413", ErrorResponseRef("body over the upload limit")},
        {"415", ErrorResponseRef("not an image format tessera reads")},
        {"422", ErrorResponseRef("too many pixels, the image cannot be decoded, or over_budget: "
                                 "too many steps, a step or the pipeline over its work limit "
                                 "(error.field names the step; heavy pipelines belong in "
                                 "/v1/jobs)")},
        {"429", ErrorResponseRef("no processing slot came free in time; see Retry-After")},
        {"504", ErrorResponseRef("deadline_exceeded: still running --sync-deadline-ms after "
                                 "the request arrived; the work was stopped")},
        {"503", ErrorResponseRef("a detection model cannot be loaded (error.field "
                                 "detect.model, the message names the model)")}}}};
  router.Add({.method = Method::kPost,
              .pattern = "/v1/process",
              .handler = [&api](HttpRequest& r) { return Process(api, r); },
              .blocking = true,
              .max_body_bytes = api.options.max_upload_bytes,
              .max_body_flag = "--max-upload-bytes",
              .needs_key = true,
              .openapi = op});
}

}  // namespace tessera::api::http
