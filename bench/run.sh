#!/usr/bin/env bash
# One command for the engine benchmark: installs the bench dependencies, fetches the photos,
# builds tessera_engine_bench, runs tessera and its peers on the same photos, and writes
#   bench/out/<run>/results.jsonl   one JSON line per (tool, op, threads)
#   bench/out/<run>/results.md      the table, with ratios tessera/peer (higher = tessera faster)
#   bench/out/<run>/images/...      each tool's output of each op, to eyeball equivalence
#
#   bench/run.sh                full run: 5 photos (4.1 MP), 3 timed iterations + 1 warm-up
#   bench/run.sh --smoke        CI smoke: one 256x160 image, 1 iteration, no warm-up (< 30 s
#                               once built; checks that every tool runs, not how fast)
# Options: --iters N, --warmup N, --ops a,b,c, --peers vips,magick,pil,cv2 (or "none"),
#          --no-deps (skip scripts/install-deps.sh), --no-build,
#          --compare (then compare with the last recorded run, bench/baseline/engine.jsonl,
#          through bench/compare_runs.py; exit 1 if an op regressed),
#          --record (make this run the recorded one).
# Environment: BENCH_BUILD_DIR (default build-bench; never build/, which is someone else's).
#
# The figures are only comparable within one run on one machine; see bench/RESULTS.md.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
smoke=0; iters=3; warmup=1; deps=1; build=1; compare=0; record=0
ops=""
peers="vips,magick,pil,cv2"
while (($#)); do
  case "$1" in
    --smoke) smoke=1 ;;
    --iters) iters=$2; shift ;;
    --warmup) warmup=$2; shift ;;
    --ops) ops=$2; shift ;;
    --peers) peers=$2; shift ;;
    --no-deps) deps=0 ;;
    --no-build) build=0 ;;
    --compare) compare=1 ;;
    --record) record=1 ;;
    -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

# Debian's interpreter: the one on PATH may not see python3-pil / python3-opencv.
py=/usr/bin/python3
build_dir="${BENCH_BUILD_DIR:-$repo/build-bench}"
# libvips warns about some photos' EXIF resolution unit on every load; the warning is harmless.
export VIPS_WARNING=0

log() { echo "run.sh: $*" >&2; }

if ((deps)); then "$repo/scripts/install-deps.sh" --bench >&2; fi
"$repo/scripts/fetch-bench-photos.sh" >&2

if ((build)); then
  export CCACHE_BASEDIR="$repo"
  if [[ ! -f "$build_dir/build.ninja" ]]; then
    cmake -S "$repo" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DTESSERA_BUILD_BENCH=ON >&2
  fi
  cmake --build "$build_dir" -j2 --target tessera_engine_bench >&2
fi
bench_bin="$build_dir/bench/tessera_engine_bench"

if [[ -z "$ops" ]]; then
  ops="thumbnail,resize,blur,sharpen,sobel,brightness_contrast"
  ((smoke)) || ops+=",reencode"  # the decode+encode baseline; skipped to keep --smoke short
fi
if ((smoke)); then
  files=("$repo/bench/photos/derived/smoke.jpg")
  iters=1; warmup=0; startup_reps=1
  run=smoke
else
  files=("$repo"/bench/photos/*.jpg)
  startup_reps=5
  run=$(date -u +%Y%m%dT%H%M%SZ)
fi
out="$repo/bench/out/$run"
rm -rf "$out"
mkdir -p "$out/images"
results="$out/results.jsonl"
: >"$results"
start=$SECONDS

{
  echo "# date $(date -u +%FT%TZ)"
  echo "# host nproc=$(nproc) cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs)" \
       "ram=$(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
  echo "# load $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min) at start"
  echo "# git $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo '?')" \
       "uncommitted in src/: $(git -C "$repo" status --porcelain -- src 2>/dev/null | wc -l) path(s)"
  echo "# files ${files[*]#"$repo"/}"
  echo "# iters $iters warmup $warmup"
} >>"$results"

IFS=, read -ra op_list <<<"$ops"
IFS=, read -ra peer_list <<<"$peers"
# Ops outer, tools inner: the other load on a shared machine drifts over minutes, and running
# every tool on one op back to back keeps the drift from favouring whichever tool runs first.
for op in "${op_list[@]}"; do
  log "tessera $op (engine in-process, threads 1 and 2)"
  "$bench_bin" --iters "$iters" --warmup "$warmup" --threads 1,2 --ops "$op" \
    --save-dir "$out/images/tessera" "${files[@]}" >>"$results"
  for peer in "${peer_list[@]}"; do
    [[ "$peer" == none ]] && continue
    log "$peer $op"
    case "$peer" in
      vips|magick)
        "$py" "$repo/bench/peers/cli_peers.py" --tool "$peer" --op "$op" --iters "$iters" \
          --warmup "$warmup" --startup-reps "$startup_reps" --out-dir "$out/images/$peer" \
          "${files[@]}" >>"$results" ;;
      pil|cv2)
        "$py" "$repo/bench/peers/py_peers.py" --lib "$peer" --op "$op" --iters "$iters" \
          --warmup "$((warmup > 0 ? warmup : 1))" --save-dir "$out/images/$peer" \
          "${files[@]}" >>"$results" ;;
      *) echo "run.sh: unknown peer $peer" >&2; exit 2 ;;
    esac
  done
done
echo "# load $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min) at end; $((SECONDS - start)) s" \
  >>"$results"

"$py" "$repo/bench/report.py" "$results" >"$out/results.md"
if [[ -d "$out/images/tessera" ]]; then
  {
    echo
    echo "Output equivalence: mean |peer - tessera| per sample (0..255), over the saved outputs:"
    echo
    "$py" "$repo/bench/compare_outputs.py" "$out/images"
  } >>"$out/results.md"
fi
cat "$out/results.md"
log "results in ${out#"$repo"/}/ ($((SECONDS - start)) s)"
baseline="$repo/bench/baseline/engine.jsonl"
status=0
if ((compare)); then
  "$py" "$repo/bench/compare_runs.py" "$baseline" "$results" | tee "$out/compare.md" || status=$?
fi
if ((record)); then
  mkdir -p "$(dirname "$baseline")"
  cp "$results" "$baseline"
  log "recorded as ${baseline#"$repo"/}"
fi
exit "$status"
