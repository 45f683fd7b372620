// Thumbify: uploads become durable thumbnail jobs; status, listing, files by name, health and
// the API documentation page (docs/COMPAT.md, "Thumbify").
#pragma once

#include <memory>

#include "api/compat/thumbify/thumbify_jobs.h"
#include "api/http/multipart.h"
#include "api/http/native_api.h"
#include "api/http/router.h"
#include "core/clock.h"

namespace tessera::api::compat::thumbify {

class ThumbifyBucket;

// POST /upload[/] with the multipart part `file`.
http::HttpResponse Upload(const http::NativeApi& api, ThumbifyJobs& jobs, const Clock& clock,
                          const http::HttpRequest& request, const http::MultipartPart& file);

// The server's own refusals on Thumbify's routes as FastAPI's {"detail": "..."}.
http::HttpResponse ServerError(const Error& error, http::HttpResponse native);

// GET /job/status/{id}, /job/all, /thumb/{filename}, /health/details, /health/send_report,
// /docs.
// `bucket` (null: none) answers whether a bucket upload's thumbnail is in the bucket yet.
void AddRoutes(http::Router& router, const http::NativeApi& api, std::shared_ptr<ThumbifyJobs> jobs,
               std::shared_ptr<ThumbifyBucket> bucket);

// Thumbify's answer to GET /health: the JSON string "API Running".
http::HttpResponse Health();

// The thumbnail pipeline for an upload named `name` (a 100x100 nearest-neighbour stretch,
// encoded as the name's extension says).
std::string ThumbPipeline(std::string_view name);

// Refusals of the image itself (unsupported, corrupt, too many pixels, too large), which
// Thumbify only met in its worker: the upload is accepted and its job is "failed".
bool RefusesImage(ErrorCode code);

// GET /docs: a page that lists the operations of /openapi.json, with no outside assets.
http::HttpResponse DocsPage();

}  // namespace tessera::api::compat::thumbify
