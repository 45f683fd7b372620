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

// POST /upload[/] with the multipart part `file`.
http::HttpResponse Upload(const http::NativeApi& api, ThumbifyJobs& jobs, const Clock& clock,
                          const http::HttpRequest& request, const http::MultipartPart& file);

// The server's own refusals on Thumbify's routes as FastAPI's {"detail": "..."}.
http::HttpResponse ServerError(const Error& error, http::HttpResponse native);

// GET /job/status/{id}, /job/all, /thumb/{filename}, /health/details, /health/send_report,
// /docs.
void AddRoutes(http::Router& router, const http::NativeApi& api,
               std::shared_ptr<ThumbifyJobs> jobs);

// Thumbify's answer to GET /health: the JSON string "API Running".
http::HttpResponse Health();

// The thumbnail pipeline for an upload named `name` (a 100x100 nearest-neighbour stretch,
// encoded as the name's extension says).
std::string ThumbPipeline(std::string_view name);

// GET /docs: a page that lists the operations of /openapi.json, with no outside assets.
http::HttpResponse DocsPage();

}  // namespace tessera::api::compat::thumbify
