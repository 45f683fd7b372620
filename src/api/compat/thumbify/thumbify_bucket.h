// Thumbify's object-storage routes over one bucket of an S3-compatible server (its MinIO):
//   POST /upload/bucket                 the part `file` is stored as object <file name>, and a
//                                       job makes <stem>_thumb.<ext>, a 100x100 PNG, beside it
//   GET  /thumb/bucket/{filename}       the object's bytes
//   GET  /thumb/bucket/url/{filename}   {"thumb_temp_url": a presigned GET URL, one hour}
// Thumbify read BUCKET_ENDPOINT, BUCKET_ACCESS_KEY, BUCKET_SECRET_KEY and BUCKET_NAME (cli/
// opens the client from them); docs/COMPAT.md ("Thumbify") lists the answers.
//
// Publication is durable: an upload leaves compat/thumbify/bucket-pending/<job id> (holding the
// thumbnail's object name) in tessera's blob store, and the thumbnail is written to the bucket
// by whichever comes first, the background pass (Start) or a status request, before the marker
// is removed. Until then the job's Thumbify status is "processing", so "succeeded" always means
// the object is in the bucket. A process that dies mid-way leaves the marker for the next pass.
//
// Thread-safe.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "api/compat/thumbify/thumbify_jobs.h"
#include "api/http/multipart.h"
#include "api/http/native_api.h"
#include "api/http/router.h"
#include "core/clock.h"
#include "store/object_bucket.h"

namespace tessera::api::compat::thumbify {

// The thumbnail's object name as Thumbify's bucket worker formed it:
// name.split(".")[0] + "_thumb." + name.split(".")[1] ("a.b.png" gives "a_thumb.b"). Empty for
// a name without '.', whose job Thumbify's worker failed.
std::string BucketThumbName(std::string_view name);

class ThumbifyBucket {
 public:
  // `bucket` is Thumbify's (BUCKET_NAME); presigned URLs name `url_bucket`, as Thumbify's
  // route did ("thumbifybucket" whatever BUCKET_NAME says).
  ThumbifyBucket(const http::NativeApi& api, std::shared_ptr<ThumbifyJobs> jobs, const Clock& clock,
                 store::ObjectBucket& bucket, std::string url_bucket);
  ~ThumbifyBucket();
  ThumbifyBucket(const ThumbifyBucket&) = delete;
  ThumbifyBucket& operator=(const ThumbifyBucket&) = delete;

  http::HttpResponse Upload(const http::HttpRequest& request, const http::MultipartPart& file);
  http::HttpResponse Get(const std::string& filename);
  http::HttpResponse Url(const std::string& filename);

  // For GET /job/status of a bucket upload whose job succeeded: true once its thumbnail is in
  // the bucket (written now if it was still pending).
  bool Published(const std::string& id);

  // Writes every pending thumbnail whose job succeeded; drops the markers of jobs that failed.
  // Returns how many are still pending.
  size_t PublishPending();

  // A background pass every second (every 200 ms while thumbnails are pending) until Stop.
  void Start();
  void Stop();

 private:
  enum class Outcome { kPublished, kWaiting, kDropped };
  Outcome PublishOne(const std::string& id);

  const http::NativeApi& api_;
  const std::shared_ptr<ThumbifyJobs> jobs_;
  const Clock& clock_;
  store::ObjectBucket& bucket_;
  const std::string url_bucket_;

  std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ = false;  // guarded by mu_
  std::thread thread_;
};

// Registers the three routes above.
void AddBucketRoutes(http::Router& router, const http::NativeApi& api,
                     std::shared_ptr<ThumbifyBucket> bucket);

}  // namespace tessera::api::compat::thumbify
