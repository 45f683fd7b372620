// What every front end (HTTP, gRPC, the compatible APIs) checks about who is calling: the API
// key, and the request id that follows a request into the logs of the job it submits.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace tessera::api {

// `Authorization: Bearer <key>` (scheme case-insensitive) against the configured keys, in
// constant time. True when no keys are configured.
bool BearerKeyAccepted(std::string_view authorization, const std::vector<std::string>& keys);

// `given` when it is a safe id (1-128 of [A-Za-z0-9._-]), else a new ULID.
std::string RequestIdOrNew(std::string_view given);

}  // namespace tessera::api
