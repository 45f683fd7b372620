#include "store/s3/s3_options.h"

#include <charconv>
#include <map>

#include "store/blob_store.h"

namespace tessera::store {
namespace {

Error Bad(const std::string& message) {
  return MakeError(ErrorCode::kBadRequest, message, "store");
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Result<std::string> PercentDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      if (i + 2 >= s.size() || HexValue(s[i + 1]) < 0 || HexValue(s[i + 2]) < 0) {
        return Bad("bad percent-escape in s3:// URL");
      }
      out.push_back(static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// S3 bucket naming rules: 3-63 characters of a-z 0-9 . -, starting and ending with a letter or
// digit.
bool ValidBucket(std::string_view b) {
  if (b.size() < 3 || b.size() > 63) return false;
  for (char c : b) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-')) return false;
  }
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  return alnum(b.front()) && alnum(b.back());
}

Result<uint64_t> Number(const std::string& name, const std::string& value, uint64_t min,
                        uint64_t max) {
  uint64_t n = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (ec != std::errc() || end != value.data() + value.size() || n < min || n > max) {
    return Bad("s3:// URL parameter " + name + "=" + value + " is not a number in " +
               std::to_string(min) + ".." + std::to_string(max));
  }
  return n;
}

std::string FirstSet(const EnvLookup& env, std::initializer_list<const char*> names) {
  for (const char* name : names) {
    const char* v = env ? env(name) : nullptr;
    if (v != nullptr && *v != '\0') return v;
  }
  return {};
}

}  // namespace

Result<S3Options> ParseS3Url(std::string_view url, const S3Credentials& explicit_credentials,
                             const EnvLookup& env) {
  constexpr std::string_view kScheme = "s3://";
  if (url.substr(0, kScheme.size()) != kScheme) return Bad("an S3 store URL starts with s3://");
  std::string_view rest = url.substr(kScheme.size());
  std::string_view query;
  if (size_t q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  S3Options o;
  size_t slash = rest.find('/');
  o.bucket = std::string(rest.substr(0, slash));
  if (!ValidBucket(o.bucket)) {
    return Bad("s3:// URL bucket '" + o.bucket +
               "' is not a valid bucket name (3-63 of a-z 0-9 . -)");
  }
  if (slash != std::string_view::npos) {
    std::string_view prefix = rest.substr(slash + 1);
    while (!prefix.empty() && prefix.back() == '/') prefix.remove_suffix(1);
    o.prefix = std::string(prefix);
    if (!o.prefix.empty()) {
      if (Status valid = ValidateBlobKey(o.prefix); !valid) {
        return Bad("s3:// URL prefix: " + valid.error().message);
      }
    }
  }

  std::map<std::string, std::string> params;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    auto name = PercentDecode(pair.substr(0, eq));
    auto value = PercentDecode(eq == std::string_view::npos ? "" : pair.substr(eq + 1));
    if (!name) return name.error();
    if (!value) return value.error();
    params[*name] = *value;
  }
  S3Credentials url_credentials;
  bool path_style_given = false;
  for (const auto& [name, value] : params) {
    if (name == "endpoint") {
      o.endpoint = value;
      while (!o.endpoint.empty() && o.endpoint.back() == '/') o.endpoint.pop_back();
      if (o.endpoint.rfind("http://", 0) != 0 && o.endpoint.rfind("https://", 0) != 0) {
        return Bad("s3:// URL endpoint '" + value + "' must start with http:// or https://");
      }
      if (o.endpoint.find('/', o.endpoint.find("//") + 2) != std::string::npos ||
          o.endpoint.find_first_of("?#@") != std::string::npos) {
        return Bad("s3:// URL endpoint '" + value + "' must be scheme://host[:port] only");
      }
    } else if (name == "region") {
      o.region = value;
    } else if (name == "path_style") {
      if (value != "0" && value != "1" && value != "true" && value != "false") {
        return Bad("s3:// URL parameter path_style must be 0 or 1");
      }
      o.path_style = value == "1" || value == "true";
      path_style_given = true;
    } else if (name == "ca_file") {
      o.ca_file = value;
    } else if (name == "access_key") {
      url_credentials.access_key = value;
    } else if (name == "secret_key") {
      url_credentials.secret_key = value;
    } else if (name == "session_token") {
      url_credentials.session_token = value;
    } else if (name == "connect_timeout_ms") {
      auto n = Number(name, value, 1, 600'000);
      if (!n) return n.error();
      o.connect_timeout = std::chrono::milliseconds(*n);
    } else if (name == "timeout_ms") {
      auto n = Number(name, value, 1, 3'600'000);
      if (!n) return n.error();
      o.request_timeout = std::chrono::milliseconds(*n);
    } else if (name == "max_attempts") {
      auto n = Number(name, value, 1, 20);
      if (!n) return n.error();
      o.max_attempts = static_cast<int>(*n);
    } else if (name == "part_size_mb") {
      auto n = Number(name, value, 5, 5 * 1024);
      if (!n) return n.error();
      o.part_size = *n << 20;
    } else if (name == "multipart_threshold_mb") {
      auto n = Number(name, value, 5, 5 * 1024);
      if (!n) return n.error();
      o.multipart_threshold = *n << 20;
    } else {
      return Bad("unknown s3:// URL parameter '" + name + "'");
    }
  }

  if (params.count("region") == 0) {
    std::string region = FirstSet(env, {"AWS_REGION", "AWS_DEFAULT_REGION"});
    if (!region.empty()) o.region = region;
  }
  for (char c : o.region) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
      return Bad("s3:// region '" + o.region + "' is not a region name");
    }
  }
  if (o.endpoint.empty()) {
    o.endpoint = "https://s3." + o.region + ".amazonaws.com";
    if (!path_style_given) o.path_style = false;
  }

  // Credentials: the whole pair comes from one source, so a key from one place is never
  // combined with a secret from another.
  auto complete = [](const S3Credentials& c) {
    return !c.access_key.empty() && !c.secret_key.empty();
  };
  if (complete(explicit_credentials)) {
    o.credentials = explicit_credentials;
  } else if (complete(url_credentials)) {
    o.credentials = url_credentials;
  } else if (!explicit_credentials.access_key.empty() || !explicit_credentials.secret_key.empty() ||
             !url_credentials.access_key.empty() || !url_credentials.secret_key.empty()) {
    return Bad("S3 credentials need both an access key and a secret key");
  } else {
    S3Credentials from_env{FirstSet(env, {"AWS_ACCESS_KEY_ID"}),
                           FirstSet(env, {"AWS_SECRET_ACCESS_KEY"}),
                           FirstSet(env, {"AWS_SESSION_TOKEN"})};
    if (!complete(from_env)) {
      from_env = {FirstSet(env, {"MINIO_ACCESS_KEY"}), FirstSet(env, {"MINIO_SECRET_KEY"}), ""};
    }
    if (!complete(from_env)) {
      from_env = {FirstSet(env, {"MINIO_ROOT_USER"}), FirstSet(env, {"MINIO_ROOT_PASSWORD"}), ""};
    }
    if (complete(from_env)) o.credentials = from_env;
  }
  if (o.part_size > o.multipart_threshold) o.multipart_threshold = o.part_size;
  return o;
}

Result<std::string> KeyForS3Uri(const S3Options& o, std::string_view uri) {
  const std::string root = "s3://" + o.bucket + "/" + (o.prefix.empty() ? "" : o.prefix + "/");
  if (uri.substr(0, root.size()) != root) {
    return MakeError(ErrorCode::kBadRequest, "is not inside this server's store (" + root + "...)");
  }
  std::string_view key = uri.substr(root.size());
  if (Status valid = ValidateBlobKey(key); !valid) {
    return MakeError(ErrorCode::kBadRequest, "names no valid key: " + valid.error().message);
  }
  return std::string(key);
}

std::string Describe(const S3Options& o) {
  return "s3://" + o.bucket + (o.prefix.empty() ? "" : "/" + o.prefix) + " at " + o.endpoint +
         " (" + (o.path_style ? "path-style" : "virtual-host") + ", region " + o.region +
         (o.credentials.access_key.empty() ? ", unsigned" : "") + ")";
}

}  // namespace tessera::store
