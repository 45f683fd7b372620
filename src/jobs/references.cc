#include "jobs/references.h"

#include "store/blob_store.h"

namespace tessera::jobs {

Result<std::string> ResolveReference(const ReferencePolicy& policy, std::string_view reference,
                                     std::string_view field) {
  auto refuse = [&](const std::string& why) {
    return MakeError(ErrorCode::kBadRequest,
                     std::string(field) + " '" + std::string(reference.substr(0, 200)) + "' " + why,
                     std::string(field));
  };
  std::string key;
  if (reference.find("://") != std::string_view::npos) {
    if (!policy.key_for_uri) return refuse("is a URI; this server takes plain keys only");
    auto resolved = policy.key_for_uri(reference);
    if (!resolved) return refuse(resolved.error().message);
    key = *resolved;
  } else {
    key = std::string(reference);
  }
  // Checked here too, whatever the translator did: the key must never leave the store.
  if (Status valid = store::ValidateBlobKey(key); !valid) {
    return refuse("is not a valid key: " + valid.error().message);
  }
  if (std::string_view reserved = store::ReservedSegmentOf(key); !reserved.empty()) {
    return refuse("is in tessera's own namespace " + std::string(reserved) + "/");
  }
  if (!policy.allowed_prefixes.empty()) {
    bool allowed = false;
    for (const auto& prefix : policy.allowed_prefixes) allowed |= key.rfind(prefix, 0) == 0;
    if (!allowed) return refuse("is not under an allowed prefix (--allow-ref-prefix)");
  }
  return key;
}

}  // namespace tessera::jobs
