#!/usr/bin/env bash
# Installs the S3-speaking server the tests and benchmarks start on a loopback port: s3rver,
# at the version pinned in tests/s3/package-lock.json, into tests/s3/node_modules (npm ci: the
# lock file decides, nothing is resolved anew). Skipped when that version is already there.
set -euo pipefail
cd "$(dirname "$0")/../tests/s3"
want=$(node -p "require('./package-lock.json').packages['node_modules/s3rver'].version")
have=$(node -p "try { require('./node_modules/s3rver/package.json').version } catch (e) { '' }")
if [[ "$have" == "$want" ]]; then
  echo "install-s3-server: s3rver $have present"
  exit 0
fi
echo "install-s3-server: installing s3rver $want"
npm ci --no-audit --no-fund --omit=dev
