// /v1/jobs: durable jobs. Submitting answers 202 at once; the image is processed by a worker
// (embedded in the server or in other processes sharing the queue).
#include <nlohmann/json.hpp>

#include "api/http/native_api.h"
#include "api/http/openapi_fragments.h"
#include "api/http/upload.h"
#include "core/ids.h"
#include "engine/format_sniff.h"
#include "engine/image.h"
#include "jobs/job_json.h"

namespace tessera::api::http {
namespace {

// Ids come from clients: only well-formed ones reach a backend, and none becomes a path.
Result<std::string> JobId(const HttpRequest& request) {
  auto it = request.path_params.find("id");
  std::string id = it == request.path_params.end() ? "" : it->second;
  if (!IsWellFormedId(id)) {
    return Unexpected(
        MakeError(ErrorCode::kNotFound, "no job with id '" + id.substr(0, 64) + "'", "id"));
  }
  return id;
}

// Errors about the job named in the path name the `id` field.
HttpResponse JobError(Error error) {
  if (error.code == ErrorCode::kNotFound && error.field.empty()) error.field = "id";
  return ErrorResponse(error);
}

HttpResponse Submit(const NativeApi& api, HttpRequest& request) {
  auto upload = ReadJobSubmission(request);
  if (!upload) return ErrorResponse(upload.error());
  jobs::SubmitRequest submit;
  submit.image = upload->image;
  submit.input = upload->input;
  submit.output = upload->output;
  submit.pipeline = upload->pipeline;
  submit.request_id = request.request_id;
  if (!upload->priority.empty()) {
    auto p = queue::ParsePriority(upload->priority);
    if (!p) {
      return ErrorResponse(MakeError(
          ErrorCode::kBadRequest,
          "priority '" + upload->priority.substr(0, 32) + "' is not one of high, normal, low",
          "priority"));
    }
    submit.priority = *p;
  }
  std::string_view key = request.Header("Idempotency-Key");
  if (key.size() > 200) {
    return ErrorResponse(MakeError(ErrorCode::kBadRequest,
                                   "Idempotency-Key is longer than 200 characters",
                                   "Idempotency-Key"));
  }
  submit.idempotency_key = std::string(key);
  if (!upload->tiles.empty()) submit.tiles = upload->tiles;  // validated by Submit

  if (auto room = CheckQueueDepth(api); !room) return ErrorResponse(room.error());

  auto created = api.jobs.Submit(submit);
  if (!created) {
    Error e = created.error();
    if (e.code == ErrorCode::kIdempotencyKeyReused) e.field = "Idempotency-Key";
    return ErrorResponse(e);
  }
  jobs::JobStatus status{created->job, {}};
  auto response = HttpResponse::Json(created->created ? 202 : 200, jobs::JobStatusToJson(status));
  response.SetHeader("Location", "/v1/jobs/" + created->job.id);
  return response;
}

HttpResponse Get(const NativeApi& api, HttpRequest& request) {
  auto id = JobId(request);
  if (!id) return ErrorResponse(id.error());
  auto status = api.jobs.Get(*id);
  if (!status) return JobError(status.error());
  return HttpResponse::Json(200, jobs::JobStatusToJson(*status));
}

HttpResponse GetResult(const NativeApi& api, HttpRequest& request) {
  auto id = JobId(request);
  if (!id) return ErrorResponse(id.error());
  auto bytes = api.jobs.ResultBytes(*id);
  if (!bytes) return JobError(bytes.error());
  auto format = engine::SniffFormat(*bytes);
  std::string type =
      format ? std::string(engine::FormatMimeType(*format)) : "application/octet-stream";
  return HttpResponse::Bytes(200, std::move(type), std::move(*bytes));
}

HttpResponse Cancel(const NativeApi& api, HttpRequest& request) {
  auto id = JobId(request);
  if (!id) return ErrorResponse(id.error());
  auto job = api.jobs.Cancel(*id);
  if (!job) return JobError(job.error());
  return HttpResponse::Json(200, jobs::JobRecordToJson(*job));
}

HttpResponse Retry(const NativeApi& api, HttpRequest& request) {
  auto id = JobId(request);
  if (!id) return ErrorResponse(id.error());
  auto job = api.jobs.Retry(*id);
  if (!job) return JobError(job.error());
  auto response = HttpResponse::Json(202, jobs::JobRecordToJson(*job));
  response.SetHeader("Location", "/v1/jobs/" + job->id);
  return response;
}

HttpResponse List(const NativeApi& api, HttpRequest& request) {
  std::optional<queue::JobState> state;
  if (const std::string* s = request.Query("state"); s != nullptr && !s->empty()) {
    state = queue::ParseJobState(*s);
    if (!state) {
      return ErrorResponse(MakeError(ErrorCode::kBadRequest,
                                     "state '" + s->substr(0, 32) +
                                         "' is not one of queued, running, succeeded, "
                                         "failed_retrying, dead, cancelled",
                                     "state"));
    }
  }
  size_t limit = 50;
  if (const std::string* s = request.Query("limit")) {
    char* end = nullptr;
    long v = std::strtol(s->c_str(), &end, 10);
    if (s->empty() || *end != '\0' || v < 1 || v > 1000) {
      return ErrorResponse(
          MakeError(ErrorCode::kBadRequest, "limit must be an integer from 1 to 1000", "limit"));
    }
    limit = static_cast<size_t>(v);
  }
  std::string cursor;
  if (const std::string* c = request.Query("cursor")) cursor = *c;
  auto page = api.jobs.List(state, limit, cursor);
  if (!page) return ErrorResponse(page.error());
  return HttpResponse::Json(200, jobs::JobPageToJson(*page));
}

}  // namespace

Status CheckQueueDepth(const NativeApi& api, int64_t jobs) {
  auto stats = api.queue.Stats();
  if (!stats) return stats.error();
  int64_t waiting = stats->ready_high + stats->ready_normal + stats->ready_low + stats->delayed;
  if (waiting + jobs > api.options.queue_depth_limit) {
    return MakeError(ErrorCode::kUnavailable,
                     "the job queue is full (" + std::to_string(waiting) + " waiting, limit " +
                         std::to_string(api.options.queue_depth_limit) + "); retry later");
  }
  return OkStatus();
}

void AddJobRoutes(Router& router, const NativeApi& api) {
  using namespace openapi;
  const json id_param = PathParam("id", "the job id");
  const json not_found = ErrorResponseRef("no job with this id");
  const json conflict = ErrorResponseRef("the job is not in a state that allows this");

  router.Add(
      {.method = Method::kPost,
       .pattern = "/v1/jobs",
       .handler = [&api](HttpRequest& r) { return Submit(api, r); },
       .max_body_bytes = api.options.max_upload_bytes,
       .max_body_flag = "--max-upload-bytes",
       .openapi = {
           {"operationId", "submitJob"},
           {"summary", "Submit a durable job"},
           {"description",
            "Stores the image, records the job and queues it. An Idempotency-Key header makes "
            "a resubmission of the same request return the first job (200) instead of creating "
            "another; a different request (pipeline, tiles, image, input or output) under a "
            "used key is refused (422 idempotency_key_reused)."},
           {"parameters",
            {QueryParam("pipeline", "the pipeline, text or JSON (the schema Pipeline)"),
             QueryParam("priority", "high, normal (default) or low"),
             QueryParam("tiles",
                        "auto (default: tiled above the workers' pixel threshold), on or off"),
             QueryParam("input",
                        "instead of an uploaded image: an object of the store to read, as a key "
                        "or s3://bucket/prefix/key (empty body); or a JSON body {input, output, "
                        "pipeline, priority, tiles}"),
             QueryParam("output",
                        "where the result goes (a key or a URI of the store) instead "
                        "of the job's own result key"),
             {{"name", "Idempotency-Key"},
              {"in", "header"},
              {"required", false},
              {"schema", {{"type", "string"}, {"maxLength", 200}}}}}},
           {"requestBody", JobSubmissionBody()},
           {"responses",
            {{"202", JsonResponse("the job was queued; Location names it", "JobStatus")},
             {"200", JsonResponse("an earlier job with the same Idempotency-Key", "JobStatus")},
             {"400", ErrorResponseRef("bad pipeline, priority or request")},
             {"413", ErrorResponseRef("body over the upload limit")},
             {"415", ErrorResponseRef("not an image format tessera reads")},
             {"422", ErrorResponseRef("too many pixels, the header cannot be read, or "
                                      "over_budget: too many steps, a step or the pipeline "
                                      "over its work limit (error.field names the step), or "
                                      "idempotency_key_reused: the Idempotency-Key already "
                                      "names a job of a different request")},
             {"503", ErrorResponseRef("the queue is past its depth limit; see Retry-After")}}}}});
  router.Add({.method = Method::kGet,
              .pattern = "/v1/jobs",
              .handler = [&api](HttpRequest& r) { return List(api, r); },
              .openapi = {{"operationId", "listJobs"},
                          {"summary", "List jobs in id order (oldest first)"},
                          {"parameters",
                           {QueryParam("state", "only jobs in this state"),
                            QueryParam("limit", "1 to 1000 (default 50)", "integer"),
                            QueryParam("cursor", "next_cursor of the previous page")}},
                          {"responses",
                           {{"200", JsonResponse("a page of jobs; next_cursor is null on the "
                                                 "last page",
                                                 "JobPage")},
                            {"400", ErrorResponseRef("bad state or limit")}}}}});
  router.Add({.method = Method::kGet,
              .pattern = "/v1/jobs/{id}",
              .handler = [&api](HttpRequest& r) { return Get(api, r); },
              .openapi = {{"operationId", "getJob"},
                          {"summary", "A job's state, attempts, progress, timings and error"},
                          {"parameters", {id_param}},
                          {"responses",
                           {{"200", JsonResponse("the job, with waiting_for when no live worker "
                                                 "has a capability it needs",
                                                 "JobStatus")},
                            {"404", not_found}}}}});
  router.Add({.method = Method::kDelete,
              .pattern = "/v1/jobs/{id}",
              .handler = [&api](HttpRequest& r) { return Cancel(api, r); },
              .openapi = {{"operationId", "cancelJob"},
                          {"summary", "Cancel a job that has not finished"},
                          {"parameters", {id_param}},
                          {"responses",
                           {{"200", JsonResponse("the cancelled job", "Job")},
                            {"404", not_found},
                            {"409", conflict}}}}});
  router.Add(
      {.method = Method::kGet,
       .pattern = "/v1/jobs/{id}/result",
       .handler = [&api](HttpRequest& r) { return GetResult(api, r); },
       .openapi = {{"operationId", "getJobResult"},
                   {"summary", "The processed image of a succeeded job"},
                   {"parameters", {id_param}},
                   {"responses",
                    {{"200",
                      {{"description", "the image"},
                       {"content",
                        {{"image/*", {{"schema", {{"type", "string"}, {"format", "binary"}}}}}}}}},
                     {"404", not_found},
                     {"409", ErrorResponseRef("the job has not succeeded (yet)")}}}}});
  router.Add({.method = Method::kPost,
              .pattern = "/v1/jobs/{id}/retry",
              .handler = [&api](HttpRequest& r) { return Retry(api, r); },
              .openapi = {{"operationId", "retryJob"},
                          {"summary", "Run a dead or cancelled job again"},
                          {"parameters", {id_param}},
                          {"responses",
                           {{"202", JsonResponse("the job, queued again", "Job")},
                            {"404", not_found},
                            {"409", conflict}}}}});
}

}  // namespace tessera::api::http
