#!/usr/bin/python3
"""Pillow and OpenCV peers for the tessera engine benchmark, timed in-process.

Run with Debian's interpreter (/usr/bin/python3), which sees python3-pil and python3-opencv:

  /usr/bin/python3 bench/peers/py_peers.py --lib pil|cv2 --op OP [--iters N] [--warmup N]
                   [--save-dir DIR] FILE...

Prints one JSON line with the same fields as tessera_engine_bench (threads is always 1).
Each timed call takes the encoded JPEG bytes already in memory and returns encoded JPEG q=80
bytes, like engine::Process: decode + op + encode; interpreter start-up, imports and file reads
are outside the timing. Peak RSS is this process's (interpreter + numpy/cv2/PIL included), so
run one (lib, op) per process, as bench/run.sh does.

Equivalence with tessera's pipeline, op by op (where it is only approximate, it says so):
  thumbnail  fit in 256x256.  PIL: Image.thumbnail(LANCZOS), which uses JPEG draft (DCT-domain
             shrink-on-load) with reducing_gap=2, like libvips' shrink-on-load.
             cv2: imdecode with IMREAD_REDUCED_COLOR_{2,4,8} (its shrink-on-load, largest factor
             that keeps >= 2x the target) then resize INTER_AREA.
  resize     to 1920 px wide, aspect kept.  PIL: resize(LANCZOS) (tessera: libvips lanczos3).
             cv2: resize INTER_AREA, OpenCV's recommended downscaling filter (a box average, not
             lanczos3: APPROXIMATE; INTER_LANCZOS4 does not antialias when shrinking).
  blur       Gaussian sigma=5.  cv2: GaussianBlur 31x31 (radius ceil(3 sigma), as tessera),
             BORDER_REPLICATE: the same OpenCV call tessera makes.  PIL: ImageFilter.GaussianBlur(5),
             which Pillow computes as three extended box blurs: APPROXIMATE Gaussian.
  sharpen    unsharp mask sigma=1, amount 1, threshold 0.  PIL: ImageFilter.UnsharpMask(radius=1,
             percent=100, threshold=0) (Pillow's radius is its Gaussian's sigma; box-blur
             approximation as above).  cv2: GaussianBlur 7x7 sigma 1 + addWeighted(2, -1).
  sobel      8-bit grey Sobel gradient magnitude.  cv2: cvtColor GRAY, Sobel dx/dy CV_16S
             BORDER_REPLICATE, magnitude sqrt(gx^2+gy^2) saturated to 8 bits: same maths as
             tessera.  PIL has no Sobel: convert("L"), four 3x3 Kernel filters (+/-x, +/-y; each
             clips negatives), summed with ImageChops.add: |gx|+|gy| (L1 norm, not L2):
             APPROXIMATE, and 4 convolutions instead of 2.
  brightness_contrast  x1.2 then contrast x1.2.  PIL: ImageEnhance.Brightness then
             ImageEnhance.Contrast, which pivots on the image's mean grey where tessera pivots on
             128 (APPROXIMATE; Pillow also pays a histogram pass for the mean).  cv2: one 256-entry
             LUT (cv2.LUT) holding both steps with tessera's rounding and clamping: same result,
             one pass.
  reencode   decode + encode only (not in the default set).
JPEG encoding: q=80, 4:2:0 chroma (both libraries' default below q=90), no Huffman
optimisation (both default off; tessera turns it on, which costs it a few % of encode time).
"""
import argparse
import io
import json
import os
import resource
import statistics
import sys
import time

OPS = ["thumbnail", "resize", "blur", "sharpen", "sobel", "brightness_contrast", "reencode"]


def pil_ops():
    from PIL import Image, ImageChops, ImageEnhance, ImageFilter

    sobel_kernels = [
        ImageFilter.Kernel((3, 3), k, scale=1, offset=0)
        for k in (
            (-1, 0, 1, -2, 0, 2, -1, 0, 1),
            (1, 0, -1, 2, 0, -2, 1, 0, -1),
            (-1, -2, -1, 0, 0, 0, 1, 2, 1),
            (1, 2, 1, 0, 0, 0, -1, -2, -1),
        )
    ]

    def encode(im):
        out = io.BytesIO()
        im.save(out, "JPEG", quality=80)
        return out.getvalue()

    def thumbnail(im):
        im.thumbnail((256, 256), Image.LANCZOS)
        return im

    def resize(im):
        w, h = im.size
        if w <= 1920:
            return im
        return im.resize((1920, max(1, round(h * 1920 / w))), Image.LANCZOS)

    def sobel(im):
        g = im.convert("L")
        parts = [g.filter(k) for k in sobel_kernels]
        return ImageChops.add(ImageChops.add(parts[0], parts[1]),
                              ImageChops.add(parts[2], parts[3]))

    def bc(im):
        im = ImageEnhance.Brightness(im).enhance(1.2)
        return ImageEnhance.Contrast(im).enhance(1.2)

    table = {
        "thumbnail": thumbnail,
        "resize": resize,
        "blur": lambda im: im.filter(ImageFilter.GaussianBlur(5)),
        "sharpen": lambda im: im.filter(ImageFilter.UnsharpMask(radius=1, percent=100,
                                                                threshold=0)),
        "sobel": sobel,
        "brightness_contrast": bc,
        "reencode": lambda im: im,
    }

    def make(op):
        f = table[op]

        def run(data):
            im = Image.open(io.BytesIO(data))
            if op != "thumbnail":
                im.load()  # thumbnail() must see the undecoded file to use draft mode
            return encode(f(im))

        return run

    def size(data):
        return Image.open(io.BytesIO(data)).size

    return make, size


def cv2_ops():
    import cv2
    import numpy as np

    cv2.setNumThreads(1)  # one core per image, as tessera's engine is initialised here
    params = [cv2.IMWRITE_JPEG_QUALITY, 80]

    def decode(data, flags=cv2.IMREAD_COLOR):
        return cv2.imdecode(np.frombuffer(data, np.uint8), flags)

    def encode(img):
        ok, buf = cv2.imencode(".jpg", img, params)
        assert ok
        return buf.tobytes()

    def thumbnail(data):
        # cv2 has no header-only read; take the size from the JPEG's SOF marker (microseconds).
        w, h = jpeg_size(data)
        longest = max(w, h)
        flags = cv2.IMREAD_COLOR
        for factor, f in ((8, cv2.IMREAD_REDUCED_COLOR_8), (4, cv2.IMREAD_REDUCED_COLOR_4),
                          (2, cv2.IMREAD_REDUCED_COLOR_2)):
            if longest / factor >= 2 * 256:
                flags = f
                break
        img = decode(data, flags)
        h2, w2 = img.shape[:2]
        s = 256 / max(w2, h2)
        if s < 1:
            img = cv2.resize(img, (max(1, round(w2 * s)), max(1, round(h2 * s))),
                             interpolation=cv2.INTER_AREA)
        return encode(img)

    def resize(data):
        img = decode(data)
        h, w = img.shape[:2]
        if w > 1920:
            img = cv2.resize(img, (1920, max(1, round(h * 1920 / w))),
                             interpolation=cv2.INTER_AREA)
        return encode(img)

    def blur(data):
        img = decode(data)
        return encode(cv2.GaussianBlur(img, (31, 31), 5, borderType=cv2.BORDER_REPLICATE))

    def sharpen(data):
        img = decode(data)
        b = cv2.GaussianBlur(img, (7, 7), 1, borderType=cv2.BORDER_REPLICATE)
        return encode(cv2.addWeighted(img, 2.0, b, -1.0, 0))

    def sobel(data):
        grey = cv2.cvtColor(decode(data), cv2.COLOR_BGR2GRAY)
        gx = cv2.Sobel(grey, cv2.CV_16S, 1, 0, ksize=3, borderType=cv2.BORDER_REPLICATE)
        gy = cv2.Sobel(grey, cv2.CV_16S, 0, 1, ksize=3, borderType=cv2.BORDER_REPLICATE)
        mag = cv2.magnitude(gx.astype(np.float32), gy.astype(np.float32))
        return encode(cv2.convertScaleAbs(mag))  # rounds and saturates to 0..255

    v = np.arange(256, dtype=np.float64)
    step1 = np.clip(np.round(v * 1.2), 0, 255)
    lut = np.clip(np.round(step1 * 1.2 + 128 * (1 - 1.2)), 0, 255).astype(np.uint8)

    def bc(data):
        return encode(cv2.LUT(decode(data), lut))

    table = {"thumbnail": thumbnail, "resize": resize, "blur": blur, "sharpen": sharpen,
             "sobel": sobel, "brightness_contrast": bc, "reencode": lambda d: encode(decode(d))}
    return (lambda op: table[op]), jpeg_size


def jpeg_size(data):
    """(width, height) from a JPEG's SOFn marker."""
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            i += 1
            continue
        marker = data[i + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7 or marker == 0xFF:
            i += 1 if marker == 0xFF else 2
            continue
        seg = int.from_bytes(data[i + 2:i + 4], "big")
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            h = int.from_bytes(data[i + 5:i + 7], "big")
            w = int.from_bytes(data[i + 7:i + 9], "big")
            return w, h
        i += 2 + seg
    raise ValueError("no SOF marker")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lib", choices=["pil", "cv2"], required=True)
    ap.add_argument("--op", choices=OPS, required=True)
    ap.add_argument("--iters", type=int, default=3)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--save-dir")
    ap.add_argument("files", nargs="+")
    a = ap.parse_args()

    make, _ = pil_ops() if a.lib == "pil" else cv2_ops()
    run = make(a.op)
    inputs = []
    for f in a.files:
        with open(f, "rb") as fh:
            data = fh.read()
        w, h = jpeg_size(data)
        inputs.append((os.path.splitext(os.path.basename(f))[0], data, w * h / 1e6))

    for w in range(a.warmup):
        for name, data, _ in inputs:
            out = run(data)
            if w == 0 and a.save_dir:
                d = os.path.join(a.save_dir, a.op)
                os.makedirs(d, exist_ok=True)
                with open(os.path.join(d, name + ".jpg"), "wb") as fh:
                    fh.write(out)

    times, per_image, out_sizes, total_mpx = [], {}, [], 0.0
    wall0, cpu0 = time.perf_counter(), time.process_time()
    for _ in range(a.iters):
        for name, data, mpx in inputs:
            t0 = time.perf_counter()
            out = run(data)
            ms = (time.perf_counter() - t0) * 1000
            times.append(ms)
            per_image.setdefault(name, []).append(ms)
            out_sizes.append(len(out))
            total_mpx += mpx
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    times.sort()
    n = len(times)
    lib_version = __import__("PIL").__version__ if a.lib == "pil" else __import__("cv2").__version__
    print(json.dumps({
        "tool": a.lib, "version": lib_version, "op": a.op, "threads": 1,
        "images": len(inputs), "iters": a.iters,
        "median_ms": round(statistics.median(times), 2),
        "p90_ms": round(times[min(n - 1, int(0.9 * (n - 1) + 0.5))], 2),
        "per_image_ms": round(wall * 1000 / n, 2),
        "mpx_per_s": round(total_mpx / wall, 2),
        "in_mpx_mean": round(total_mpx / n, 3),
        "out_bytes": round(sum(out_sizes) / n),
        "cpu_ms": round(cpu * 1000 / n, 2),
        "per_image_median_ms": {k: round(statistics.median(v), 2) for k, v in per_image.items()},
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }))


if __name__ == "__main__":
    sys.exit(main())
