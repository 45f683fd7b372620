#include "store/s3/s3_multipart.h"

#include <algorithm>
#include <vector>

#include "store/s3/s3_xml.h"

namespace tessera::store {
namespace {

void Abort(S3Client& client, const std::string& object, const std::string& upload_id) {
  S3Request abort{
      .method = "DELETE", .object = object, .query = CanonicalQuery({{"uploadId", upload_id}})};
  // Best effort: an upload left behind is invisible to readers and is removed by the bucket's
  // lifecycle rule for incomplete uploads, if it has one.
  (void)client.Send(abort);
}

}  // namespace

Status MultipartUpload(S3Client& client, const std::string& object, const S3Body& body,
                       const std::string& what) {
  S3Request start{.method = "POST", .object = object, .query = CanonicalQuery({{"uploads", ""}})};
  auto started = client.Send(start);
  if (!started) return started.error();
  if (started->status != 200) return client.ErrorFor(what, *started);
  const std::string upload_id = XmlText(started->Text(), "UploadId");
  if (upload_id.empty()) {
    return MakeError(ErrorCode::kInternal, "S3 gave no UploadId for " + what);
  }

  const uint64_t part_size = std::max<uint64_t>(client.options().part_size, 5ull << 20);
  const uint64_t total = body.size();
  std::vector<std::string> etags;
  for (uint64_t offset = 0; offset < total; offset += part_size) {
    const int number = static_cast<int>(etags.size()) + 1;
    S3Request part{
        .method = "PUT",
        .object = object,
        .query = CanonicalQuery({{"partNumber", std::to_string(number)}, {"uploadId", upload_id}}),
        .body = body.Slice(offset, std::min(part_size, total - offset))};
    auto sent = client.Send(part);
    if (!sent || sent->status != 200) {
      Error e =
          sent ? client.ErrorFor(what + " part " + std::to_string(number), *sent) : sent.error();
      Abort(client, object, upload_id);
      return e;
    }
    std::string etag = sent->Header("etag");
    if (etag.empty()) {
      Abort(client, object, upload_id);
      return MakeError(ErrorCode::kInternal,
                       "S3 gave no ETag for part " + std::to_string(number) + " of " + what);
    }
    etags.push_back(std::move(etag));
  }

  std::string xml = "<CompleteMultipartUpload>";
  for (size_t i = 0; i < etags.size(); ++i) {
    xml += "<Part><PartNumber>" + std::to_string(i + 1) + "</PartNumber><ETag>" +
           XmlEscape(etags[i]) + "</ETag></Part>";
  }
  xml += "</CompleteMultipartUpload>";
  S3Request complete{
      .method = "POST",
      .object = object,
      .query = CanonicalQuery({{"uploadId", upload_id}}),
      .body = S3Body{.bytes = {reinterpret_cast<const uint8_t*>(xml.data()), xml.size()}}};
  auto done = client.Send(complete);
  // S3 may answer 200 and still report an error in the body (the connection stays open while it
  // assembles the parts).
  if (!done || done->status != 200 || !XmlText(done->Text(), "Code").empty()) {
    Error e = !done ? done.error()
              : done->status != 200
                  ? client.ErrorFor(what, *done)
                  : MakeError(ErrorCode::kUnavailable, "S3 could not complete " + what + ": " +
                                                           XmlText(done->Text(), "Code"));
    Abort(client, object, upload_id);
    return e;
  }
  return OkStatus();
}

}  // namespace tessera::store
