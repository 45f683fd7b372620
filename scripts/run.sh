#!/usr/bin/env bash
# Installs dependencies, builds tessera and runs it on the sample images in tests/data: each
# becomes a 256 px attention-cropped thumbnail (tessera-out/thumbs) and an 800 px sharpened web
# copy (tessera-out/web), in its own format. Extra arguments go to `tessera process`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$(nproc)"
echo "== tessera ops (what a pipeline can do)"
build/tessera ops | grep -v '^    '
samples=(tests/data/*.jpg tests/data/*.png tests/data/*.webp tests/data/*.tif tests/data/*.gif)
echo "== thumbnails: tessera process <${#samples[@]} samples> -o tessera-out/thumbs -p 'thumbnail:w=256,crop=attention'"
build/tessera process "${samples[@]}" -o tessera-out/thumbs -p 'thumbnail:w=256,crop=attention' "$@"
echo "== tessera process <samples> -o tessera-out/web -p 'resize:w=800;sharpen:sigma=1;format:q=85'"
build/tessera process "${samples[@]}" -o tessera-out/web -p 'resize:w=800;sharpen:sigma=1;format:q=85' "$@"
echo "== results in $(pwd)/tessera-out"
