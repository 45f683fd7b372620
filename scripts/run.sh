#!/usr/bin/env bash
# The main job: installs dependencies, builds tessera and starts the service on its embedded
# default, http://localhost:8080 (SQLite queue and files in ./tessera-data, a worker pool in the
# same process). Ctrl-C stops it gracefully. Extra arguments go to `tessera serve`
# (e.g. `scripts/run.sh --port 9000`, or `--queue redis://127.0.0.1:6379` for a shared queue).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$(nproc)"
port=${TESSERA_PORT:-8080}
cat >&2 <<HINT
== tessera serve: http://localhost:$port (API reference: http://localhost:$port/openapi.json)
   try, from another terminal:
   curl -s --data-binary @tests/data/orient_6.jpg -o thumb.webp \\
        'http://localhost:$port/v1/process?pipeline=thumbnail:w=256;format:type=webp'
   curl -s -F image=@tests/data/quadrants.tif --form-string pipeline='blur:sigma=3;format:type=png' \\
        http://localhost:$port/v1/jobs                    # 202 with the job; then
   curl -s http://localhost:$port/v1/jobs/<id>            # state, progress, timings
   curl -s http://localhost:$port/v1/jobs/<id>/result -o out.png
HINT
exec build/tessera serve "$@"
