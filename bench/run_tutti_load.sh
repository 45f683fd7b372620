#!/usr/bin/env bash
# tutti's load shape (bench/tutti_load.py) against a fresh `tessera serve --compat tutti` on a
# free loopback port, with BASE_PATH and N_WORKERS set as tutti was run.
#
#   bench/run_tutti_load.sh [build dir] [total] [concurrency] [small JPEG]
#
# The small JPEG defaults to one made here (1600x1067, under 1920 px wide); the big file is it
# padded past 8192 KiB; the text file is tutti's kind of text upload.
set -euo pipefail
build=${1:-build}
total=${2:-3000}
concurrency=${3:-500}
small=${4:-}
work=$(mktemp -d /tmp/tutti-load.XXXXXX)
mkdir -p "$work/images" "$work/data"

if [[ -z $small ]]; then
  small=$work/small.jpg
  vips gaussnoise "$work/noise.v" 1600 1067 --mean 128 --sigma 40
  vips gaussblur "$work/noise.v" "$small[Q=90]" 1.5
fi
cp "$small" "$work/small.jpg.in"
python3=/usr/bin/python3
"$python3" - "$work/small.jpg.in" "$work/big.jpg" <<'PY'
import sys
data = open(sys.argv[1], "rb").read()
open(sys.argv[2], "wb").write(data + b"\0" * (9 * 1024 * 1024 - len(data)))
PY
printf 'Random text.\n' > "$work/text.txt"

BASE_PATH=$work/images N_WORKERS=${N_WORKERS:-$(nproc)} "$build/tessera" serve --host 127.0.0.1 \
  --port 0 --no-grpc --workers 0 --data-dir "$work/data" --compat tutti \
  ${TESSERA_EXTRA_ARGS:-} 2> "$work/serve.log" &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
port=
for _ in $(seq 100); do
  port=$(grep -o '"event":"http_listening".*"port":"[0-9]*"' "$work/serve.log" 2>/dev/null |
         grep -o '"port":"[0-9]*"' | grep -o '[0-9]*' || true)
  [[ -n $port ]] && break
  sleep 0.1
done
[[ -n $port ]] || { cat "$work/serve.log"; exit 1; }

rc=0
"$python3" "$(dirname "$0")/tutti_load.py" --port "$port" --small "$work/small.jpg.in" \
  --big "$work/big.jpg" --text "$work/text.txt" --base-path "$work/images" \
  --total "$total" --concurrency "$concurrency" --pid "$pid" || rc=$?
kill -TERM $pid
serve_rc=0
wait $pid || serve_rc=$?
echo "tessera serve exited with $serve_rc: $(grep -o '"event":"serve_stopped"[^}]*' "$work/serve.log")"
[[ $serve_rc == 0 ]] || rc=1
trap - EXIT
# The server's own view: time from headers to answer written, per status.
"$python3" - "$work/serve.log" <<'PY'
import json, sys
by = {}
for line in open(sys.argv[1]):
    try:
        e = json.loads(line)
    except ValueError:
        continue
    if e.get("event") == "http_request":
        by.setdefault(e["status"], []).append(float(e["duration_ms"]))
def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(p / 100.0 * len(v)))]
print("server-side duration_ms by status:",
      json.dumps({k: {"n": len(v), "p50": round(pct(v, 50), 1), "p99": round(pct(v, 99), 1)}
                  for k, v in sorted(by.items())}))
PY
echo "server log: $work/serve.log ($(grep -c '"http_request"' "$work/serve.log") requests logged," \
     "$(grep -c '"tutti_job_failed"' "$work/serve.log" || true) tutti_job_failed)"
rm -rf "$work/images" "$work/data"
exit $rc
