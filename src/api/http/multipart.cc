#include "api/http/multipart.h"

#include <algorithm>
#include <cctype>

namespace tessera::api::http {
namespace {

Error Malformed(std::string what) {
  return MakeError(ErrorCode::kBadRequest, "malformed multipart body: " + std::move(what), "body");
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The value of `param` in a header value like `form-data; name="image"; filename="a.jpg"`.
std::string HeaderParam(std::string_view value, std::string_view param) {
  size_t pos = 0;
  while (pos < value.size()) {
    size_t semi = value.find(';', pos);
    std::string_view item = Trim(
        value.substr(pos, semi == std::string_view::npos ? std::string_view::npos : semi - pos));
    size_t eq = item.find('=');
    if (eq != std::string_view::npos && Lower(Trim(item.substr(0, eq))) == param) {
      std::string_view v = Trim(item.substr(eq + 1));
      if (v.size() >= 2 && v.front() == '"' && v.back() == '"') {
        std::string out;
        for (size_t i = 1; i + 1 < v.size(); ++i) {
          if (v[i] == '\\' && i + 2 < v.size()) ++i;
          out.push_back(v[i]);
        }
        return out;
      }
      return std::string(v);
    }
    if (semi == std::string_view::npos) break;
    pos = semi + 1;
  }
  return {};
}

}  // namespace

bool IsMultipart(std::string_view content_type) {
  return Lower(content_type.substr(0, 19)) == "multipart/form-data";
}

Result<std::string> MultipartBoundary(std::string_view content_type) {
  if (!IsMultipart(content_type)) {
    return Unexpected(MakeError(ErrorCode::kBadRequest, "not multipart/form-data", "Content-Type"));
  }
  std::string boundary = HeaderParam(content_type, "boundary");
  if (boundary.empty() || boundary.size() > 200) {
    return Unexpected(MakeError(ErrorCode::kBadRequest,
                                "multipart/form-data needs a boundary of 1 to 200 characters",
                                "Content-Type"));
  }
  return boundary;
}

Result<std::vector<MultipartPart>> ParseMultipart(std::span<const uint8_t> body,
                                                  std::string_view boundary) {
  std::string_view text(reinterpret_cast<const char*>(body.data()), body.size());
  const std::string delimiter = "--" + std::string(boundary);
  const std::string next_delimiter = "\r\n" + delimiter;

  size_t pos = text.find(delimiter);
  if (pos == std::string_view::npos) return Unexpected(Malformed("no boundary line"));
  pos += delimiter.size();
  std::vector<MultipartPart> parts;
  for (;;) {
    if (text.substr(pos, 2) == "--") return parts;  // closing delimiter
    // Transport padding may follow a delimiter before its CRLF.
    while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\t')) ++pos;
    if (text.substr(pos, 2) != "\r\n") return Unexpected(Malformed("boundary line not ended"));
    pos += 2;

    MultipartPart part;
    bool has_disposition = false;
    for (;;) {
      size_t eol = text.find("\r\n", pos);
      if (eol == std::string_view::npos) return Unexpected(Malformed("part headers not ended"));
      std::string_view line = text.substr(pos, eol - pos);
      pos = eol + 2;
      if (line.empty()) break;
      size_t colon = line.find(':');
      if (colon == std::string_view::npos) return Unexpected(Malformed("bad part header line"));
      std::string name = Lower(Trim(line.substr(0, colon)));
      std::string_view value = Trim(line.substr(colon + 1));
      if (name == "content-disposition") {
        if (Lower(value.substr(0, 9)) != "form-data") {
          return Unexpected(Malformed("part disposition is not form-data"));
        }
        has_disposition = true;
        part.name = HeaderParam(value, "name");
        part.filename = HeaderParam(value, "filename");
      } else if (name == "content-type") {
        part.content_type = std::string(value);
      }
    }
    if (!has_disposition) return Unexpected(Malformed("part without Content-Disposition"));
    size_t end = text.find(next_delimiter, pos);
    if (end == std::string_view::npos) return Unexpected(Malformed("part not closed by boundary"));
    part.data = body.subspan(pos, end - pos);
    parts.push_back(std::move(part));
    pos = end + next_delimiter.size();
  }
}

}  // namespace tessera::api::http
