#include "store/s3/s3_client.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <random>
#include <thread>

#include "store/s3/s3_xml.h"

namespace tessera::store {
namespace {

using Steady = std::chrono::steady_clock;

// SHA-256 of the empty string: the payload hash of a request without a body.
constexpr char kEmptySha256[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

// State of one attempt, shared with libcurl's callbacks.
struct Transfer {
  const S3Request* request = nullptr;
  S3Response* response = nullptr;
  uint64_t read_pos = 0;
  uint64_t received = 0;
  bool too_large = false;
  Status sink_status;
  Status source_status;
  Steady::time_point start;
  std::chrono::milliseconds base_timeout{0};
  uint64_t min_rate = 1;
  bool timed_out = false;
};

size_t ReadBody(char* out, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const S3Body& body = t->request->body;
  const uint64_t left = body.size() - std::min(t->read_pos, body.size());
  const size_t want = static_cast<size_t>(std::min<uint64_t>(size * n, left));
  if (want == 0) return 0;
  if (body.fd < 0) {
    std::memcpy(out, body.bytes.data() + t->read_pos, want);
    t->read_pos += want;
    return want;
  }
  for (;;) {
    ssize_t got = ::pread(body.fd, out, want, static_cast<off_t>(body.offset + t->read_pos));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      t->source_status =
          MakeError(ErrorCode::kIo, std::string("cannot read the upload's file: ") +
                                        (got == 0 ? "it shrank" : std::strerror(errno)));
      return CURL_READFUNC_ABORT;
    }
    t->read_pos += static_cast<uint64_t>(got);
    return static_cast<size_t>(got);
  }
}

int SeekBody(void* user, curl_off_t offset, int origin) {
  auto* t = static_cast<Transfer*>(user);
  if (origin != SEEK_SET || offset < 0) return CURL_SEEKFUNC_CANTSEEK;
  t->read_pos = static_cast<uint64_t>(offset);
  return CURL_SEEKFUNC_OK;
}

size_t WriteBody(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t len = size * n;
  const bool success = t->response->status >= 200 && t->response->status < 300;
  if (!success) {
    // Error bodies (a few hundred bytes of XML) are kept in memory whatever the sink.
    if (t->response->body.size() < (64u << 10)) {
      t->response->body.insert(t->response->body.end(), data, data + len);
    }
    return len;
  }
  if (t->received + len > t->request->max_body_bytes) {
    t->too_large = true;
    return 0;  // aborts the transfer (CURLE_WRITE_ERROR)
  }
  t->received += len;
  if (t->request->sink_file == nullptr && t->response->body.capacity() == 0) {
    // One allocation for the whole body when its length is announced (and within the limit).
    const uint64_t announced =
        std::strtoull(t->response->Header("content-length").c_str(), nullptr, 10);
    if (announced <= t->request->max_body_bytes) {
      t->response->body.reserve(static_cast<size_t>(announced));
    }
  }
  if (t->request->sink_file != nullptr) {
    t->sink_status = t->request->sink_file->Write({reinterpret_cast<const uint8_t*>(data), len});
    if (!t->sink_status) return 0;
  } else {
    t->response->body.insert(t->response->body.end(), data, data + len);
  }
  return len;
}

size_t ReadHeader(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t len = size * n;
  std::string_view line(data, len);
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.remove_suffix(1);
  if (line.rfind("HTTP/", 0) == 0) {
    // A new status line (after "100 Continue", say): headers start again.
    t->response->headers.clear();
    size_t sp = line.find(' ');
    if (sp != std::string_view::npos) {
      t->response->status = std::strtol(std::string(line.substr(sp + 1, 3)).c_str(), nullptr, 10);
    }
    return len;
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return len;
  std::string name(line.substr(0, colon));
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  t->response->headers[name] = std::string(value);
  return len;
}

// Ends an attempt that runs past its time: the base timeout plus one second per min_rate bytes
// of the larger of the request and response bodies (once their sizes are known). libcurl calls
// this at least once a second, even on a silent connection.
int Progress(void* user, curl_off_t dltotal, curl_off_t, curl_off_t ultotal, curl_off_t) {
  auto* t = static_cast<Transfer*>(user);
  const auto bytes = static_cast<uint64_t>(std::max<curl_off_t>({dltotal, ultotal, 0}));
  const auto allowance = t->base_timeout + std::chrono::milliseconds(bytes * 1000 / t->min_rate);
  if (Steady::now() - t->start > allowance) {
    t->timed_out = true;
    return 1;
  }
  return 0;
}

bool RetryableCurlCode(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_ABORTED_BY_CALLBACK: return true;
    default: return false;
  }
}

bool RetryableStatus(const S3Response& r) {
  if (r.status == 429 || r.status >= 500) return true;
  // "Your socket connection to the server was not read from or written to within the timeout
  // period": S3 closes slow uploads with a 400 that is worth repeating.
  return r.status == 400 && XmlText(r.Text(), "Code") == "RequestTimeout";
}

std::chrono::milliseconds Backoff(const S3Options& o, int attempt) {
  static thread_local std::mt19937_64 rng(std::random_device{}());
  const double ceiling =
      std::min(static_cast<double>(o.backoff_cap.count()),
               static_cast<double>(o.backoff_base.count()) * std::pow(2.0, attempt - 1));
  std::uniform_real_distribution<double> full_jitter(0.0, ceiling);
  return std::chrono::milliseconds(static_cast<int64_t>(full_jitter(rng)));
}

}  // namespace

S3Body S3Body::Slice(uint64_t from, uint64_t n) const {
  S3Body s = *this;
  if (fd >= 0) {
    s.offset = offset + from;
    s.length = n;
  } else {
    s.bytes = bytes.subspan(static_cast<size_t>(from), static_cast<size_t>(n));
  }
  return s;
}

std::string S3Response::Header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? std::string() : it->second;
}

std::string UriEncode(std::string_view s, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '_' || c == '.' || c == '~';
    if (unreserved || (keep_slash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string CanonicalQuery(std::vector<std::pair<std::string, std::string>> params) {
  for (auto& [name, value] : params) {
    name = UriEncode(name, false);
    value = UriEncode(value, false);
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [name, value] : params) {
    if (!out.empty()) out.push_back('&');
    out += name + "=" + value;
  }
  return out;
}

S3Client::S3Client(S3Options options)
    : options_(std::move(options)), pool_(options_.max_idle_connections) {}

std::string S3Client::Where() const {
  return "bucket '" + options_.bucket + "' at " + options_.endpoint;
}

std::string ObjectUrl(const S3Options& options, std::string_view object) {
  const std::string& ep = options.endpoint;
  const size_t host_start = ep.find("//") + 2;
  std::string url;
  if (options.path_style) {
    url = ep + "/" + options.bucket;
  } else {
    url = ep.substr(0, host_start) + options.bucket + "." + ep.substr(host_start);
  }
  return url + "/" + UriEncode(object, true);
}

std::string S3Client::UrlFor(const S3Request& request) const {
  std::string url = ObjectUrl(options_, request.object);
  if (!request.query.empty()) url += "?" + request.query;
  return url;
}

Result<S3Response> S3Client::Send(const S3Request& request) {
  const std::string url = UrlFor(request);
  const std::string sigv4 = "aws:amz:" + options_.region + ":s3";
  Error last = MakeError(ErrorCode::kUnavailable, "no attempt made");
  for (int attempt = 1; attempt <= options_.max_attempts; ++attempt) {
    if (attempt > 1) std::this_thread::sleep_for(Backoff(options_, attempt - 1));
    if (request.sink_file != nullptr) {
      if (Status s = request.sink_file->Truncate(); !s) return s.error();
    }
    CurlPool::Lease lease = pool_.Acquire();
    CURL* h = lease.get();
    if (h == nullptr) return MakeError(ErrorCode::kInternal, "libcurl could not allocate a handle");

    S3Response response;
    Transfer t;
    t.request = &request;
    t.response = &response;
    t.start = Steady::now();
    t.base_timeout = options_.request_timeout;
    t.min_rate = std::max<uint64_t>(1, options_.min_transfer_rate);

    curl_slist* headers = nullptr;
    headers =
        curl_slist_append(headers, (std::string("x-amz-content-sha256: ") +
                                    (request.body.empty() ? kEmptySha256 : "UNSIGNED-PAYLOAD"))
                                       .c_str());
    if (!options_.credentials.session_token.empty()) {
      headers = curl_slist_append(
          headers, ("x-amz-security-token: " + options_.credentials.session_token).c_str());
    }
    // Uploads wait for "100 Continue" (libcurl's default), so a refusal (403) costs no upload.
    // Suppressing it with an empty "Expect:" header is not an option: libcurl 7.88 would list
    // that unsent header among the signed ones, and S3 would refuse the signature.
    if (request.method == "POST") {
      headers = curl_slist_append(headers, "Content-Type: application/xml");
    }
    for (const auto& hdr : request.headers) headers = curl_slist_append(headers, hdr.c_str());

    curl_easy_setopt(h, CURLOPT_URL, url.c_str());
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(options_.connect_timeout.count()));
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, ReadHeader);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &t);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, WriteBody);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &t);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, Progress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, &t);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "tessera");
    if (!options_.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, options_.ca_file.c_str());
    if (!options_.credentials.access_key.empty()) {
      curl_easy_setopt(h, CURLOPT_AWS_SIGV4, sigv4.c_str());
      curl_easy_setopt(h, CURLOPT_USERNAME, options_.credentials.access_key.c_str());
      curl_easy_setopt(h, CURLOPT_PASSWORD, options_.credentials.secret_key.c_str());
    }
    const auto body_size = static_cast<curl_off_t>(request.body.size());
    if (request.method == "HEAD") {
      curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else if (request.method == "PUT") {
      curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
      curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, body_size);
    } else if (request.method == "POST") {
      curl_easy_setopt(h, CURLOPT_POST, 1L);
      curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, body_size);
    } else if (request.method != "GET") {
      curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    }
    if (request.method == "PUT" || request.method == "POST") {
      curl_easy_setopt(h, CURLOPT_READFUNCTION, ReadBody);
      curl_easy_setopt(h, CURLOPT_READDATA, &t);
      curl_easy_setopt(h, CURLOPT_SEEKFUNCTION, SeekBody);
      curl_easy_setopt(h, CURLOPT_SEEKDATA, &t);
    }

    attempts_.fetch_add(1);
    CURLcode code = curl_easy_perform(h);
    curl_slist_free_all(headers);

    if (t.too_large) {
      return MakeError(ErrorCode::kTooLarge,
                       request.object + " is larger than the limit of " +
                           std::to_string(request.max_body_bytes) + " bytes",
                       "key");
    }
    if (!t.sink_status) return t.sink_status.error();
    if (!t.source_status) return t.source_status.error();
    if (code == CURLE_OK) {
      if (!RetryableStatus(response)) return response;
      std::string s3_code = XmlText(response.Text(), "Code");
      last = MakeError(ErrorCode::kUnavailable,
                       "S3 " + Where() + " answered " + std::to_string(response.status) +
                           (s3_code.empty() ? "" : " " + s3_code) + " to " + request.method +
                           " after " + std::to_string(attempt) + " attempt(s)");
      continue;
    }
    if (code == CURLE_PEER_FAILED_VERIFICATION || code == CURLE_SSL_CACERT_BADFILE ||
        code == CURLE_SSL_CERTPROBLEM) {
      return MakeError(ErrorCode::kInternal,
                       "S3 endpoint " + options_.endpoint + " failed the TLS certificate check: " +
                           curl_easy_strerror(code) + " (ca_file= names a private CA)");
    }
    std::string why =
        t.timed_out ? "timed out after " +
                          std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                             Steady::now() - t.start)
                                             .count()) +
                          " ms"
                    : curl_easy_strerror(code);
    last = MakeError(ErrorCode::kUnavailable, "S3 " + Where() + " unreachable for " +
                                                  request.method + ": " + why + " (attempt " +
                                                  std::to_string(attempt) + ")");
    if (!RetryableCurlCode(code)) return last;
  }
  return last;
}

Error S3Client::ErrorFor(std::string_view what, const S3Response& r) const {
  const std::string code = XmlText(r.Text(), "Code");
  const std::string message = XmlText(r.Text(), "Message");
  const std::string said = std::to_string(r.status) + (code.empty() ? "" : " " + code) +
                           (message.empty() ? "" : ": " + message);
  if (r.status == 404 && code != "NoSuchBucket" && code != "NoSuchUpload") {
    return MakeError(ErrorCode::kNotFound, "no object for " + std::string(what), "key");
  }
  if (r.status == 404) {
    return MakeError(ErrorCode::kInternal,
                     "S3 " + Where() + " has no such bucket (" + said + "); check the store URL");
  }
  if (r.status == 403 || code == "AccessDenied" || code == "InvalidAccessKeyId" ||
      code == "SignatureDoesNotMatch") {
    return MakeError(ErrorCode::kInternal,
                     "S3 denied " + std::string(what) + " on " + Where() + " (" + said +
                         "); check the store's credentials and the bucket's policy");
  }
  if (r.status == 301 || r.status == 307 || code == "AuthorizationHeaderMalformed") {
    return MakeError(ErrorCode::kInternal, "S3 " + Where() + " is not in region " +
                                               options_.region + " (" + said +
                                               "); set region= in the store URL");
  }
  if (r.status >= 500 || r.status == 429) {
    return MakeError(ErrorCode::kUnavailable,
                     "S3 " + Where() + " failed " + std::string(what) + " (" + said + ")");
  }
  return MakeError(ErrorCode::kInternal,
                   "S3 " + Where() + " refused " + std::string(what) + " (" + said + ")");
}

}  // namespace tessera::store
