// Reads an uploaded image and its processing options from a request, in the shapes the native
// API accepts:
//   - raw body: the image bytes; options from the query (?pipeline=...&priority=...)
//   - multipart/form-data: the image in a part named `image` or `file`; the pipeline in the
//     query, a form field `pipeline` (text or JSON), or a JSON part holding
//     {"pipeline": ..., "priority": ..., "tiles": ...}.
// The image's type is decided later by its magic bytes, never by a header or a file name.
#pragma once

#include <optional>
#include <span>
#include <string>

#include "api/http/http_types.h"
#include "core/result.h"

namespace tessera::api::http {

struct Upload {
  std::span<const uint8_t> image;  // a view into the request body
  std::string pipeline;            // text or JSON spelling; empty when none was given
  std::string priority;            // empty when none was given
  std::string tiles;               // auto | on | off; empty when none was given
  std::string filename;            // as sent in multipart; never used as a path
  std::string input;               // an input by reference (jobs only); empty when none
  std::string output;              // where the result goes (jobs only); empty: results/<id>
};

// kBadRequest: malformed multipart (field "body"), no image part (field "image"), an empty
// image, or a JSON part that is not an object.
Result<Upload> ReadUpload(const HttpRequest& request);

// ReadUpload, and kBadPipeline (field "pipeline") when no pipeline came with the image.
Result<Upload> ReadUploadWithPipeline(const HttpRequest& request);

// A job submission: an upload as ReadUploadWithPipeline reads it, or an input by reference with
// no image: `input` (and optionally `output`) in the query with an empty body, or a JSON body
// (Content-Type application/json) {"input", "output", "pipeline", "priority", "tiles"}. An
// `output` in the query also applies to an upload. The references are checked by the job
// service, not here.
Result<Upload> ReadJobSubmission(const HttpRequest& request);

}  // namespace tessera::api::http
