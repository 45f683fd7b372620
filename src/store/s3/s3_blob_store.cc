#include "store/s3/s3_blob_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/atomic_file_writer.h"
#include "store/s3/s3_multipart.h"
#include "store/s3/s3_xml.h"

namespace tessera::store {

S3BlobStore::S3BlobStore(S3Options options) : client_(std::move(options)) {}

Result<std::string> S3BlobStore::ObjectFor(std::string_view key) const {
  if (Status valid = ValidateBlobKey(key); !valid) return valid.error();
  const std::string& prefix = client_.options().prefix;
  return prefix.empty() ? std::string(key) : prefix + "/" + std::string(key);
}

Status S3BlobStore::Upload(const std::string& object, const S3Body& body, std::string_view key) {
  const std::string what = "put " + std::string(key);
  if (body.size() >= client_.options().multipart_threshold) {
    return MultipartUpload(client_, object, body, what);
  }
  auto sent = client_.Send(S3Request{.method = "PUT", .object = object, .body = body});
  if (!sent) return sent.error();
  if (sent->status != 200) return client_.ErrorFor(what, *sent);
  return OkStatus();
}

Status S3BlobStore::Put(std::string_view key, std::span<const uint8_t> bytes) {
  auto object = ObjectFor(key);
  if (!object) return object.error();
  return Upload(*object, S3Body{.bytes = bytes}, key);
}

Status S3BlobStore::PutFile(std::string_view key, const std::filesystem::path& path) {
  auto object = ObjectFor(key);
  if (!object) return object.error();
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return MakeError(errno == ENOENT ? ErrorCode::kNotFound : ErrorCode::kIo,
                     "cannot open " + path.string() + ": " + std::strerror(errno));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return MakeError(ErrorCode::kIo, "cannot read " + path.string() + ": not a regular file");
  }
  Status uploaded =
      Upload(*object, S3Body{.fd = fd, .length = static_cast<uint64_t>(st.st_size)}, key);
  ::close(fd);
  return uploaded;
}

Result<std::vector<uint8_t>> S3BlobStore::Get(std::string_view key, uint64_t max_bytes) {
  auto object = ObjectFor(key);
  if (!object) return object.error();
  auto got =
      client_.Send(S3Request{.method = "GET", .object = *object, .max_body_bytes = max_bytes});
  if (!got) return got.error();
  if (got->status != 200) return client_.ErrorFor("get " + std::string(key), *got);
  return std::move(got->body);
}

Result<std::vector<uint8_t>> S3BlobStore::GetRange(std::string_view key, uint64_t offset,
                                                   uint64_t length) {
  auto object = ObjectFor(key);
  if (!object) return object.error();
  if (length == 0) {
    // No byte range is empty in HTTP; the object must still exist.
    auto info = Stat(key);
    if (!info) return info.error();
    return std::vector<uint8_t>();
  }
  const uint64_t last = length > UINT64_MAX - offset ? UINT64_MAX - 1 : offset + length - 1;
  auto got = client_.Send(
      S3Request{.method = "GET",
                .object = *object,
                .headers = {"Range: bytes=" + std::to_string(offset) + "-" + std::to_string(last)},
                .max_body_bytes = length});
  if (!got) return got.error();
  if (got->status == 206) return std::move(got->body);
  if (got->status == 416) return std::vector<uint8_t>();  // offset at or past the end
  if (got->status == 200) {
    // A server that ignores Range sends the whole object. It got here only if the whole object
    // fitted in `length` bytes (max_body_bytes); a larger one ended the transfer as kTooLarge.
    std::vector<uint8_t>& all = got->body;
    if (offset >= all.size()) return std::vector<uint8_t>();
    return std::vector<uint8_t>(all.begin() + static_cast<ptrdiff_t>(offset), all.end());
  }
  return client_.ErrorFor("get range of " + std::string(key), *got);
}

Status S3BlobStore::GetToFile(std::string_view key, const std::filesystem::path& path,
                              uint64_t max_bytes) {
  auto object = ObjectFor(key);
  if (!object) return object.error();
  AtomicFileWriter writer;
  if (Status s = writer.Open(path); !s) return s;
  auto got = client_.Send(S3Request{
      .method = "GET", .object = *object, .sink_file = &writer, .max_body_bytes = max_bytes});
  if (!got) return got.error();
  if (got->status != 200) return client_.ErrorFor("get " + std::string(key), *got);
  const std::string length = got->Header("content-length");
  if (!length.empty() && std::to_string(writer.size()) != length) {
    return MakeError(ErrorCode::kUnavailable, "S3 sent " + std::to_string(writer.size()) + " of " +
                                                  length + " bytes of " + std::string(key));
  }
  return writer.Commit();
}

Result<bool> S3BlobStore::Exists(std::string_view key) {
  auto info = Stat(key);
  if (info) return true;
  if (info.error().code == ErrorCode::kNotFound) return false;
  return info.error();
}

Result<BlobInfo> S3BlobStore::Stat(std::string_view key) {
  auto object = ObjectFor(key);
  if (!object) return object.error();
  auto got = client_.Send(S3Request{.method = "HEAD", .object = *object});
  if (!got) return got.error();
  if (got->status != 200) return client_.ErrorFor("stat " + std::string(key), *got);
  BlobInfo info;
  info.size = std::strtoull(got->Header("content-length").c_str(), nullptr, 10);
  const time_t modified = curl_getdate(got->Header("last-modified").c_str(), nullptr);
  if (modified > 0) info.modified = SystemTime(std::chrono::seconds(modified));
  return info;
}

Result<std::vector<std::string>> S3BlobStore::List(std::string_view prefix, size_t limit) {
  if (Status valid = ValidateBlobPrefix(prefix); !valid) return valid.error();
  const std::string& root = client_.options().prefix;
  const std::string object_prefix =
      root.empty() ? std::string(prefix) : root + "/" + std::string(prefix);
  std::vector<std::string> keys;
  std::string token;
  while (keys.size() < limit) {
    std::vector<std::pair<std::string, std::string>> params = {
        {"list-type", "2"},
        {"max-keys", std::to_string(std::min<size_t>(1000, limit - keys.size()))},
        {"prefix", object_prefix}};
    if (!token.empty()) params.emplace_back("continuation-token", token);
    auto got = client_.Send(S3Request{.method = "GET", .query = CanonicalQuery(params)});
    if (!got) return got.error();
    if (got->status != 200) return client_.ErrorFor("list " + std::string(prefix), *got);
    for (std::string& name : XmlTexts(got->Text(), "Key")) {
      std::string key = root.empty() ? std::move(name) : name.substr(root.size() + 1);
      // Objects written by other tools may not be valid keys; they are not tessera's.
      if (ValidateBlobKey(key) && keys.size() < limit) keys.push_back(std::move(key));
    }
    token = XmlText(got->Text(), "NextContinuationToken");
    if (XmlText(got->Text(), "IsTruncated") != "true" || token.empty()) break;
  }
  return keys;
}

Status S3BlobStore::Delete(std::string_view key) {
  auto object = ObjectFor(key);
  if (!object) return object.error();
  auto got = client_.Send(S3Request{.method = "DELETE", .object = *object});
  if (!got) return got.error();
  if (got->status == 204 || got->status == 200 || got->status == 404) {
    if (got->status == 404 && XmlText(got->Text(), "Code") == "NoSuchBucket") {
      return client_.ErrorFor("delete " + std::string(key), *got);
    }
    return OkStatus();
  }
  return client_.ErrorFor("delete " + std::string(key), *got);
}

Status S3BlobStore::Ping() {
  // A listing under the store's prefix (what a prefix-scoped policy allows) of a name no key can
  // have (keys never start with '.'): it checks the endpoint, credentials and bucket, and its
  // answer is empty, so it never asks a server to continue a truncated listing (s3rver fails
  // those with a 500 under Node 20).
  const std::string& root = client_.options().prefix;
  const std::string probe = (root.empty() ? "" : root + "/") + ".tessera-ping";
  auto got = client_.Send(S3Request{
      .method = "GET",
      .query = CanonicalQuery({{"list-type", "2"}, {"max-keys", "1"}, {"prefix", probe}})});
  if (!got) return got.error();
  if (got->status != 200) return client_.ErrorFor("list", *got);
  return OkStatus();
}

}  // namespace tessera::store
