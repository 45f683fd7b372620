#!/usr/bin/env bash
# Load against the compatible HTTP APIs of ImageFlowCanvas's gateway, the Django pipeline and
# Thumbify on one `tessera serve --compat imageflow,django,thumbify` (2 embedded workers),
# recorded in bench/RESULTS.md ("Compatible APIs under load"). Each system's request, as its
# clients send it, on keep-alive connections with wrk for --duration seconds at --connections:
#   ImageFlowCanvas  POST /v1/resize, JSON naming a 2 MP photo in the store (sync, 800x600)
#   Django           POST /api/process-batch/distributed/, JSON {"filters":["resize","blur"]}
#                    over the sample directory (2 jobs per request; stress_test.py's shape)
#   Thumbify         POST /upload, multipart part `file` (a 2 MP JPEG; one job per upload)
# Prints wrk's status mix and latency percentiles, the server's peak RSS, and whether it is
# still answering afterwards. Bounded: loopback only, one run per system.
#   bench/run_compat_load.sh [--connections N] [--duration S]
set -euo pipefail
cd "$(dirname "$0")/.."
connections=16
duration=15
while [[ $# -gt 0 ]]; do
  case "$1" in
    --connections) connections=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    *) echo "unknown flag $1" >&2; exit 2 ;;
  esac
done
build=${BUILD_DIR:-build}
scripts/fetch-bench-photos.sh >/dev/null
photo=bench/photos/derived/photo-2mp.jpg
work=$(mktemp -d)
server=""
cleanup() { [[ -n "$server" ]] && kill "$server" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

mkdir -p "$work/data/blobs/load" "$work/samples"
cp "$photo" "$work/data/blobs/load/in.jpg"
cp "$photo" "$work/samples/sample_2mp.jpg"
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$build/tessera" serve --compat imageflow,django,thumbify --host 127.0.0.1 --port "$port" \
  --grpc-port -1 --data-dir "$work/data" --django-sample-dir "$work/samples" --workers 2 \
  >"$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 200); do curl -s -o /dev/null "http://127.0.0.1:$port/healthz" && break; sleep 0.05; done
url="http://127.0.0.1:$port"

printf '%s' '{"input_image":{"bucket":"load","object_key":"in.jpg","content_type":"image/jpeg"},"target_width":800,"target_height":600,"maintain_aspect_ratio":true,"quality":"RESIZE_QUALITY_GOOD","execution_id":"load"}' \
  >"$work/resize.json"
printf '%s' '{"filters":["resize","blur"],"filter_params":{"resize":{"width":800,"height":600}}}' \
  >"$work/batch.json"
boundary=tesseraloadboundary
{
  printf -- '--%s\r\nContent-Disposition: form-data; name="file"; filename="load.jpg"\r\nContent-Type: image/jpeg\r\n\r\n' "$boundary"
  cat "$photo"
  printf -- '\r\n--%s--\r\n' "$boundary"
} >"$work/upload.multipart"

echo "# machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# git: $(git rev-parse --short HEAD)$(git diff --quiet || echo '+dirty'); wrk -t2 -c$connections -d${duration}s per system; 2 MP photo"
run() {  # name path body content-type
  local out
  out=$(PHOTO=$3 CONTENT_TYPE=$4 wrk -t2 -c"$connections" -d"${duration}s" \
    -s bench/http/post_image.lua "$url$2" 2>&1)
  echo "$out" | grep WRK_JSON | sed "s/^WRK_JSON /$1 /"
  echo "$1 alive after: $(curl -s -o /dev/null -w '%{http_code}' "$url/healthz")"
}
run imageflow /v1/resize "$work/resize.json" application/json
run django /api/process-batch/distributed/ "$work/batch.json" application/json
run thumbify /upload "$work/upload.multipart" "multipart/form-data; boundary=$boundary"
echo "server peak RSS: $(awk '/^VmHWM/ {print $2, $3}' "/proc/$server/status")"
echo "jobs: $(curl -s "$url/v1/stats" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["jobs"])')"
