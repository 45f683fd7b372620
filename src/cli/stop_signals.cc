#include "cli/stop_signals.h"

#include <pthread.h>

#include <cstdio>
#include <cstdlib>

#include "core/log.h"

namespace tessera::cli {

sigset_t BlockStopSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

void DrainWorkersOrExit(worker::Worker& pool, std::chrono::milliseconds deadline) {
  pool.RequestStop();
  if (pool.Wait(deadline)) return;
  Log(LogLevel::kWarn, "worker_drain_timeout",
      {{"detail", "running tasks are left to lease expiry"}});
  std::fflush(stderr);
  std::_Exit(0);
}

}  // namespace tessera::cli
