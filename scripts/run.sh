#!/usr/bin/env bash
# The main job: installs dependencies, builds tessera and starts the service on its embedded
# default, http://localhost:8080 (SQLite queue and files in ./tessera-data, a worker pool in the
# same process). Ctrl-C stops it gracefully. Extra arguments go to `tessera serve`
# (e.g. `scripts/run.sh --port 9000`, or `--queue redis://127.0.0.1:6379` for a shared queue).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --service
# Only the service: the tests and benchmarks (scripts/test.sh) build into the same directory.
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DTESSERA_BUILD_TESTS=OFF \
  -DTESSERA_BUILD_BENCH=OFF >/dev/null
cmake --build build -j "$(nproc)" --target tessera
scripts/serve-hint.sh "$@"
exec build/tessera serve "$@"
