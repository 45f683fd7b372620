// Loopback helpers for tests that start servers.
#pragma once

namespace tessera::testing {

// A TCP port on 127.0.0.1 that was free a moment ago (another process may still take it).
int PickFreeLoopbackPort();

}  // namespace tessera::testing
