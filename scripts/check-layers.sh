#!/usr/bin/env bash
# Checks the include direction between layers (target links alone don't stop a header-only
# include). Layers, lowest first: core -> engine -> (jobs, queue, store, worker) -> api -> cli.
set -euo pipefail
cd "$(dirname "$0")/.."
fail=0
forbid() {  # forbid DIR REGEX WHY
  local hits
  hits=$(grep -rnE "$2" "$1" --include='*.h' --include='*.cc' 2>/dev/null || true)
  if [[ -n "$hits" ]]; then
    echo "layer violation ($3):"
    echo "$hits"
    fail=1
  fi
}
forbid src/core '#include "(engine|queue|store|jobs|worker|api|cli)/' "core includes nothing above it"
forbid src/engine '#include "(queue|store|jobs|worker|api|cli)/' "engine knows no queues, storage, HTTP or CLI"
# libvips has process-wide state: only its adapter may touch it.
hits=$(grep -rnE '#include <vips/' src --include='*.h' --include='*.cc' | grep -v '^src/engine/vips/' || true)
if [[ -n "$hits" ]]; then echo "libvips included outside src/engine/vips/:"; echo "$hits"; fail=1; fi
# OpenCV stays inside the engine's kernels and detectors.
hits=$(grep -rnE '#include <opencv2/' src --include='*.h' --include='*.cc' | grep -vE '^src/engine/(ops|detect)/' || true)
if [[ -n "$hits" ]]; then echo "OpenCV included outside src/engine/ops/ and src/engine/detect/:"; echo "$hits"; fail=1; fi
# gRPC and its generated stubs stay in the gRPC front end (and its own generated target).
hits=$(grep -rnE '#include [<"](grpcpp?/|google/protobuf/|google/rpc/|tessera/v1/)' src --include='*.h' --include='*.cc' | grep -v '^src/api/grpc/' || true)
if [[ -n "$hits" ]]; then echo "gRPC/protobuf included outside src/api/grpc/:"; echo "$hits"; fail=1; fi
# jobs/ and worker/ know the seams' interfaces, never an implementation: only cli/ wires those.
for layer in src/jobs src/worker; do
  [[ -d $layer ]] && forbid $layer '#include "(queue/sqlite|queue/redis|store/fs|store/s3|api|cli)/' "$layer uses interfaces only"
done
if [[ -d src/queue ]]; then
  forbid src/queue '#include "(api|cli|worker)/' "queue implementations know no API, CLI or worker"
fi
if [[ -d src/store ]]; then
  forbid src/store '#include "(api|cli|worker|jobs|queue)/' "stores know nothing above them"
fi
# The API layer talks to the seams' interfaces; concrete backends are chosen in cli/ only.
if [[ -d src/api ]]; then
  forbid src/api '#include "(queue/sqlite|queue/redis|store/fs|store/s3|cli)/' "api uses interfaces only"
fi
# Boost.Beast/Asio stay in the network layer.
hits=$(grep -rnE '#include <boost/(beast|asio)' src --include='*.h' --include='*.cc' | grep -v '^src/api/' || true)
if [[ -n "$hits" ]]; then echo "Boost.Beast/Asio included outside src/api/:"; echo "$hits"; fail=1; fi
# libcurl is the S3 store's HTTP client and nobody else's.
hits=$(grep -rnE '#include <curl/' src --include='*.h' --include='*.cc' | grep -v '^src/store/s3/' || true)
if [[ -n "$hits" ]]; then echo "libcurl included outside src/store/s3/:"; echo "$hits"; fail=1; fi
if [[ $fail -eq 0 ]]; then echo "check-layers: ok"; fi
exit $fail
