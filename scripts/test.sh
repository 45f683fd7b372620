#!/usr/bin/env bash
# Installs dependencies, builds tessera and runs every test (unit, contract, integration, fuzz
# corpus replay). The README's test command; .ci/run calls it.
#   TESSERA_WERROR=ON scripts/test.sh    warnings are errors (CI)
#   BUILD_DIR=build-x scripts/test.sh    another build directory
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
build=${BUILD_DIR:-build}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DTESSERA_BUILD_TESTS=ON \
  -DTESSERA_BUILD_BENCH=ON -DTESSERA_WERROR="${TESSERA_WERROR:-OFF}" ${TESSERA_CMAKE_ARGS:-}
cmake --build "$build" -j "$(nproc)"
ctest --test-dir "$build" --output-on-failure -j "$(nproc)" ${CTEST_ARGS:-}
