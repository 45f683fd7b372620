#!/usr/bin/env bash
# HTTP service benchmark (issue 4, "Benchmarks"; recorded in bench/RESULTS.md, "HTTP service").
#
# Starts `tessera serve` on a free loopback port (embedded SQLite queue and file store in a
# temporary data dir, --workers 0 by default: a pure /v1/process benchmark) and drives
# `POST /v1/process?pipeline=thumbnail:w=256;format:type=jpeg,q=80` with the 2 MP photo as the
# raw body over keep-alive connections with wrk (bench/http/post_image.lua counts the status
# codes). Then:
#   1. a sweep over connection counts (default 1,2,4,8,32,128): throughput, latency
#      percentiles, status codes, server CPU per request, wrk's own CPU, load average;
#   2. 60 s runs at and past saturation (--rss-connections, default 8,128), each on a fresh
#      server, while the server's VmRSS is sampled every second (rss.csv; the sweep's server
#      is sampled too);
#   3. the cost of per-request logging: the same run with TESSERA_LOG_LEVEL=warn, then info,
#      each on a fresh server;
#   4. the engine in-process on the same photo and op (tessera_engine_bench, 1 and 2 threads),
#      before and after the HTTP runs, as the reference for "engine x cores".
# Only 200, 429 and 503 may appear; the script exits 1 when anything else (or a socket error)
# was seen, after writing everything.
#
#   bench/http/run_http_bench.sh                 full run (~6 min)
#   bench/http/run_http_bench.sh --smoke         CI smoke (< 20 s once built): 2 short levels
# Options: --connections 1,2,4,8, --duration S (per level, default 15), --rss-duration S
#   (default 60), --rss-connections N[,N], --log-connections N (default 2, 0 = skip), --workers N
#   (embedded workers, default 0), --engine-iters N (default 200), --no-build,
#   --serve-arg ARG (repeatable; passed to tessera serve, e.g. --serve-arg=--sync-slots=4).
# Environment: BENCH_BUILD_DIR (default build-httpbench; never build/, someone else's;
#   configured Release when new), TESSERA_BIN / ENGINE_BENCH: existing binaries (nothing is
#   built when both are set).
#
# Writes bench/out/http-<UTC timestamp>/ (bench/out/http-smoke/ for --smoke): meta.txt,
# results.jsonl (one line per wrk run), engine.jsonl, rss.csv, wrk-*.txt, server-*.log,
# summary.md. Figures are only comparable within one run on one machine (bench/RESULTS.md).
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
py=/usr/bin/python3
smoke=0
build=1
connections="1,2,4,8,32,128"
duration=15
rss_duration=60
rss_connections=8,128
log_connections=2
workers=0
engine_iters=200
serve_args=()
warmup_s=2
engine_warmup=10
while (($#)); do
  case "$1" in
    --smoke) smoke=1 ;;
    --no-build) build=0 ;;
    --connections) connections=$2; shift ;;
    --duration) duration=$2; shift ;;
    --rss-duration) rss_duration=$2; shift ;;
    --rss-connections) rss_connections=$2; shift ;;
    --log-connections) log_connections=$2; shift ;;
    --workers) workers=$2; shift ;;
    --engine-iters) engine_iters=$2; shift ;;
    --serve-arg) serve_args+=("$2"); shift ;;
    --serve-arg=*) serve_args+=("${1#--serve-arg=}") ;;
    -h|--help) sed -n '2,33p' "$0"; exit 0 ;;
    *) echo "run_http_bench.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
if ((smoke)); then
  connections="1,4"; duration=2; rss_duration=3; rss_connections=4; log_connections=0
  engine_iters=10; engine_warmup=1; warmup_s=1
fi

log() { echo "run_http_bench.sh: $*" >&2; }
load() { cut -d' ' -f1 /proc/loadavg; }
calc() { awk "BEGIN { printf \"%.3f\", $1 }"; }

build_dir="${BENCH_BUILD_DIR:-$repo/build-httpbench}"
tessera="${TESSERA_BIN:-$build_dir/tessera}"
engine_bench="${ENGINE_BENCH:-$build_dir/bench/tessera_engine_bench}"
if ((build)) && [[ -z "${TESSERA_BIN:-}" || -z "${ENGINE_BENCH:-}" ]]; then
  export CCACHE_BASEDIR="$repo"
  if [[ ! -f "$build_dir/build.ninja" ]]; then
    cmake -S "$repo" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DTESSERA_BUILD_TESTS=OFF >&2
  fi
  nice cmake --build "$build_dir" -j2 --target tessera tessera_engine_bench >&2
fi
"$repo/scripts/fetch-bench-photos.sh" >/dev/null
photo="$repo/bench/photos/derived/photo-2mp.jpg"
pipeline='thumbnail:w=256;format:type=jpeg,q=80'  # the engine bench's "thumbnail" op, exactly
pipeline_q='thumbnail%3Aw%3D256%3Bformat%3Atype%3Djpeg%2Cq%3D80'
lua="$repo/bench/http/post_image.lua"

if ((smoke)); then run=http-smoke; else run=http-$(date -u +%Y%m%dT%H%M%SZ); fi
out="$repo/bench/out/$run"
rm -rf "$out"
mkdir -p "$out"
work=$(mktemp -d)
server_pid=""
sampler_pid=""
cleanup() {
  [[ -n "$sampler_pid" ]] && kill "$sampler_pid" 2>/dev/null
  [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
start=$SECONDS
tck=$(getconf CLK_TCK)

{
  echo "date $(date -u +%FT%TZ)"
  echo "host nproc=$(nproc) cpu=\"$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs)\"" \
       "ram=$(awk '/MemTotal/ {printf "%.1fGiB", $2/1048576}' /proc/meminfo)"
  echo "load_start $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "git $(git -C "$repo" rev-parse --short HEAD)" \
       "uncommitted_src_paths=$(git -C "$repo" status --porcelain -- src | wc -l)"
  echo "tessera $tessera (mtime $(date -u -r "$tessera" +%FT%TZ))"
  echo "engine_bench $engine_bench"
  echo "wrk $(wrk -v 2>&1 | head -1)"
  echo "photo ${photo#"$repo"/} $(stat -c %s "$photo") bytes"
  echo "pipeline $pipeline"
  echo "command $0 ${*:-}"
  echo "connections $connections duration_s $duration rss_connections $rss_connections" \
       "rss_duration_s $rss_duration workers $workers serve_args ${serve_args[*]:-}"
} >"$out/meta.txt"

engine() {  # label
  log "engine in-process ($1): tessera_engine_bench thumbnail, threads 1,2"
  "$engine_bench" --iters "$engine_iters" --warmup "$engine_warmup" --threads 1,2 --ops thumbnail "$photo" |
    sed "s/^{/{\"when\":\"$1\",\"load\":$(load),/" >>"$out/engine.jsonl"
}

port=""
start_server() {  # log_level label
  port=$("$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  rm -rf "$work/data"
  TESSERA_LOG_LEVEL=$1 "$tessera" serve --host 127.0.0.1 --port "$port" --data-dir "$work/data" \
    --workers "$workers" "${serve_args[@]}" 2>"$out/server-$2.log" &
  server_pid=$!
  for _ in $(seq 200); do
    curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
    kill -0 "$server_pid" 2>/dev/null || { log "server exited; see $out/server-$2.log"; exit 1; }
    sleep 0.05
  done
  # One request by hand: the thumbnail must come back as a 256-wide JPEG.
  local width
  width=$(curl -sf -o "$out/check-$2.jpg" -D - --data-binary "@$photo" \
    -H 'Content-Type: image/jpeg' "http://127.0.0.1:$port/v1/process?pipeline=$pipeline_q" |
    tr -d '\r' | awk -F': ' 'tolower($1)=="x-image-width" {print $2}')
  if [[ "$width" != 256 ]]; then log "check request failed (width '$width')"; exit 1; fi
  rm -f "$out/check-$2.jpg"
  # The I/O threads are the ones waiting in epoll_wait (syscall 232 or epoll_pwait 281) when
  # idle; their CPU is reported apart from the handler threads and libvips' workers.
  io_tids=""
  sleep 0.2
  for task in /proc/"$server_pid"/task/*; do
    case "$(cut -d' ' -f1 "$task/syscall" 2>/dev/null)" in
      232|281) io_tids+=" ${task##*/}" ;;
    esac
  done
}
stop_server() {
  local t0=$EPOCHREALTIME rc=0
  kill -TERM "$server_pid"
  wait "$server_pid" || rc=$?
  echo "{\"event\":\"server_stopped\",\"rc\":$rc,\"stop_s\":$(calc "$EPOCHREALTIME - $t0")}" \
    >>"$out/results.jsonl"
  server_pid=""
}

# VmRSS etc. of the server every second, for its whole life; the phase column says which run.
sample_rss() {  # pid label
  local pid=$1 label=$2 t0=$EPOCHREALTIME
  while kill -0 "$pid" 2>/dev/null; do
    local rss hwm thr stat
    rss=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null) || break
    hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null) || break
    thr=$(awk '/^Threads/ {print $2}' "/proc/$pid/status" 2>/dev/null) || break
    stat=$(cut -d' ' -f14,15 "/proc/$pid/stat" 2>/dev/null) || break
    echo "$label,$(calc "$EPOCHREALTIME - $t0"),$(cat "$work/phase"),$rss,$hwm,$thr,${stat// /,}"
    sleep 1
  done >>"$out/rss.csv"
}
cpu_ticks() { cut -d' ' -f14,15 "/proc/$server_pid/stat" | awk '{print $1 + $2}'; }
# "io main handlers vips" CPU ticks so far (vips = libvips worker threads, including exited ones).
cpu_split() {
  local total
  total=$(cpu_ticks)
  for task in /proc/"$server_pid"/task/*; do
    echo "${task##*/} $(cat "$task/comm") $(sed 's/.*) //' "$task/stat" | cut -d' ' -f12,13)"
  done | awk -v io="$io_tids " -v main="$server_pid" -v total="$total" '
    { t = $(NF-1) + $NF; if (index(io, " " $1 " ")) i += t; else if ($1 == main) m += t;
      else if ($0 ~ /libvips worker/) v += t; else h += t }
    END { printf "%d %d %d %d\n", i, m, h, total - i - m - h }'
}

run_wrk() {  # connections seconds name
  local c=$1 d=$2 name=$3 t=2
  ((c < 2)) && t=1
  echo "$name" >"$work/phase"
  local l0 cpu0 cpu1 rss
  l0=$(load); cpu0=$(cpu_ticks); read -r io0 main0 h0 v0 < <(cpu_split)
  log "wrk $name: -t$t -c$c -d${d}s (load $l0)"
  TIMEFORMAT='%U %S'
  { time PHOTO="$photo" wrk -t"$t" -c"$c" -d"${d}s" --timeout 10s --latency -s "$lua" \
      "http://127.0.0.1:$port/v1/process?pipeline=$pipeline_q" >"$out/wrk-$name.txt"; } \
    2>"$work/wrk-time"
  cpu1=$(cpu_ticks); read -r io1 main1 h1 v1 < <(cpu_split)
  rss=$(awk '/^VmRSS/ {print $2}' "/proc/$server_pid/status")
  local json
  json=$(sed -n 's/^WRK_JSON //p' "$out/wrk-$name.txt")
  [[ -n "$json" ]] || { log "no WRK_JSON in wrk-$name.txt"; exit 1; }
  read -r wu ws <"$work/wrk-time"
  echo "{\"name\":\"$name\",\"connections\":$c,\"wrk_threads\":$t,\"load_start\":$l0,\"load_end\":$(load),\"server_cpu_s\":$(calc "($cpu1 - $cpu0) / $tck"),\"cpu_split_s\":{\"io\":$(calc "($io1 - $io0) / $tck"),\"main\":$(calc "($main1 - $main0) / $tck"),\"handlers\":$(calc "($h1 - $h0) / $tck"),\"vips\":$(calc "($v1 - $v0) / $tck")},\"wrk_cpu_s\":$(calc "$wu + $ws"),\"rss_kb_end\":$rss,\"wrk\":$json}" \
    >>"$out/results.jsonl"
  echo idle >"$work/phase"
}

: >"$out/results.jsonl"
echo "server,t_s,phase,vmrss_kb,vmhwm_kb,threads,utime_ticks,stime_ticks" >"$out/rss.csv"
echo idle >"$work/phase"

engine before

# 1 + 2: sweep and the long run, one server (warn level: no per-request log line).
start_server warn main
sample_rss "$server_pid" main &
sampler_pid=$!
PHOTO="$photo" wrk -t1 -c1 -d"${warmup_s}s" -s "$lua" "http://127.0.0.1:$port/v1/process?pipeline=$pipeline_q" \
  >/dev/null  # warm-up
IFS=, read -ra levels <<<"$connections"
for c in "${levels[@]}"; do run_wrk "$c" "$duration" "c$c"; done
sleep "$warmup_s"  # idle samples after the load
stop_server
wait "$sampler_pid" 2>/dev/null || true
sampler_pid=""

# The long runs, each on a fresh server so that its RSS series starts from a clean process.
IFS=, read -ra rss_levels <<<"$rss_connections"
for c in "${rss_levels[@]}"; do
  start_server warn "rss-c$c"
  sample_rss "$server_pid" "rss-c$c" &
  sampler_pid=$!
  PHOTO="$photo" wrk -t1 -c1 -d"${warmup_s}s" -s "$lua" \
    "http://127.0.0.1:$port/v1/process?pipeline=$pipeline_q" >/dev/null  # warm-up
  run_wrk "$c" "$rss_duration" "rss-c$c"
  sleep "$warmup_s"
  stop_server
  wait "$sampler_pid" 2>/dev/null || true
  sampler_pid=""
done

# 3: logging cost, each level on a fresh server, back to back.
if ((log_connections > 0)); then
  for level in warn info; do
    start_server "$level" "log-$level"
    run_wrk "$log_connections" "$duration" "log-$level-c$log_connections"
    stop_server
  done
fi

engine after
echo "load_end $(cut -d' ' -f1-3 /proc/loadavg) elapsed_s $((SECONDS - start))" >>"$out/meta.txt"

"$py" "$repo/bench/http/report.py" "$out" >"$out/summary.md"
cat "$out/summary.md"
log "results in ${out#"$repo"/}/ ($((SECONDS - start)) s)"
"$py" "$repo/bench/http/report.py" --check "$out"
