#!/usr/bin/env bash
# Lints the Redis Lua scripts (src/**/*.lua) with luacheck (Debian's lua-check), in two passes:
#   1. every file on its own, configured by .luacheckrc (Lua 5.1, Redis's globals; a script may
#      read its group's prelude names, which .luacheckrc lists);
#   2. every script with its group's prelude in front, as Redis runs it, for global names only:
#      so a name .luacheckrc lists but the prelude does not define is caught.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v luacheck >/dev/null; then
  echo "check-lua: luacheck is missing (scripts/install-deps.sh installs lua-check)"
  exit 1
fi
mapfile -t files < <(git ls-files '*.lua' | grep '^src/' || true)
if [[ ${#files[@]} -eq 0 ]]; then exit 0; fi
fail=0
luacheck --quiet --formatter plain "${files[@]}" || fail=1
for prelude in $(printf '%s\n' "${files[@]}" | grep '/prelude\.lua$' || true); do
  prelude_lines=$(wc -l <"$prelude")
  for script in "$(dirname "$prelude")"/*.lua; do
    [[ "$script" == "$prelude" ]] && continue
    # Line numbers of the combined text are mapped back onto the script.
    if ! out=$(cat "$prelude" "$script" |
      luacheck --no-config --std lua51 --read-globals redis KEYS ARGV --only 11 \
        --formatter plain -); then
      echo "$out" | awk -F: -v f="$script" -v n="$prelude_lines" \
        '{ line = $2 - n; sub(/^[^:]*:[^:]*:/, ""); print f ":" line ":" $0 " (with its prelude)" }'
      fail=1
    fi
  done
done
if [[ $fail -eq 0 ]]; then echo "check-lua: ok (${#files[@]} files)"; fi
exit $fail
