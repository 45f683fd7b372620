#!/usr/bin/env bash
# Installs the Debian 12 packages tessera needs. Idempotent: packages already present are left
# alone, and it says what it installs. Nothing is fetched from anywhere else, except the tests'
# S3 server (s3rver, pinned in tests/s3/package-lock.json) from the npm registry by
# scripts/install-s3-server.sh.
#   scripts/install-deps.sh --service  what building and running the service needs (scripts/run.sh)
#   scripts/install-deps.sh            that, and what the tests need (scripts/test.sh, CI)
#   scripts/install-deps.sh --bench    that, and the peers the benchmarks compare against
set -euo pipefail

# OpenCV comes as the -dev packages of the modules tessera links, not libopencv-dev, which
# pulls every module (55 more packages on a fresh machine; cmake/OpenCVModules.cmake).
service_pkgs=(
  build-essential cmake ninja-build ccache pkg-config curl
  libvips-dev
  libopencv-core-dev libopencv-imgproc-dev libopencv-objdetect-dev libopencv-dnn-dev
  opencv-data
  nlohmann-json3-dev libcli11-dev
  libsqlite3-dev libhiredis-dev
  libcurl4-openssl-dev libssl-dev
  libboost-dev prometheus-cpp-dev
  libgrpc++-dev libprotobuf-dev protobuf-compiler protobuf-compiler-grpc grpc-proto
)
# The test frameworks; the servers the tests start (Redis, and Node.js for s3rver); the
# independent references results are compared against (OpenCV's codecs and Python binding,
# libvips' command line); the replaced systems' own clients' dependencies (gRPC and protobuf
# for Python, boto3 and awscli for S3, onnx to write test networks); opencv-doc's photographs;
# clang for the fuzz targets and the format check; luacheck for the Redis scripts.
test_pkgs=(
  libgtest-dev libgmock-dev libbenchmark-dev
  redis-server redis-tools
  libopencv-imgcodecs-dev python3-opencv python3-numpy libvips-tools
  python3-grpcio python3-grpc-tools python3-protobuf python3-onnx
  awscli python3-boto3
  opencv-doc
  clang clang-format libclang-rt-14-dev lua-check
)
# python3-requests: the seeds' own Python clients (the Django pipeline's k8s/stress_test.py).
bench_pkgs=(imagemagick python3-pil python3-opencv python3-numpy python3-requests hyperfine time wrk)

mode=${1:-}
case "$mode" in
  --service) want=("${service_pkgs[@]}") ;;
  "") want=("${service_pkgs[@]}" "${test_pkgs[@]}") ;;
  --bench) want=("${service_pkgs[@]}" "${test_pkgs[@]}" "${bench_pkgs[@]}") ;;
  *)
    echo "usage: scripts/install-deps.sh [--service|--bench]" >&2
    exit 2
    ;;
esac
# Node.js and npm run the tests' S3 server; a Node.js that came with its own npm is kept.
if [[ "$mode" != "--service" ]] && ! command -v npm >/dev/null; then want+=(nodejs npm); fi

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#want[@]} packages present"
else
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
  echo "install-deps: installing ${#missing[@]} of ${#want[@]} packages (and what they depend on):"
  echo "  ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
if [[ "$mode" != "--service" ]]; then exec "$(dirname "$0")/install-s3-server.sh"; fi
