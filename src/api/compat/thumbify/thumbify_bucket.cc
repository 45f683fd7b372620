#include "api/compat/thumbify/thumbify_bucket.h"

#include <chrono>
#include <nlohmann/json.hpp>

#include "api/compat/adapters.h"
#include "api/compat/thumbify/thumbify_routes.h"
#include "api/error_status.h"
#include "core/ids.h"
#include "core/log.h"

namespace tessera::api::compat::thumbify {
namespace {

using http::HttpRequest;
using http::HttpResponse;

constexpr std::string_view kPendingPrefix = "compat/thumbify/bucket-pending/";
// Thumbify's bucket worker saved every thumbnail as PNG, whatever the name said.
constexpr std::string_view kBucketThumbPipeline =
    "resize:w=100,h=100,fit=fill,kernel=nearest,enlarge=true;format:type=png";
constexpr std::chrono::seconds kUrlLifetime{3600};  // Thumbify's ExpiresIn

std::string PendingKey(const std::string& id) { return std::string(kPendingPrefix) + id; }

std::span<const uint8_t> Bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

HttpResponse JsonValue(unsigned status, const nlohmann::ordered_json& j) {
  return HttpResponse::Json(status, j.dump());
}

// botocore's text for a failed GetObject, which Thumbify's answer quoted.
std::string BotoGetError(const store::ObjectBucket& bucket, const std::string& object,
                         const Error& error) {
  switch (error.code) {
    case ErrorCode::kNotFound:
      return "An error occurred (NoSuchKey) when calling the GetObject operation: The specified "
             "key does not exist.";
    case ErrorCode::kUnavailable:
      return "Could not connect to the endpoint URL: \"" + bucket.Url(object) + "\"";
    default: return "An error occurred when calling the GetObject operation: " + error.message;
  }
}

}  // namespace

std::string BucketThumbName(std::string_view name) {
  const size_t first = name.find('.');
  if (first == std::string_view::npos) return {};
  std::string_view stem = name.substr(0, first);
  std::string_view rest = name.substr(first + 1);
  std::string_view ext = rest.substr(0, rest.find('.'));
  return std::string(stem) + "_thumb." + std::string(ext);
}

ThumbifyBucket::ThumbifyBucket(const http::NativeApi& api, std::shared_ptr<ThumbifyJobs> jobs,
                               const Clock& clock, store::ObjectBucket& bucket,
                               std::string url_bucket)
    : api_(api),
      jobs_(std::move(jobs)),
      clock_(clock),
      bucket_(bucket),
      url_bucket_(std::move(url_bucket)) {}

ThumbifyBucket::~ThumbifyBucket() { Stop(); }

HttpResponse ThumbifyBucket::Upload(const HttpRequest& request, const http::MultipartPart& file) {
  if (auto room = http::CheckQueueDepth(api_); !room) {
    auto busy = FastApiDetail(HttpStatusFor(room.error().code), room.error().message);
    busy.SetHeader("Retry-After", "5");
    return busy;
  }
  if (auto stored = bucket_.Put(file.filename, file.data); !stored) {
    Log(LogLevel::kWarn, "thumbify_bucket_put_failed",
        {{"object", file.filename}, {"error", stored.error().ToString()}});
    return JsonValue(500, {{"message", "fail to save file on bucket"}});
  }

  UploadRecord record{
      .filename = file.filename, .in_bucket = true, .bucket_thumb = BucketThumbName(file.filename)};
  std::string id;
  if (record.bucket_thumb.empty()) {
    id = NewId(clock_);
    record.error = "no '.' in the file name, so no thumbnail name (Thumbify's worker failed it)";
  } else {
    jobs::SubmitRequest submit;
    submit.image = file.data;
    submit.pipeline = std::string(kBucketThumbPipeline);
    submit.request_id = request.request_id;
    auto created = api_.jobs.Submit(submit);
    if (created) {
      id = created->job.id;
      if (auto marked = api_.blobs.Put(PendingKey(id), Bytes(record.bucket_thumb)); !marked) {
        return JsonValue(500, {{"message", "Fail sending job to queue."}});
      }
    } else if (RefusesImage(created.error().code)) {
      id = NewId(clock_);
      record.error = created.error().ToString();
    } else {
      return FastApiDetail(HttpStatusFor(created.error().code), created.error().message);
    }
  }
  if (auto added = jobs_->Add(id, record.filename, record); !added) {
    return JsonValue(500, {{"message", "Fail sending job to queue."}});
  }
  wake_.notify_one();
  return JsonValue(200, {{"message", "File uploaded successfully"}, {"job_id", id}});
}

HttpResponse ThumbifyBucket::Get(const std::string& filename) {
  auto got = bucket_.Get(filename, api_.options.max_upload_bytes);
  if (got) return HttpResponse::Bytes(200, "image/*", std::move(*got));
  // Thumbify returned its HTTPException instead of raising it, so FastAPI sent the exception
  // object itself as a 200 JSON body.
  nlohmann::ordered_json body = {
      {"status_code", 404},
      {"detail", "Error retriving the file. Fail connecting to bucket: " +
                     BotoGetError(bucket_, filename, got.error())},
      {"headers", nullptr}};
  return JsonValue(200, body);
}

HttpResponse ThumbifyBucket::Url(const std::string& filename) {
  return JsonValue(200, {{"thumb_temp_url", bucket_.PresignedGetUrl(url_bucket_, filename,
                                                                    kUrlLifetime, clock_.Now())}});
}

ThumbifyBucket::Outcome ThumbifyBucket::PublishOne(const std::string& id) {
  auto thumb = api_.blobs.Get(PendingKey(id), 4096);
  if (!thumb) {
    return thumb.error().code == ErrorCode::kNotFound ? Outcome::kPublished : Outcome::kWaiting;
  }
  auto status = api_.jobs.Get(id);
  if (!status) {
    if (status.error().code != ErrorCode::kNotFound) return Outcome::kWaiting;
    (void)api_.blobs.Delete(PendingKey(id));
    return Outcome::kDropped;
  }
  switch (status->job.state) {
    case queue::JobState::kSucceeded: break;
    case queue::JobState::kDead:
    case queue::JobState::kCancelled:
      (void)api_.blobs.Delete(PendingKey(id));
      return Outcome::kDropped;
    default: return Outcome::kWaiting;
  }
  auto bytes = api_.jobs.ResultBytes(id);
  if (!bytes) return Outcome::kWaiting;
  const std::string object(thumb->begin(), thumb->end());
  if (auto put = bucket_.Put(object, *bytes); !put) {
    Log(LogLevel::kWarn, "thumbify_bucket_publish_failed",
        {{"job_id", id}, {"object", object}, {"error", put.error().ToString()}});
    return Outcome::kWaiting;
  }
  if (auto done = api_.blobs.Delete(PendingKey(id)); !done) return Outcome::kWaiting;
  Log(LogLevel::kInfo, "thumbify_bucket_published", {{"job_id", id}, {"object", object}});
  return Outcome::kPublished;
}

bool ThumbifyBucket::Published(const std::string& id) {
  return PublishOne(id) == Outcome::kPublished;
}

size_t ThumbifyBucket::PublishPending() {
  auto pending = api_.blobs.List(kPendingPrefix, 1000);
  if (!pending) return 1;  // the store is unreachable: try again soon
  size_t waiting = 0;
  for (const std::string& key : *pending) {
    if (PublishOne(key.substr(kPendingPrefix.size())) == Outcome::kWaiting) ++waiting;
  }
  return waiting;
}

void ThumbifyBucket::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (thread_.joinable()) return;
  stop_ = false;
  thread_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stop_) {
      lock.unlock();
      const size_t waiting = PublishPending();
      lock.lock();
      wake_.wait_for(lock, waiting > 0 ? std::chrono::milliseconds(200) : std::chrono::seconds(1),
                     [this] { return stop_; });
    }
  });
}

void ThumbifyBucket::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void AddBucketRoutes(http::Router& router, const http::NativeApi& api,
                     std::shared_ptr<ThumbifyBucket> bucket) {
  using http::Method;
  auto summary = [](std::string text) {
    return nlohmann::json{{"summary", std::move(text)},
                          {"tags", nlohmann::json::array({"compat"})}};
  };
  router.Add({.method = Method::kPost,
              .pattern = "/upload/bucket",
              .handler =
                  [bucket](HttpRequest& r) {
                    const auto parts = MultipartParts(r);
                    const auto* file = FindPart(parts, "file");
                    if (file == nullptr) return PydanticV2Missing("body", "file");
                    return bucket->Upload(r, *file);
                  },
              .max_body_bytes = api.options.max_upload_bytes,
              .max_body_flag = "--max-upload-bytes",
              .openapi = summary("Thumbify: store the part `file` in the bucket; its thumbnail "
                                 "follows as <stem>_thumb.<ext>"),
              .error_response = ServerError});
  router.Add(
      {.method = Method::kGet,
       .pattern = "/thumb/bucket/{filename}",
       .handler = [bucket](HttpRequest& r) { return bucket->Get(r.path_params["filename"]); },
       .openapi = summary("Thumbify: an object of the bucket"),
       .error_response = ServerError});
  router.Add(
      {.method = Method::kGet,
       .pattern = "/thumb/bucket/url/{filename}",
       .handler = [bucket](HttpRequest& r) { return bucket->Url(r.path_params["filename"]); },
       .blocking = false,
       .openapi = summary("Thumbify: a presigned URL (one hour) of an object of the bucket"),
       .error_response = ServerError});
}

}  // namespace tessera::api::compat::thumbify
