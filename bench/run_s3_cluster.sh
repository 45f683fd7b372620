#!/usr/bin/env bash
# Job throughput of a cluster with no shared directory (blobs on S3) against the same cluster on
# a shared directory (file store), recorded in bench/RESULTS.md ("S3 cluster"). One
# redis-server and one s3rver on free loopback ports; per round and per store, two
# `tessera worker` processes (one thread each, separate --data-dir) and `tessera jobs submit
# --wait` of every photo in bench/photos COPIES times; the figure is submit-to-last-result wall
# time. The two stores alternate round by round; best and median of --rounds are printed.
#   bench/run_s3_cluster.sh [--rounds N] [--copies N] [--pipeline P]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=3
copies=4
pipeline='resize:w=1920;sharpen;format:type=jpeg'
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    --copies) copies=$2; shift 2 ;;
    --pipeline) pipeline=$2; shift 2 ;;
    *) echo "unknown flag $1" >&2; exit 2 ;;
  esac
done
build=${BUILD_DIR:-build}
tessera=$build/tessera
scripts/fetch-bench-photos.sh >/dev/null
scripts/install-s3-server.sh >/dev/null
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --dir "$work" \
  >"$work/redis.log" 2>&1 &
pids+=($!)
s3_port=$(free_port)
mkdir -p "$work/s3"
node --openssl-legacy-provider tests/s3/node_modules/s3rver/bin/s3rver.js --silent \
  --directory "$work/s3" --address 127.0.0.1 --port "$s3_port" --configure-bucket bench \
  >"$work/s3rver.log" 2>&1 &
pids+=($!)
for _ in $(seq 200); do
  redis-cli -p "$redis_port" ping >/dev/null 2>&1 && curl -s -o /dev/null "http://127.0.0.1:$s3_port/" && break
  sleep 0.05
done
export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER
queue="redis://127.0.0.1:$redis_port"

mkdir -p "$work/in"
for c in $(seq "$copies"); do
  for f in bench/photos/*.jpg; do cp "$f" "$work/in/$c-$(basename "$f")"; done
done
jobs_n=$(ls "$work/in" | wc -l)

# run_round STORE_URL: prints the wall milliseconds from submit to the last result.
run_round() {
  local store=$1 workers=()
  redis-cli -p "$redis_port" flushall >/dev/null
  for w in 1 2; do
    "$tessera" worker --queue "$queue" --store "$store" --data-dir "$work/w$w" --threads 1 \
      >"$work/worker$w.log" 2>&1 &
    workers+=($!)
  done
  sleep 1  # both registered before the first job
  local t0 t1
  t0=$(date +%s%N)
  "$tessera" jobs submit "$work"/in/*.jpg -p "$pipeline" --queue "$queue" --store "$store" \
    --data-dir "$work/client" --wait >"$work/submit.log" 2>&1
  t1=$(date +%s%N)
  kill -TERM "${workers[@]}"
  wait "${workers[@]}" 2>/dev/null || true
  local ok
  ok=$("$tessera" jobs stats --queue "$queue" --store "$store" --data-dir "$work/client" |
    /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["jobs"].get("succeeded", 0))')
  [[ "$ok" == "$jobs_n" ]] || { echo "only $ok of $jobs_n jobs succeeded" >&2; exit 1; }
  echo $(( (t1 - t0) / 1000000 ))
}

echo "# machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# git: $(git rev-parse --short HEAD)$(git diff --quiet || echo '+dirty'); $jobs_n jobs of '$pipeline' on 4 MP photos; 2 workers x 1 thread; redis $redis_port, s3rver $s3_port"
s3_ms=() fs_ms=()
for r in $(seq "$rounds"); do
  s3_ms+=($(run_round "s3://bench/r$r?endpoint=http://127.0.0.1:$s3_port&path_style=1"))
  fs_ms+=($(run_round "file://$work/shared-$r"))
  echo "round $r: s3 ${s3_ms[-1]} ms, shared directory ${fs_ms[-1]} ms"
done
stats() {  # best and median ms, and jobs per second at the best
  printf '%s\n' "$@" | sort -n | awk -v n="$jobs_n" '{a[NR]=$1} END {
    printf "best %d ms (%.2f jobs/s), median %d ms", a[1], n * 1000 / a[1], a[int((NR+1)/2)]}'
}
s3=$(stats "${s3_ms[@]}")
fs=$(stats "${fs_ms[@]}")
echo "s3 (no shared directory): $s3"
echo "shared directory:         $fs"
echo "s3 / shared (best): $(printf '%s\n' "${s3_ms[@]}" | sort -n | head -1) / $(printf '%s\n' "${fs_ms[@]}" | sort -n | head -1) ms"
