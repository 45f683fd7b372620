#include "api/compat/thumbify/thumbify_jobs.h"

#include <nlohmann/json.hpp>

namespace tessera::api::compat::thumbify {
namespace {

constexpr uint64_t kMaxRecordBytes = 64 << 10;
constexpr uint64_t kMaxSegmentBytes = 8 << 20;

std::string JobKey(const std::string& id) { return "compat/thumbify/jobs/" + id; }
std::string SegmentKey(size_t n) { return "compat/thumbify/index/" + std::to_string(n); }

std::span<const uint8_t> Bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

Result<nlohmann::json> ReadJson(store::BlobStore& blobs, const std::string& key, uint64_t max) {
  auto bytes = blobs.Get(key, max);
  if (!bytes) return Unexpected(bytes.error());
  auto j = nlohmann::json::parse(bytes->begin(), bytes->end(), nullptr, false);
  if (j.is_discarded()) {
    return Unexpected(MakeError(ErrorCode::kInternal, "unreadable Thumbify record " + key));
  }
  return j;
}

}  // namespace

std::string NameKey(std::string_view base_name) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string key = "compat/thumbify/names/";
  for (unsigned char c : base_name) {
    key += kHex[c >> 4];
    key += kHex[c & 15];
  }
  return key;
}

Result<size_t> ThumbifyJobs::LastSegment() {
  if (last_segment_) return *last_segment_;
  size_t n = 0;
  for (;;) {
    auto exists = blobs_.Exists(SegmentKey(n + 1));
    if (!exists) return Unexpected(exists.error());
    if (!*exists) break;
    ++n;
  }
  last_segment_ = n;
  return n;
}

Status ThumbifyJobs::Add(const std::string& id, const std::string& base_name,
                         const UploadRecord& record) {
  nlohmann::json j = {
      {"filename", record.filename}, {"input_key", record.input_key}, {"error", record.error}};
  if (record.in_bucket) j["bucket_thumb"] = record.bucket_thumb;
  if (auto put = blobs_.Put(JobKey(id), Bytes(j.dump())); !put) return put;
  if (!record.in_bucket) {
    if (auto put = blobs_.Put(NameKey(base_name), Bytes(id)); !put) return put;
  }

  std::lock_guard<std::mutex> lock(mu_);
  auto last = LastSegment();
  if (!last) return Unexpected(last.error());
  nlohmann::json segment = nlohmann::json::array();
  if (auto existing = ReadJson(blobs_, SegmentKey(*last), kMaxSegmentBytes); existing) {
    segment = std::move(*existing);
  } else if (existing.error().code != ErrorCode::kNotFound) {
    return Unexpected(existing.error());
  }
  size_t n = *last;
  if (segment.size() >= kSegment) {
    ++n;
    segment = nlohmann::json::array();
  }
  segment.push_back({id, record.filename});
  if (auto put = blobs_.Put(SegmentKey(n), Bytes(segment.dump())); !put) return put;
  last_segment_ = n;
  return OkStatus();
}

Result<UploadRecord> ThumbifyJobs::Find(const std::string& id) {
  auto j = ReadJson(blobs_, JobKey(id), kMaxRecordBytes);
  if (!j) return Unexpected(j.error());
  return UploadRecord{.filename = j->value("filename", ""),
                      .input_key = j->value("input_key", ""),
                      .error = j->value("error", ""),
                      .in_bucket = j->contains("bucket_thumb"),
                      .bucket_thumb = j->value("bucket_thumb", "")};
}

Result<std::string> ThumbifyJobs::LatestNamed(std::string_view base_name) {
  auto id = blobs_.Get(NameKey(base_name), 64);
  if (!id) return Unexpected(id.error());
  return std::string(id->begin(), id->end());
}

Result<std::vector<std::pair<std::string, std::string>>> ThumbifyJobs::All() {
  std::vector<std::pair<std::string, std::string>> out;
  for (size_t n = 0;; ++n) {
    auto segment = ReadJson(blobs_, SegmentKey(n), kMaxSegmentBytes);
    if (!segment) {
      if (segment.error().code == ErrorCode::kNotFound) break;
      return Unexpected(segment.error());
    }
    for (const auto& entry : *segment) {
      if (entry.is_array() && entry.size() == 2 && entry[0].is_string() && entry[1].is_string()) {
        out.emplace_back(entry[0].get<std::string>(), entry[1].get<std::string>());
      }
    }
  }
  return out;
}

}  // namespace tessera::api::compat::thumbify
