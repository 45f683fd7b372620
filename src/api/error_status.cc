#include "api/error_status.h"

namespace tessera::api {

int HttpStatusFor(ErrorCode code) { return FactsOf(code).http_status; }

}  // namespace tessera::api
