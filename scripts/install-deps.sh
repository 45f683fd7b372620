#!/usr/bin/env bash
# Installs every Debian 12 package tessera needs to build, test and benchmark.
# Idempotent: packages already present are left alone. Nothing is fetched from anywhere else,
# except the tests' S3 server (s3rver, pinned in tests/s3/package-lock.json) from the npm
# registry by scripts/install-s3-server.sh.
#   scripts/install-deps.sh          build + test dependencies
#   scripts/install-deps.sh --bench  also the peers the benchmarks compare against
set -euo pipefail

build_pkgs=(
  build-essential cmake ninja-build ccache pkg-config
  libvips-dev libopencv-dev libopencv-dnn-dev libopencv-objdetect-dev
  opencv-data
  nlohmann-json3-dev libcli11-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libsqlite3-dev libhiredis-dev redis-server redis-tools
  libcurl4-openssl-dev libssl-dev awscli python3-boto3
  libboost-dev prometheus-cpp-dev
  libgrpc++-dev libprotobuf-dev protobuf-compiler protobuf-compiler-grpc grpc-proto
  python3-grpcio python3-grpc-tools python3-protobuf
  opencv-doc python3-opencv python3-numpy python3-onnx
  libvips-tools curl clang clang-format libclang-rt-14-dev
  lua-check
)
# python3-requests: the seeds' own Python clients (the Django pipeline's k8s/stress_test.py).
bench_pkgs=(imagemagick python3-pil python3-opencv python3-numpy python3-requests hyperfine time wrk)

# Node.js and npm run the tests' S3 server; a Node.js that came with its own npm is kept.
if ! command -v npm >/dev/null; then build_pkgs+=(nodejs npm); fi

want=("${build_pkgs[@]}")
if [[ "${1:-}" == "--bench" ]]; then want+=("${bench_pkgs[@]}"); fi

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#want[@]} packages present"
  exec "$(dirname "$0")/install-s3-server.sh"
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
exec "$(dirname "$0")/install-s3-server.sh"
