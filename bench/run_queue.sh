#!/usr/bin/env bash
# Durable-job benchmarks, recorded in bench/RESULTS.md ("Queue and workers"):
#  1. queue overhead per task (enqueue -> claim -> ack, no image work) on SQLite and on Redis
#     over loopback (a redis-server started here on a free port, AOF appendfsync everysec);
#  2. jobs per second for small thumbnails (2 MP photo -> thumbnail:w=256) with 1 and 2
#     `tessera worker` processes (1 thread each), on both backends.
#   bench/run_queue.sh [--jobs N] [--tasks N]
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=200
tasks=2000
while [[ $# -gt 0 ]]; do
  case "$1" in
    --jobs) jobs=$2; shift 2 ;;
    --tasks) tasks=$2; shift 2 ;;
    *) echo "unknown flag $1" >&2; exit 2 ;;
  esac
done
build=${BUILD_DIR:-build}
cmake --build "$build" -j "$(nproc)" --target tessera tessera_queue_bench >/dev/null
scripts/fetch-bench-photos.sh >/dev/null
photo=bench/photos/derived/photo-2mp.jpg
tessera=$build/tessera
work=$(mktemp -d)
redis_pid=""
cleanup() { [[ -n "$redis_pid" ]] && kill "$redis_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$work/redis"
redis-server --port "$port" --bind 127.0.0.1 --dir "$work/redis" --appendonly yes \
  --appendfsync everysec --save '' --daemonize no >"$work/redis.log" 2>&1 &
redis_pid=$!
for _ in $(seq 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.05; done

echo "# machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# git: $(git rev-parse --short HEAD)$(git diff --quiet || echo '+dirty')"
echo "## queue overhead per task (enqueue -> claim -> ack), microseconds"
"$build/bench/tessera_queue_bench" --tasks "$tasks" --redis "127.0.0.1:$port" \
  --sqlite "$work/queue-bench.db"

echo "## jobs per second: $jobs x ($photo -> thumbnail:w=256), 1 thread per worker process"
echo "backend,workers,jobs,wall_s,jobs_per_s,steady_jobs_per_s"
echo "# wall: from starting the workers to the last success (includes their start-up);"
echo "# steady: (jobs - 1) / (last success - first success), from the workers' log timestamps"
run_workers() {  # backend workers
  local backend=$1 n=$2 dir="$work/$1-$2"
  local flags=(--data-dir "$dir")
  if [[ $backend == redis ]]; then
    redis-cli -p "$port" flushall >/dev/null
    flags=(--queue "redis://127.0.0.1:$port" --store "file://$dir/blobs")
  fi
  local files=()
  for _ in $(seq "$jobs"); do files+=("$photo"); done
  "$tessera" jobs submit "${flags[@]}" -p 'thumbnail:w=256;format:type=jpeg,q=80' "${files[@]}" >/dev/null
  local start pids=()
  start=$(date +%s.%N)
  for i in $(seq "$n"); do
    "$tessera" worker "${flags[@]}" --threads 1 2>"$dir.worker$i.log" &
    pids+=($!)
  done
  # Progress is read from the workers' own log lines: a polling client process would take CPU
  # from the workers it measures.
  while true; do
    done_count=$(cat "$dir".worker*.log | grep -c '"event":"job_succeeded"' || true)
    [[ "$done_count" -ge "$jobs" ]] && break
    sleep 0.05
  done
  local end
  end=$(date +%s.%N)
  kill -TERM "${pids[@]}"
  wait "${pids[@]}" 2>/dev/null || true
  cat "$dir".worker*.log | /usr/bin/python3 -c "
import sys, json, datetime
ts = sorted(datetime.datetime.fromisoformat(json.loads(l)['ts'].replace('Z', '+00:00'))
            for l in sys.stdin if '\"job_succeeded\"' in l)
steady = (len(ts) - 1) / (ts[-1] - ts[0]).total_seconds()
wall = $end - $start
print(f'$backend,$n,$jobs,{wall:.2f},{$jobs / wall:.1f},{steady:.1f}')"
}
for backend in sqlite redis; do
  for n in 1 2; do run_workers "$backend" "$n"; done
done
