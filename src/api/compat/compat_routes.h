// The seed-compatible HTTP APIs: the clients of the services tessera replaces (Thumbify, the
// tutti upload service, the Django distributed pipeline and the ImageFlowCanvas gateway) point
// at tessera unchanged. Each adapter is a thin translation over the native pieces: requests
// become pipelines run by the SyncProcessor or jobs submitted to the JobService, and results
// and errors are written back in the seed's shapes. docs/COMPAT.md lists every route and every
// intended difference.
//
// Adapters are off unless enabled (`tessera serve --compat thumbify,tutti,django,imageflow`,
// or TESSERA_COMPAT), because some claim generic paths (/upload, /health).
#pragma once

#include <filesystem>
#include <memory>
#include <string_view>

#include "api/http/native_api.h"
#include "api/http/router.h"
#include "core/clock.h"
#include "core/result.h"
#include "store/blob_store.h"
#include "store/object_bucket.h"

namespace tessera::api::compat {

namespace tutti {
class TuttiWorkers;
}
namespace thumbify {
class ThumbifyBucket;
}

struct CompatProfiles {
  bool thumbify = false;
  bool tutti = false;
  bool django = false;
  bool imageflow = false;

  bool any() const { return thumbify || tutti || django || imageflow; }
};

// Settings of the profiles (each defaults to the seed's own).
struct CompatSettings {
  // Where the Django pipeline's sample images are (the seed's static/images).
  std::filesystem::path django_sample_dir = "static/images";
  // Where ImageFlowCanvas's bucket/object_key objects live (its MinIO); null: the native blob
  // store, at key "<bucket>/<object_key>". Must outlive the router.
  store::BlobStore* imageflow_objects = nullptr;
  // Thumbify's bucket (BUCKET_ENDPOINT, BUCKET_NAME) for /upload/bucket and /thumb/bucket/...;
  // null: those routes are not served. Must outlive the router.
  store::ObjectBucket* thumbify_bucket = nullptr;
};

// The profiles' background work (Thumbify's bucket publisher). Stop() ends it; so does
// destruction. Stop it before anything given to AddCompatRoutes goes away.
struct CompatBackground {
  std::shared_ptr<thumbify::ThumbifyBucket> thumbify_bucket;
  void Stop();
  ~CompatBackground();
};

// "thumbify,tutti,django,imageflow" in any order and subset, "all", or "" / "none".
// kBadRequest (field "compat") naming an unknown profile.
Result<CompatProfiles> ParseCompatProfiles(std::string_view list);

// Registers the routes of the enabled profiles. `api` (and everything it refers to), `clock`
// and `tutti` must outlive the router. REQUIRES: `tutti` is non-null when profiles.tutti.
[[nodiscard]] std::unique_ptr<CompatBackground> AddCompatRoutes(
    http::Router& router, const http::NativeApi& api, const CompatProfiles& profiles,
    const Clock& clock, const CompatSettings& settings = {}, tutti::TuttiWorkers* tutti = nullptr);

}  // namespace tessera::api::compat
