#!/usr/bin/env bash
# S3 store throughput, recorded in bench/RESULTS.md ("S3 store"): put and get of 1 MB and 50 MB
# objects by tessera's S3BlobStore (tessera_s3_bench: from/to memory and files) and by Debian's
# awscli (`aws s3 cp` file -> object -> file), against one s3rver started here on a free
# loopback port, in the same run. Median of --rounds runs each.
#   bench/run_s3.sh [--rounds N]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=5
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    *) echo "unknown flag $1" >&2; exit 2 ;;
  esac
done
build=${BUILD_DIR:-build}
cmake --build "$build" -j "$(nproc)" --target tessera_s3_bench >/dev/null
scripts/install-s3-server.sh >/dev/null
work=$(mktemp -d)
s3_pid=""
cleanup() { [[ -n "$s3_pid" ]] && kill "$s3_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$work/s3"
node --openssl-legacy-provider tests/s3/node_modules/s3rver/bin/s3rver.js --silent \
  --directory "$work/s3" --address 127.0.0.1 --port "$port" --configure-bucket bench \
  >"$work/s3rver.log" 2>&1 &
s3_pid=$!
for _ in $(seq 200); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.05; done
endpoint="http://127.0.0.1:$port"

echo "# machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# git: $(git rev-parse --short HEAD)$(git diff --quiet || echo '+dirty'); s3rver 3.7.1 on $endpoint; $(/usr/bin/aws --version 2>&1)"
export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_DEFAULT_REGION=us-east-1 \
  AWS_EC2_METADATA_DISABLED=true
aws=(/usr/bin/aws --endpoint-url "$endpoint")

median_ms() {  # median_ms CMD...: median wall milliseconds of $rounds runs
  local times=()
  for _ in $(seq "$rounds"); do
    local t0 t1
    t0=$(date +%s%N)
    "$@" >/dev/null
    t1=$(date +%s%N)
    times+=($(( (t1 - t0) / 1000000 )))
  done
  printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (rounds + 1) / 2 ))p"
}

# awscli starts a Python interpreter per command: its fixed cost, from a listing of an empty
# bucket check (one small request), is shown so the per-object figures can be read both ways.
ls_ms=$(median_ms "${aws[@]}" s3api head-bucket --bucket bench)
echo "awscli  head-bucket (start-up + one tiny request)  median $ls_ms ms"
for mb in 1 50; do
  "$build/bench/tessera_s3_bench" --store "s3://bench/tessera?endpoint=$endpoint&path_style=1" \
    --size-mb "$mb" --rounds "$rounds" --dir "$work"
  head -c $((mb << 20)) /dev/urandom >"$work/aws-src.bin"
  put=$(median_ms "${aws[@]}" s3 cp --only-show-errors "$work/aws-src.bin" "s3://bench/aws/${mb}mb")
  get=$(median_ms "${aws[@]}" s3 cp --only-show-errors "s3://bench/aws/${mb}mb" "$work/aws-dst.bin")
  cmp "$work/aws-src.bin" "$work/aws-dst.bin"
  awk -v mb="$mb" -v put="$put" -v get="$get" 'BEGIN {
    printf "awscli  put_file    %4d MB  median %8.1f ms  %7.1f MB/s\n", mb, put, mb / (put / 1000)
    printf "awscli  get_file    %4d MB  median %8.1f ms  %7.1f MB/s\n", mb, get, mb / (get / 1000) }'
done
