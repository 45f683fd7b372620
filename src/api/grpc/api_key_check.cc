#include "api/grpc/api_key_check.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cstdlib>

namespace tessera::api::grpc {

ApiKeyCheck::ApiKeyCheck(const std::vector<std::string>& keys) {
  for (const auto& key : keys) {
    if (!key.empty()) digests_.push_back(Sha256(key));
  }
}

ApiKeyCheck::Digest ApiKeyCheck::Sha256(std::string_view text) {
  Digest out{};
  unsigned int len = 0;
  if (EVP_Digest(text.data(), text.size(), out.data(), &len, EVP_sha256(), nullptr) != 1 ||
      len != out.size()) {
    // SHA-256 from the system's OpenSSL cannot fail on valid arguments.
    std::abort();
  }
  return out;
}

Status ApiKeyCheck::Check(std::string_view authorization) const {
  if (open()) return OkStatus();
  constexpr std::string_view kScheme = "Bearer ";
  if (authorization.size() <= kScheme.size() ||
      authorization.substr(0, kScheme.size()) != kScheme) {
    return MakeError(ErrorCode::kUnauthorized,
                     "missing or malformed authorization metadata (expected \"Bearer <key>\")",
                     "authorization");
  }
  const Digest given = Sha256(authorization.substr(kScheme.size()));
  // Every key is compared (no early exit), each in constant time.
  int matched = 0;
  for (const auto& digest : digests_) {
    matched |= CRYPTO_memcmp(given.data(), digest.data(), digest.size()) == 0 ? 1 : 0;
  }
  if (matched == 0) {
    return MakeError(ErrorCode::kUnauthorized, "API key not accepted", "authorization");
  }
  return OkStatus();
}

}  // namespace tessera::api::grpc
