#!/bin/bash
# Regenerates the small committed test images in tests/data (read by tests/unit/engine/*_test.cc
# through ReadTestData). Deterministic: no timestamps are written, so a rerun with the same tool
# versions reproduces the same bytes. Needs /usr/bin/python3 with PIL, /usr/bin/convert
# (ImageMagick; the `convert` on PATH may be a stand-in) and the `vips` CLI (8.14).
#
# Every picture derives from one asymmetric 64x48 "quadrant" image: red top-left, green top-right,
# blue bottom-left, yellow bottom-right, with a soft diagonal shading so resamplers have texture.
# Its non-square shape and four distinct corners make every EXIF orientation distinguishable.
set -euo pipefail

OUT="$(cd "$(dirname "$0")" && pwd)"
PY=/usr/bin/python3
CONVERT=/usr/bin/convert
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

"$PY" - "$OUT" "$TMP" <<'EOF'
import sys
from PIL import Image

out, tmp = sys.argv[1], sys.argv[2]
W, H = 64, 48
CORNERS = [(220, 30, 30), (30, 200, 40), (30, 40, 210), (230, 220, 40)]  # TL TR BL BR

def quadrants(w=W, h=H):
    im = Image.new("RGB", (w, h))
    px = im.load()
    for y in range(h):
        for x in range(w):
            q = (1 if x >= w // 2 else 0) + (2 if y >= h // 2 else 0)
            r, g, b = CORNERS[q]
            s = (x + y) % 16 - 8  # gentle texture, no hard detail inside a quadrant
            px[x, y] = (max(0, min(255, r + s)), max(0, min(255, g + s)), max(0, min(255, b + s)))
    return im

base = quadrants()
base.save(f"{tmp}/base.png")

# EXIF orientation N: store the picture so that applying tag N displays `base` upright.
# (The stored pixels are the inverse transform of what the tag asks the viewer to do.)
stored_for = {
    1: lambda im: im,
    2: lambda im: im.transpose(Image.Transpose.FLIP_LEFT_RIGHT),
    3: lambda im: im.transpose(Image.Transpose.ROTATE_180),
    4: lambda im: im.transpose(Image.Transpose.FLIP_TOP_BOTTOM),
    5: lambda im: im.transpose(Image.Transpose.TRANSPOSE),
    6: lambda im: im.transpose(Image.Transpose.ROTATE_90),    # viewer turns it 90 CW
    7: lambda im: im.transpose(Image.Transpose.TRANSVERSE),
    8: lambda im: im.transpose(Image.Transpose.ROTATE_270),   # viewer turns it 90 CCW
}
for n, f in stored_for.items():
    exif = Image.Exif()
    exif[0x0112] = n
    f(base).save(f"{out}/orient_{n}.jpg", quality=95, subsampling=0, exif=exif.tobytes())

# Alpha, grey, palette and tiny/extreme shapes.
rgba = base.copy()
alpha = Image.new("L", (W, H))
ap = alpha.load()
for y in range(H):
    for x in range(W):
        ap[x, y] = 255 if x < W // 2 else (0 if y < H // 2 else 128)  # opaque | clear | half
rgba.putalpha(alpha)
rgba.save(f"{out}/rgba.png", optimize=True)
grey = base.convert("L")
grey.save(f"{out}/grey.png", optimize=True)
ga = grey.copy()
ga.putalpha(alpha)
ga.save(f"{out}/grey_alpha.png", optimize=True)
pal = base.quantize(colors=16, dither=Image.Dither.NONE)
pal.save(f"{out}/palette.png", optimize=True)
pal.save(f"{out}/quadrants.gif")
# Three 16x16 frames (red, green, blue) for frame counting and the max_frames limit.
frames = [Image.new("P", (16, 16), i) for i in range(3)]
for f in frames:
    f.putpalette([255, 0, 0, 0, 255, 0, 0, 0, 255] + [0] * (253 * 3))
frames[0].save(f"{out}/animated.gif", save_all=True, append_images=frames[1:], duration=100,
               loop=0)
Image.new("RGB", (1, 1), (10, 200, 30)).save(f"{out}/1x1.png")
tall = Image.new("RGB", (1, 10000))
tp = tall.load()
for y in range(10000):
    tp[0, y] = (y % 256, (y // 40) % 256, 255 - y % 256)
tall.save(f"{out}/1x10000.png", optimize=True)

# 16-bit RGB: values that are not multiples of 257, so a silent 8-bit round trip shows.
with open(f"{tmp}/rgb16.ppm", "wb") as f:
    f.write(b"P6\n%d %d\n65535\n" % (W, H))
    data = bytearray()
    for y in range(H):
        for x in range(W):
            for v in ((x * 1021 + 7) % 65536, (y * 1361 + 11) % 65536,
                      ((x + y) * 613 + 13) % 65536):
                data += v.to_bytes(2, "big")
    f.write(data)
EOF

# 16-bit PNG through vips (PIL cannot write 16-bit RGB PNGs).
vips copy "$TMP/rgb16.ppm" "$OUT/rgb16.png"

# CMYK JPEG (ImageMagick writes an Adobe-marked CMYK JPEG, no embedded profile).
"$CONVERT" "$TMP/base.png" -colorspace CMYK -quality 95 -strip "$OUT/cmyk.jpg"

# TIFF, WebP (lossy and lossless), HEIC and AVIF through vips.
vips tiffsave "$TMP/base.png" "$OUT/quadrants.tif" --compression deflate --strip
vips webpsave "$TMP/base.png" "$OUT/quadrants.webp" --Q 90 --strip
vips webpsave "$OUT/rgba.png" "$OUT/rgba_lossless.webp" --lossless --strip
vips heifsave "$TMP/base.png" "$OUT/quadrants.heic" --Q 90 --compression hevc --strip
vips heifsave "$TMP/base.png" "$OUT/quadrants.avif" --Q 90 --compression av1 --strip

# JPEG with an ICC profile (libvips' built-in sRGB, so the bytes do not depend on the host) and
# EXIF (camera make/model, orientation 1).
vips icc_transform "$TMP/base.png" "$TMP/icc.png" srgb --input-profile srgb
"$PY" - "$OUT" "$TMP" <<'EOF'
import sys
from PIL import Image
out, tmp = sys.argv[1], sys.argv[2]
icc = Image.open(f"{tmp}/icc.png").info["icc_profile"]
exif = Image.Exif()
exif[0x010F] = "TesseraCam"   # Make
exif[0x0110] = "Model T"      # Model
exif[0x0112] = 1              # Orientation
Image.open(f"{tmp}/base.png").save(f"{out}/icc_exif.jpg", quality=90, icc_profile=icc,
                                   exif=exif.tobytes())
EOF

ls -l "$OUT"
