// ThumbifyJobs: Thumbify's own book of its uploads, kept in the blob store so that every
// tessera process sharing the store sees it:
//   compat/thumbify/jobs/<job id>    {"filename","input_key","error"[,"bucket_thumb"]} per upload
//   compat/thumbify/names/<hex name> the job id of the latest upload of that base name
//   compat/thumbify/index/<n>        [[job id, filename], ...], upload order, kSegment per blob
// The job id is the tessera job's id, or for an upload the engine refused (Thumbify queued
// anything with an image extension; its worker then failed it) a fresh id with `error` set and
// the bytes kept under compat/thumbify/uploads/<job id>.
//
// A client's file name is only ever a lookup key (hex-encoded), never a path.
//
// Thread-safety: all methods may be called concurrently; the index is appended under a mutex,
// so two processes appending to the same store at once may lose an index line (the job and
// its name mapping are still written).
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/result.h"
#include "store/blob_store.h"

namespace tessera::api::compat::thumbify {

struct UploadRecord {
  std::string filename;   // as the client sent it
  std::string input_key;  // blob key of the uploaded bytes
  std::string error;      // non-empty: refused by the engine at upload, so "failed"
  // POST /upload/bucket: the upload is object `filename` of the bucket, not served by
  // /thumb/{filename}, and its thumbnail goes to object `bucket_thumb`.
  bool in_bucket = false;
  std::string bucket_thumb;
};

class ThumbifyJobs {
 public:
  explicit ThumbifyJobs(store::BlobStore& blobs) : blobs_(blobs) {}

  // Records an upload under `id`, points its base name at it (uploads to the bucket excepted)
  // and appends it to the index.
  Status Add(const std::string& id, const std::string& base_name, const UploadRecord& record);

  // kNotFound for an id Thumbify never issued.
  Result<UploadRecord> Find(const std::string& id);

  // The id of the latest upload named `base_name`; kNotFound if none.
  Result<std::string> LatestNamed(std::string_view base_name);

  // Every upload as (job id, file name), oldest first.
  Result<std::vector<std::pair<std::string, std::string>>> All();

  static constexpr size_t kSegment = 512;

 private:
  Result<size_t> LastSegment();  // REQUIRES: mu_ held

  store::BlobStore& blobs_;
  std::mutex mu_;
  std::optional<size_t> last_segment_;  // guarded by mu_
};

// "compat/thumbify/names/<hex of name>".
std::string NameKey(std::string_view base_name);

}  // namespace tessera::api::compat::thumbify
