// ApiKeyCheck: accepts a request's `authorization: Bearer <key>` value if the key is one of the
// configured API keys. Compares SHA-256 digests with CRYPTO_memcmp against every key, so the
// time taken says nothing about how much of a key matched, nor its length, nor which key.
//
// Thread-safety: immutable after construction; Check may be called from any thread.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace tessera::api::grpc {

class ApiKeyCheck {
 public:
  // No keys: every request is accepted.
  explicit ApiKeyCheck(const std::vector<std::string>& keys);

  bool open() const { return digests_.empty(); }

  // `authorization` is the metadata value (empty when absent). kUnauthorized when keys are
  // configured and the value is missing, not "Bearer <key>", or names no configured key.
  Status Check(std::string_view authorization) const;

 private:
  using Digest = std::array<unsigned char, 32>;
  static Digest Sha256(std::string_view text);

  std::vector<Digest> digests_;
};

}  // namespace tessera::api::grpc
