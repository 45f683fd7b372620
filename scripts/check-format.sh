#!/usr/bin/env bash
# Fails if any C++ file differs from clang-format 14's output (the pinned formatter: Debian 12's).
# scripts/check-format.sh --fix rewrites the files instead.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.cc' '*.h' | grep -vE '^(third_party)/' || true)
if [[ ${#files[@]} -eq 0 ]]; then exit 0; fi
if [[ "${1:-}" == "--fix" ]]; then
  clang-format -i "${files[@]}"
  exit 0
fi
if ! clang-format --dry-run --Werror "${files[@]}" 2>/tmp/tessera-format.log; then
  head -40 /tmp/tessera-format.log
  echo "check-format: run scripts/check-format.sh --fix"
  exit 1
fi
echo "check-format: ok (${#files[@]} files)"
