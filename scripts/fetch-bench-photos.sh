#!/usr/bin/env bash
# Fetches the benchmark photographs into bench/photos/ (git-ignored; never commit them).
#
# Source: Debian 12's plasma-workspace-wallpapers package (KDE Plasma 5.27 wallpapers), which
# ships real photographs as 2560x1600 JPEGs, fetched with `apt-get download` and unpacked with
# `dpkg -x` (no installation, nothing from outside the Debian archive). Other wallpaper packages
# were checked and not used: gnome-backgrounds 43 is WebP/SVG renders, ukui-wallpapers and
# desktop-base are mostly renders, mate-backgrounds' photos are only 1680-2560 px wide (two of
# them exactly 1920, which would make `resize:w=1920` a no-op).
#
# Produces (all sRGB 8-bit JPEG):
#   bench/photos/evening-glow.jpg     2560x1600 4.1 MP  boats at sunset (lots of detail)
#   bench/photos/fallen-leaf.jpg      2560x1600 4.1 MP  leaves, shallow depth of field
#   bench/photos/one-stands-out.jpg   2560x1600 4.1 MP  moss close-up (high-frequency detail)
#   bench/photos/path.jpg             2560x1600 4.1 MP  forest path
#   bench/photos/colorful-cups.jpg    2560x1600 4.1 MP  stacked cups (ICC profile embedded)
#   bench/photos/derived/photo-2mp.jpg   1789x1118  2.0 MP  (evening-glow, lanczos3 down, Q=90)
#   bench/photos/derived/photo-20mp.jpg  5657x3536 20.0 MP  (one-stands-out, lanczos3 UP, Q=90;
#                                       an upscale is smoother than a native 20 MP photo, so it
#                                       compresses and decodes a little faster than one)
#   bench/photos/derived/smoke.jpg     256x160           (for bench/run.sh --smoke)
#   bench/photos/SOURCES.txt           provenance (package, version, original paths)
# Idempotent: does nothing when every file is already present; the .deb (94 MB) is kept in
# bench/photos/.cache/ so a re-run after deleting photos does not download again.
# Needs apt-get, dpkg, vips (libvips-tools).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
dest="$repo/bench/photos"
cache="$dest/.cache"
pkg=plasma-workspace-wallpapers

# name in bench/photos  <-  wallpaper directory in the package
declare -A photos=(
  [evening-glow]=EveningGlow
  [fallen-leaf]=FallenLeaf
  [one-stands-out]=OneStandsOut
  [path]=Path
  [colorful-cups]=ColorfulCups
)

all_present() {
  local n
  for n in "${!photos[@]}"; do [[ -s "$dest/$n.jpg" ]] || return 1; done
  for n in photo-2mp photo-20mp smoke; do [[ -s "$dest/derived/$n.jpg" ]] || return 1; done
  [[ -s "$dest/SOURCES.txt" ]]
}

if all_present; then
  echo "fetch-bench-photos: photos present in $dest"
  exit 0
fi

for tool in apt-get dpkg vips; do
  command -v "$tool" >/dev/null || { echo "fetch-bench-photos: $tool not found" >&2; exit 1; }
done
mkdir -p "$cache" "$dest/derived"

deb=$(ls "$cache"/${pkg}_*.deb 2>/dev/null | head -1 || true)
if [[ -z "$deb" ]]; then
  # apt-get download needs the package lists; fetch them once if they are missing.
  if ! apt-cache show "$pkg" >/dev/null 2>&1; then
    SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
    $SUDO apt-get update -qq
  fi
  # As root, apt warns that the _apt user cannot write here; harmless.
  (cd "$cache" && apt-get download -q "$pkg" 2>&1 | grep -v 'unsandboxed' || true)
  deb=$(ls "$cache"/${pkg}_*.deb 2>/dev/null | head -1 || true)
  [[ -n "$deb" ]] || { echo "fetch-bench-photos: apt-get download $pkg failed" >&2; exit 1; }
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dpkg -x "$deb" "$tmp"
version=$(dpkg-deb -f "$deb" Version)

{
  echo "Benchmark photos, extracted by scripts/fetch-bench-photos.sh on $(date -u +%F)"
  echo "package: $pkg $version (Debian 12), $(basename "$deb")"
  echo "licences: see /usr/share/doc/$pkg/copyright inside the package"
} >"$tmp/SOURCES.txt"

for n in "${!photos[@]}"; do
  src="$tmp/usr/share/wallpapers/${photos[$n]}/contents/images/2560x1600.jpg"
  [[ -s "$src" ]] || { echo "fetch-bench-photos: $src missing from $deb" >&2; exit 1; }
  cp "$src" "$dest/$n.jpg"
  echo "$n.jpg <- /usr/share/wallpapers/${photos[$n]}/contents/images/2560x1600.jpg" \
    >>"$tmp/SOURCES.txt"
done
cp "$tmp/usr/share/doc/$pkg/copyright" "$dest/COPYRIGHT.$pkg" 2>/dev/null || true

# Derived sizes. vips resize scales; Q=90 keeps the derived files close to camera quality.
vips resize "$dest/evening-glow.jpg" "$dest/derived/photo-2mp.jpg[Q=90]" 0.69883 2>/dev/null
vips resize "$dest/one-stands-out.jpg" "$dest/derived/photo-20mp.jpg[Q=90]" 2.20977 2>/dev/null
vips resize "$dest/evening-glow.jpg" "$dest/derived/smoke.jpg[Q=90]" 0.1 2>/dev/null
{
  echo "derived/photo-2mp.jpg  <- evening-glow.jpg, vips resize 0.69883 (lanczos3), Q=90"
  echo "derived/photo-20mp.jpg <- one-stands-out.jpg, vips resize 2.20977 (lanczos3 upscale), Q=90"
  echo "derived/smoke.jpg      <- evening-glow.jpg, vips resize 0.1, Q=90"
} >>"$tmp/SOURCES.txt"
mv "$tmp/SOURCES.txt" "$dest/SOURCES.txt"

for f in "$dest"/*.jpg "$dest"/derived/*.jpg; do
  printf '%-32s %5sx%-5s %8s bytes\n' "${f#"$repo"/}" "$(vipsheader -f width "$f" 2>/dev/null)" \
    "$(vipsheader -f height "$f" 2>/dev/null)" "$(stat -c %s "$f")"
done
