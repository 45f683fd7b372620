#include "store/s3/s3_presign.h"

#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <ctime>
#include <utility>
#include <vector>

#include "store/s3/s3_client.h"

namespace tessera::store {
namespace {

std::string Hex(const unsigned char* bytes, size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (size_t i = 0; i < n; ++i) {
    out.push_back(kHex[bytes[i] >> 4]);
    out.push_back(kHex[bytes[i] & 15]);
  }
  return out;
}

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  return Hex(digest, sizeof(digest));
}

std::string Hmac(std::string_view key, std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest, &n);
  return {reinterpret_cast<const char*>(digest), n};
}

// "host[:port]" of an endpoint URL, with the bucket in front for virtual-hosted style.
std::string HostOf(const S3Options& options) {
  const std::string& ep = options.endpoint;
  const size_t start = ep.find("//") + 2;
  std::string host = ep.substr(start);
  if (size_t slash = host.find('/'); slash != std::string::npos) host.resize(slash);
  return options.path_style ? host : options.bucket + "." + host;
}

std::string Utc(std::chrono::system_clock::time_point t, const char* format) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char text[32];
  std::strftime(text, sizeof(text), format, &tm);
  return text;
}

}  // namespace

std::string PresignedGetUrl(const S3Options& options, std::string_view object,
                            std::chrono::seconds expires,
                            std::chrono::system_clock::time_point now) {
  const std::string url = ObjectUrl(options, object);
  const S3Credentials& c = options.credentials;
  if (c.access_key.empty()) return url;

  const std::string date = Utc(now, "%Y%m%d");
  const std::string stamp = Utc(now, "%Y%m%dT%H%M%SZ");
  const std::string scope = date + "/" + options.region + "/s3/aws4_request";
  // In the URL in botocore's order (so the address is the one boto3 gives); signed sorted.
  std::vector<std::pair<std::string, std::string>> params = {
      {"X-Amz-Algorithm", "AWS4-HMAC-SHA256"},
      {"X-Amz-Credential", c.access_key + "/" + scope},
      {"X-Amz-Date", stamp},
      {"X-Amz-SignedHeaders", "host"},
      {"X-Amz-Expires", std::to_string(expires.count())},
  };
  if (!c.session_token.empty()) params.emplace_back("X-Amz-Security-Token", c.session_token);
  std::string in_order;
  for (const auto& [name, value] : params) {
    in_order += (in_order.empty() ? "" : "&") + name + "=" + UriEncode(value, false);
  }
  const std::string query = CanonicalQuery(std::move(params));

  // The path as sent: everything of the URL after the host.
  const size_t path_start = url.find('/', url.find("//") + 2);
  const std::string canonical_request = "GET\n" + url.substr(path_start) + "\n" + query +
                                        "\nhost:" + HostOf(options) + "\n\nhost\nUNSIGNED-PAYLOAD";
  const std::string to_sign =
      "AWS4-HMAC-SHA256\n" + stamp + "\n" + scope + "\n" + Sha256Hex(canonical_request);
  std::string key = Hmac("AWS4" + c.secret_key, date);
  key = Hmac(key, options.region);
  key = Hmac(key, "s3");
  key = Hmac(key, "aws4_request");
  const std::string signature = Hmac(key, to_sign);
  return url + "?" + in_order + "&X-Amz-Signature=" +
         Hex(reinterpret_cast<const unsigned char*>(signature.data()), signature.size());
}

}  // namespace tessera::store
