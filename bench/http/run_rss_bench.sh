#!/usr/bin/env bash
# Server memory under a sustained mixed load, then idle (issue 13, "flat memory"; recorded in
# bench/RESULTS.md, "Server memory").
#
# Starts `tessera serve` (--workers 0, embedded SQLite and file store in a temporary data dir)
# once per variant, drives it with wrk and bench/http/mixed_load.lua (thumbnail, resize, blur
# and sharpen over the 2, 4 and 20 MP photos), samples the server's VmRSS every 0.5 s during
# the load and the idle period after it, and prints one line per variant:
#   variant, 200s, other statuses, RSS peak in the first 20 s, peak, at the end of the load,
#   and after IDLE seconds of idle.
#
#   bench/http/run_rss_bench.sh [--duration S] [--idle S] [--connections N] \
#       [--variant NAME='SERVE ARGS']...
# Default variants: glibc (--malloc-arenas 0 --idle-trim-ms 0 --raster-cache-mb 0: the old
# behaviour), cache (--malloc-arenas 0 --idle-trim-ms 0: the raster cache alone), arenas2
# (--idle-trim-ms 0), default (arenas 2 + trimming when idle).
# Environment: TESSERA_BIN (default build/tessera). Writes bench/out/rss-<UTC>/: rss-*.csv,
# wrk-*.txt, server-*.log, summary.txt.
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
duration=60
idle=15
connections=4
variants=()
while (($#)); do
  case "$1" in
    --duration) duration=$2; shift ;;
    --idle) idle=$2; shift ;;
    --connections) connections=$2; shift ;;
    --variant) variants+=("$2"); shift ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "run_rss_bench.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
if ((${#variants[@]} == 0)); then
  variants=("glibc=--malloc-arenas 0 --idle-trim-ms 0 --raster-cache-mb 0" "cache=--malloc-arenas 0 --idle-trim-ms 0" "arenas2=--idle-trim-ms 0" "default=")
fi
tessera="${TESSERA_BIN:-$repo/build/tessera}"
"$repo/scripts/fetch-bench-photos.sh" >/dev/null
p="$repo/bench/photos"
export PHOTOS="$p/derived/photo-2mp.jpg,$p/evening-glow.jpg,$p/derived/photo-20mp.jpg"
export PIPELINES='thumbnail:w=256|resize:w=1920|blur:sigma=5|sharpen:sigma=1'
out="$repo/bench/out/rss-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$out"
work=$(mktemp -d)
server_pid=""
cleanup() {
  [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

rss() { awk '/^VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
{
  echo "date $(date -u +%FT%TZ) git $(git -C "$repo" rev-parse --short HEAD) load $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "duration_s $duration idle_s $idle connections $connections"
  printf '%-10s %6s %6s %12s %9s %12s %12s\n' variant 200s other peak20s_MB peak_MB end_load_MB after_idle_MB
} | tee "$out/summary.txt"
for v in "${variants[@]}"; do
  name=${v%%=*}
  read -ra extra <<<"${v#*=}"
  port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  rm -rf "$work/data"
  TESSERA_LOG_LEVEL=info "$tessera" serve --host 127.0.0.1 --port "$port" --data-dir "$work/data" \
    --workers 0 --no-grpc "${extra[@]}" 2>"$out/server-$name.log" &
  server_pid=$!
  for _ in $(seq 200); do
    curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
    kill -0 "$server_pid" 2>/dev/null || { echo "server exited; see $out/server-$name.log" >&2; exit 1; }
    sleep 0.05
  done
  csv="$out/rss-$name.csv"
  echo "t_s,phase,vmrss_kb" >"$csv"
  t0=$EPOCHREALTIME
  wrk -t2 -c"$connections" -d"${duration}s" -s "$repo/bench/http/mixed_load.lua" \
    "http://127.0.0.1:$port" >"$out/wrk-$name.txt" 2>&1 &
  wrk_pid=$!
  while kill -0 "$wrk_pid" 2>/dev/null; do
    echo "$(awk "BEGIN {print $EPOCHREALTIME - $t0}"),load,$(rss "$server_pid")" >>"$csv"
    sleep 0.5
  done
  wait "$wrk_pid" || true
  end_load=$(rss "$server_pid")
  t1=$EPOCHREALTIME
  while awk "BEGIN {exit !($EPOCHREALTIME - $t1 < $idle)}"; do
    echo "$(awk "BEGIN {print $EPOCHREALTIME - $t0}"),idle,$(rss "$server_pid")" >>"$csv"
    sleep 0.5
  done
  after_idle=$(rss "$server_pid")
  kill -TERM "$server_pid"; wait "$server_pid" || true; server_pid=""
  json=$(grep -o 'WRK_JSON .*' "$out/wrk-$name.txt" | cut -d' ' -f2-)
  ok=$(echo "$json" | /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["statuses"].get("200",0))')
  other=$(echo "$json" | /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); print(sum(v for k,v in d["statuses"].items() if k!="200")+d["errors"])')
  peak20=$(awk -F, 'NR>1 && $2=="load" && $1<=20 && $3>m {m=$3} END {printf "%.0f", m/1024}' "$csv")
  peak=$(awk -F, 'NR>1 && $3>m {m=$3} END {printf "%.0f", m/1024}' "$csv")
  printf '%-10s %6s %6s %12s %9s %12.0f %12.0f\n' "$name" "$ok" "$other" "$peak20" "$peak" \
    "$(awk "BEGIN {print $end_load/1024}")" "$(awk "BEGIN {print $after_idle/1024}")" | tee -a "$out/summary.txt"
done
echo "written: ${out#"$repo"/}" >&2
