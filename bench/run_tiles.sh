#!/usr/bin/env bash
# Tiled-processing benchmarks (issue 5). Results are recorded in bench/RESULTS.md ("Tiled
# processing").
#
#   bench/run_tiles.sh speed     20 MP photo, blur sigma=5: `tessera process` --tiles off vs on
#                                (median of N runs each, interleaved)
#   bench/run_tiles.sh workers   the same photo as a tiled job (SQLite, 64 tiles of 512 px):
#                                1 worker process vs 2 (each --threads 1), time from the workers'
#                                start to the job's success
#   bench/run_tiles.sh huge      a 409.6 MP JPEG joined from the 5 real photos (10 x 10 tiles of
#                                2560x1600, made once with `vips arrayjoin`, kept in bench/out/,
#                                never committed) through blur sigma=5: `tessera process` and a
#                                distributed job on 2 workers, peak RSS of every process
#                                (/usr/bin/time -v)
#   bench/run_tiles.sh seed      seed 000's test as context: 5 photos, blur:k=21
# Environment: TESSERA_BIN (default build/tessera), RUNS (default 5), OUT (default
# bench/out/tiles), TILE_SIZE (huge only; default 512: memory grows with width x tile size). Needs scripts/fetch-bench-photos.sh to have run.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
bin=${TESSERA_BIN:-$repo/build/tessera}
runs=${RUNS:-5}
out=${OUT:-$repo/bench/out/tiles}
photo20=$repo/bench/photos/derived/photo-20mp.jpg
mkdir -p "$out"
export VIPS_WARNING=0

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

speed() {
  : > "$out/speed.txt"
  for i in $(seq "$runs"); do
    for mode in off on; do
      /usr/bin/time -f "$mode %e %M" -a -o "$out/speed.txt" \
        "$bin" process "$photo20" -o "$out/speed-$mode.jpg" -p 'blur:sigma=5' --tiles "$mode" -q
    done
  done
  for mode in off on; do
    echo "process --tiles $mode: median $(grep "^$mode " "$out/speed.txt" | cut -d' ' -f2 | median) s" \
         "over $runs runs; peak RSS median $(grep "^$mode " "$out/speed.txt" | cut -d' ' -f3 | median) KB"
  done
  cmp "$out/speed-off.jpg" "$out/speed-on.jpg" && echo "outputs byte-identical"
}

# Runs one tiled job of $photo20 on $1 worker processes; prints seconds from start to success.
job_on_workers() {
  local n=$1 dir
  dir=$(mktemp -d "$out/job.XXXX")
  local id
  id=$("$bin" jobs submit --data-dir "$dir" --tiles on -p 'blur:sigma=5' "$photo20" | cut -f1)
  local pids=() t0 t1
  t0=$(date +%s.%N)
  for w in $(seq "$n"); do
    "$bin" worker --data-dir "$dir" --threads 1 --tile-size 512 2> "$dir/worker$w.log" &
    pids+=($!)
  done
  until "$bin" jobs show --data-dir "$dir" "$id" | grep -q '"state": "succeeded"'; do sleep 0.05; done
  t1=$(date +%s.%N)
  kill -TERM "${pids[@]}"; wait "${pids[@]}" || true
  echo "$t1 - $t0" | bc
  rm -rf "$dir"
}

workers() {
  : > "$out/workers.txt"
  for i in $(seq "$runs"); do
    for n in 1 2; do echo "$n $(job_on_workers "$n")" >> "$out/workers.txt"; done
  done
  for n in 1 2; do
    echo "$n worker process(es): median $(grep "^$n " "$out/workers.txt" | cut -d' ' -f2 | median) s over $runs runs"
  done
}

huge() {
  local big=$out/huge-409mp.jpg
  if [[ ! -f $big ]]; then
    local list=() names=(evening-glow fallen-leaf one-stands-out path colorful-cups)
    for i in $(seq 0 99); do list+=("$repo/bench/photos/${names[$((i % 5))]}.jpg"); done
    vips arrayjoin "${list[*]}" "$big[Q=90]" --across 10
  fi
  vipsheader "$big"
  ls -l "$big"
  local tile=${TILE_SIZE:-512}
  echo "tile size $tile"
  local limits=(--max-pixels 500000000 --max-output-pixels 500000000 --max-input-bytes 1000000000)
  /usr/bin/time -v -o "$out/huge-process.time" \
    "$bin" process "$big" -o "$out/huge-out.jpg" -p 'blur:sigma=5' --tiles on \
    --tile-size "$tile" "${limits[@]}" -q
  grep -E "Elapsed|Maximum resident" "$out/huge-process.time"

  local dir
  dir=$(mktemp -d "$out/huge-job.XXXX")
  /usr/bin/time -v -o "$out/huge-submit.time" \
    "$bin" jobs submit --data-dir "$dir" --tiles on -p 'blur:sigma=5' "${limits[@]}" "$big" > "$dir/id"
  local id pids=()
  id=$(cut -f1 "$dir/id")
  local t0 t1
  t0=$(date +%s.%N)
  for w in 1 2; do
    /usr/bin/time -v -o "$out/huge-worker$w.time" \
      "$bin" worker --data-dir "$dir" --threads 1 --tile-size "$tile" "${limits[@]}" \
      2> "$dir/worker$w.log" &
    pids+=($!)
  done
  until "$bin" jobs show --data-dir "$dir" "$id" | grep -q '"state": "succeeded"'; do sleep 0.5; done
  t1=$(date +%s.%N)
  # SIGTERM the workers themselves (not /usr/bin/time, which would die without reporting).
  for p in "${pids[@]}"; do kill -TERM "$(pgrep -P "$p")"; done
  wait "${pids[@]}" || true
  echo "distributed job on 2 workers: $(echo "$t1 - $t0" | bc) s"
  for f in submit worker1 worker2; do
    echo "$f: $(grep "Maximum resident" "$out/huge-$f.time")"
  done
  grep -h -o '"event":"\(tiles_planned\|assemble_start\|job_succeeded\)"[^}]*' "$dir"/worker*.log
  "$bin" jobs result --data-dir "$dir" "$id" -o "$out/huge-job-out.jpg"
  cmp "$out/huge-out.jpg" "$out/huge-job-out.jpg" && echo "process and job outputs byte-identical"
  rm -rf "$dir"
}

# Seed 000's own test as context: 5 images, blur k=21. Here the 5 fetched 2560x1600 photos
# (seed 000's images are not available), one image at a time untiled vs tiled on all cores,
# and 2 images at a time untiled.
seed() {
  : > "$out/seed.txt"
  local photos=("$repo"/bench/photos/*.jpg)
  for i in $(seq "$runs"); do
    for mode in "off 1" "on 1" "off 2"; do
      set -- $mode
      rm -rf "$out/seed-out"
      /usr/bin/time -f "tiles=$1 -j$2 %e" -a -o "$out/seed.txt" \
        "$bin" process "${photos[@]}" -o "$out/seed-out/" -p 'blur:k=21' --tiles "$1" -j "$2" -q
    done
  done
  for mode in "tiles=off -j1" "tiles=on -j1" "tiles=off -j2"; do
    echo "5 photos, blur:k=21, $mode: median $(grep "^$mode " "$out/seed.txt" | cut -d' ' -f3 | median) s over $runs runs"
  done
}

case "${1:-}" in
  seed) seed ;;
  speed) speed ;;
  workers) workers ;;
  huge) huge ;;
  *) sed -n '2,21p' "$0"; exit 2 ;;
esac
