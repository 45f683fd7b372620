// POST /v1/process: the image comes back in the response.
#include <nlohmann/json.hpp>

#include "api/http/native_api.h"
#include "api/http/openapi_fragments.h"
#include "api/http/upload.h"
#include "core/log.h"
#include "engine/image.h"
#include "engine/pipeline.h"

namespace tessera::api::http {
namespace {

std::string Millis(std::chrono::microseconds us) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f", static_cast<double>(us.count()) / 1000.0);
  return buf;
}

HttpResponse Process(const NativeApi& api, HttpRequest& request) {
  auto upload = ReadUploadWithPipeline(request);
  if (!upload) return ErrorResponse(upload.error());
  auto done = api.sync.Process(upload->image, upload->pipeline, request.body_read);
  if (!done) {
    Log(LogLevel::kInfo, "process_rejected",
        {{"request_id", request.request_id},
         {"code", std::string(CodeName(done.error().code))},
         {"error", done.error().message}});
    return ErrorResponse(done.error());
  }
  if (auto parsed = engine::ParsePipeline(upload->pipeline)) {
    std::vector<std::string> ops;
    for (const auto& step : parsed->steps) ops.emplace_back(step.op->name);
    api.metrics.RecordEngine(ops, done->elapsed);
  }
  const engine::ProcessResult& r = done->result;
  auto response = HttpResponse::Bytes(200, std::string(engine::FormatMimeType(r.format)),
                                      std::move(done->result.bytes));
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
      {"summary", "Process an image and return the result"},
      {"description",
       "Runs the pipeline while the client waits, in one of a bounded number of slots. "
       "Inputs over the synchronous pixel limit are refused; use /v1/jobs for them."},
      {"parameters",
       {QueryParam("pipeline", "the pipeline, text (`resize:w=300;format:type=webp`) or JSON")}},
      {"requestBody", ImageUploadBody()},
      {"responses",
       {{"200",
         {{"description",
           "the processed image, with X-Image-Width, X-Image-Height, "
           "X-Processing-Time-Ms and X-Queue-Time-Ms headers"},
          {"content", {{"image/*", {{"schema", {{"type", "string"}, {"format", "binary"}}}}}}}}},
        {"400", ErrorResponseRef("bad pipeline or malformed request (error.field names it)")},
        {"401", ErrorResponseRef("API key missing or wrong")},
        {"413", ErrorResponseRef("body over the upload limit")},
        {"415", ErrorResponseRef("not an image format tessera reads")},
        {"422", ErrorResponseRef("too many pixels, or the image cannot be decoded")},
        {"429", ErrorResponseRef("no processing slot came free in time; see Retry-After")}}}};
  router.Add({.method = bhttp::verb::post,
              .pattern = "/v1/process",
              .handler = [&api](HttpRequest& r) { return Process(api, r); },
              .blocking = true,
              .max_body_bytes = api.options.max_upload_bytes,
              .needs_key = true,
              .openapi = op});
}

}  // namespace tessera::api::http
