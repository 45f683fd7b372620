// How the long-running commands (serve, worker, compat g) stop: SIGTERM and SIGINT are blocked
// on every thread and taken synchronously on the main one (sigwait / sigtimedwait), so no work
// ever runs in a signal handler; then a worker pool drains within a deadline.
#pragma once

#include <signal.h>

#include <chrono>

#include "worker/worker.h"

namespace tessera::cli {

// Blocks SIGTERM and SIGINT on the calling thread (and so on every thread it starts later);
// returns that set, for sigwait. Call before starting any thread.
sigset_t BlockStopSignals();

// Stops `pool` claiming tasks and waits up to `deadline` for the running ones. If they have not
// finished by then the process exits at once with status 0: their leases expire and the tasks
// run again elsewhere.
void DrainWorkersOrExit(worker::Worker& pool, std::chrono::milliseconds deadline);

}  // namespace tessera::cli
