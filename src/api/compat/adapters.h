// Internal to src/api/compat: the pieces the adapter files share and export to compat_routes.cc,
// which owns the paths two profiles share (POST /upload, GET /health). Thumbify and tutti have
// their own folders (thumbify/, tutti/).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string_view>
#include <vector>

#include "api/http/multipart.h"
#include "api/http/native_api.h"
#include "api/http/router.h"
#include "core/clock.h"
#include "store/blob_store.h"

namespace tessera::api::compat {

// The parts of a multipart/form-data body; none if the request is not one or does not parse.
std::vector<http::MultipartPart> MultipartParts(const http::HttpRequest& request);
// The first of `parts` named `name`, or null.
const http::MultipartPart* FindPart(const std::vector<http::MultipartPart>& parts,
                                    std::string_view name);

// FastAPI's 422 for a missing required field: {"detail":[{"loc":[where, field],
// "msg":"field required","type":"value_error.missing"}]}.
http::HttpResponse FastApiMissing(std::string_view where, std::string_view field);
// The same under pydantic 2: {"detail":[{"type":"missing","loc":[where, field],
// "msg":"Field required","input":null}]}.
http::HttpResponse PydanticV2Missing(std::string_view where, std::string_view field);
// FastAPI's HTTPException body: {"detail": message}.
http::HttpResponse FastApiDetail(unsigned status, std::string_view message);

// Django: /api/, /api/health/, the Day-1 image routes, /api/stats/, /api/metrics/, the
// /api/process-batch/ routes, /api/task/{id}/status/, /api/workers/status/. Sample images are
// read from `sample_dir` only.
void AddDjangoRoutes(http::Router& router, const http::NativeApi& api, const Clock& clock,
                     const std::filesystem::path& sample_dir);

// ImageFlowCanvas gateway: /v1/resize, /v1/filter, /v1/detect, /v1/health/{service}.
// `objects` holds the bucket/object_key images.
void AddImageFlowRoutes(http::Router& router, const http::NativeApi& api, const Clock& clock,
                        store::BlobStore& objects);

}  // namespace tessera::api::compat
