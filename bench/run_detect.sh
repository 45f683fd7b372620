#!/usr/bin/env bash
# Detection benchmark: tessera's detectors against OpenCV's Python binding on the same model
# files and the same 1080p photographs, in the same run. Results go in bench/RESULTS.md.
#   bench/run_detect.sh [BUILD_DIR] [ITERS]
# Inputs (made here, from Debian's opencv-doc samples, into bench/photos/detect/, git-ignored):
# messi5.jpg, basketball1.png, the first frame of vtest.avi and building.jpg, each scaled with
# cubic interpolation and centre-cropped to 1920x1080 and saved as PNG (lossless, so both tools
# read the same pixels).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$repo/build}
iters=${2:-5}
out=$repo/bench/photos/detect
mkdir -p "$out"
/usr/bin/python3 - "$out" <<'PY'
import sys
import cv2
out = sys.argv[1]
data = "/usr/share/doc/opencv-doc/examples/data/"
cap = cv2.VideoCapture(data + "vtest.avi")
ok, vtest = cap.read()
sources = {"messi": cv2.imread(data + "messi5.jpg"),
           "basketball": cv2.imread(data + "basketball1.png"),
           "vtest": vtest,
           "building": cv2.imread(data + "building.jpg")}
for name, img in sources.items():
    h, w = img.shape[:2]
    s = max(1920 / w, 1080 / h)
    big = cv2.resize(img, (round(w * s), round(h * s)), interpolation=cv2.INTER_CUBIC)
    y = (big.shape[0] - 1080) // 2
    x = (big.shape[1] - 1920) // 2
    cv2.imwrite(f"{out}/{name}-1080p.png", big[y:y + 1080, x:x + 1920])
PY
photos=("$out"/*-1080p.png)
echo "# machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "# $(date -u +%FT%TZ) git $(git -C "$repo" rev-parse --short HEAD), iters=$iters"
# The two tools alternate model by model, so a change in the machine's load between them
# (other processes) is as short as it can be.
for model in face face_alt face_lbp profile_face eye full_body upper_body people; do
  "$build/bench/tessera_detect_bench" --iters "$iters" --models "$model" "${photos[@]}"
  /usr/bin/python3 "$repo/bench/peers/detect_peer.py" --iters "$iters" --models "$model" "${photos[@]}"
done
# Throughput with two detections at once (the pool keeps one model instance per thread).
"$build/bench/tessera_detect_bench" --iters "$iters" --threads 2 "${photos[@]}"
