// Inputs and outputs by reference: a job may name an object already in the blob store as its
// input, and where its result goes, instead of uploading bytes and fetching the result.
//
// A reference is a blob key ("customer/2024/photo.jpg") or a URI of the store itself
// (s3://BUCKET/PREFIX/KEY for an S3 store, file:///ROOT/KEY for a directory), translated by the
// policy's key_for_uri (set by cli/, which knows the store). It is allowed only when
//   - it lies inside the configured store (any other bucket or path is refused, so a client can
//     never make tessera read or write where its configuration does not point);
//   - it is not under tessera's own namespaces (store::kReservedKeySegments: inputs/,
//     results/, tiles/, compat/), so a client can neither read another job's images or the
//     compatibility layers' records nor overwrite them;
//   - when allowed prefixes are configured (`--allow-ref-prefix`), it lies under one of them.
// Refusals are kBadRequest naming the field ("input" or "output").
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace tessera::jobs {

struct ReferencePolicy {
  // Key prefixes references must start with; empty: anywhere in the store outside tessera's
  // own namespaces.
  std::vector<std::string> allowed_prefixes;
  // The key a URI of the configured store names; an error for any other URI. Null: only plain
  // keys are accepted.
  std::function<Result<std::string>(std::string_view uri)> key_for_uri;
};

// The blob key `reference` names, if the policy allows it.
Result<std::string> ResolveReference(const ReferencePolicy& policy, std::string_view reference,
                                     std::string_view field);

}  // namespace tessera::jobs
