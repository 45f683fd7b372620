#!/usr/bin/env bash
# Installs dependencies, builds tessera and runs it on the sample images in tests/data:
# every image is made into a 256 px WebP thumbnail and a blurred, sharpened 800 px JPEG in
# ./tessera-out/. Any further arguments go to `tessera process` (e.g. -p 'edges').
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$(nproc)"
echo "== tessera ops (what a pipeline can do)"
build/tessera ops | grep -v '^    '
echo "== thumbnails: tessera process tests/data -o tessera-out/thumbs -p 'thumbnail:w=256;format:type=webp'"
build/tessera process tests/data -o tessera-out/thumbs -p 'thumbnail:w=256;format:type=webp' "$@" || true
echo "== tessera process tests/data -o tessera-out/web -p 'resize:w=800;sharpen:sigma=1;format:type=jpeg,q=85'"
build/tessera process tests/data -o tessera-out/web -p 'resize:w=800;sharpen:sigma=1;format:type=jpeg,q=85' "$@" || true
echo "== results in $(pwd)/tessera-out"
