#!/usr/bin/python3
"""Command-line peers for the tessera engine benchmark: libvips' CLI and ImageMagick.

  /usr/bin/python3 bench/peers/cli_peers.py --tool vips|magick --op OP [--iters N] [--warmup N]
                   [--out-dir DIR] FILE...

Runs the tool once per (image, iteration), timing each run from spawn to exit (so the figure
includes process start-up, library initialisation and reading/writing the files, which is what
a user pays per image with a CLI; the in-process peers and tessera do not pay it). Peak RSS is
the largest ru_maxrss of any run and cpu_ms the mean user+system CPU time per run (both from
os.wait4; cpu_ms includes start-up too). Prints one JSON line with the same fields as
tessera_engine_bench, plus "startup_ms": the median time of a do-nothing invocation of the
same tool (`vips --version`, `convert -version`), to subtract mentally.

Both tools are held to one thread per image, like tessera in this benchmark:
VIPS_CONCURRENCY=1, MAGICK_THREAD_LIMIT=1 (and OMP_NUM_THREADS=1).
ImageMagick is /usr/bin/convert (the `convert` on PATH may be a stand-in script).

Equivalence with tessera's pipeline (JPEG in, op, JPEG q=80 out), op by op:
  thumbnail  vipsthumbnail -s 256 (shrink-on-load, lanczos3: the same libvips call as tessera).
             convert -define jpeg:size=512x512 -thumbnail 256x256: jpeg:size is libjpeg DCT
             shrink-on-load (keeping >= 2x the target), -thumbnail also strips metadata.
  resize     vipsthumbnail -s 1920x (width only; tessera also uses libvips thumbnail, lanczos3).
             convert -resize "1920x>" (shrink only; IM's default filter when shrinking: Lanczos).
  blur       vips gaussblur 5 --min-ampl 0.0111: a 31-tap mask like tessera's radius ceil(3 sigma)
             (libvips' default min_ampl 0.2 would cut it to 17 taps: faster, less accurate).
             convert -blur 0x5 (separable; -gaussian-blur is the same maths as a slow 2-D
             convolution; IM sizes the kernel itself).
  sharpen    vips sharpen --sigma 1: APPROXIMATE. libvips' sharpen works on L* in LAB with a
             piecewise gain (x1, m1, m2) rather than a plain RGB unsharp mask, and its CLI cannot
             express the plain mask without intermediate files.
             convert -unsharp 0x1+1+0: the plain unsharp mask (radius auto, sigma 1, amount 1,
             threshold 0). (-sharpen 0x1 would be a different, Gaussian-derived operator.)
  sobel      vips colourspace b-w -> .v file in /dev/shm, then vips sobel: two processes, run
             one after the other (a shell pipe would run them concurrently). libvips' uchar
             Sobel is a fast low-precision path; it outputs |gx|+|gy| style magnitude:
             APPROXIMATE.
             convert -colorspace Gray -define morphology:compose=Lighten
             -morphology Convolve 'Sobel:>': IM's documented edge magnitude, the maximum over 4
             rotations of the kernel (max(|gx|,|gy|), not sqrt(gx^2+gy^2)): APPROXIMATE, and 4
             convolutions instead of 2.
  brightness_contrast  vips linear 1.44 -25.6 --uchar: both steps fused into one linear map, one
             clamp instead of two (differs from tessera only where x1.2 already clips).
             convert -evaluate Multiply 1.2 -function Polynomial 1.2,-0.10039: the two steps
             with IM's clamp in between (Q16, non-HDRI), i.e. tessera's maths.
  reencode   vips copy / convert: decode + encode only (not in the default set).
JPEG: q=80, 4:2:0 chroma (both tools' default below q=90). ImageMagick turns on Huffman
optimisation for images this size, libvips does not (tessera does).
"""
import argparse
import json
import os
import statistics
import subprocess
import time

OPS = ["thumbnail", "resize", "blur", "sharpen", "sobel", "brightness_contrast", "reencode"]
CONVERT = "/usr/bin/convert"


def vips_commands(op, src, dst, tmp):
    q = f"{dst}[Q=80]"
    if op == "thumbnail":
        return [["vipsthumbnail", src, "-s", "256", "-o", q]]
    if op == "resize":
        return [["vipsthumbnail", src, "-s", "1920x", "-o", q]]
    if op == "blur":
        return [["vips", "gaussblur", src, q, "5", "--min-ampl", "0.0111"]]
    if op == "sharpen":
        return [["vips", "sharpen", src, q, "--sigma", "1"]]
    if op == "sobel":
        return [["vips", "colourspace", src, tmp + ".v", "b-w"], ["vips", "sobel", tmp + ".v", q]]
    if op == "brightness_contrast":
        # " -25.6": a leading space stops vips reading the negative number as an option.
        return [["vips", "linear", src, q, "1.44", " -25.6", "--uchar"]]
    if op == "reencode":
        return [["vips", "copy", src, q]]
    raise ValueError(op)


def magick_commands(op, src, dst, tmp):
    out = ["-quality", "80", dst]
    if op == "thumbnail":
        return [[CONVERT, "-define", "jpeg:size=512x512", src, "-thumbnail", "256x256"] + out]
    if op == "resize":
        return [[CONVERT, src, "-resize", "1920x>"] + out]
    if op == "blur":
        return [[CONVERT, src, "-blur", "0x5"] + out]
    if op == "sharpen":
        return [[CONVERT, src, "-unsharp", "0x1+1+0"] + out]
    if op == "sobel":
        return [[CONVERT, src, "-colorspace", "Gray", "-define", "morphology:compose=Lighten",
                 "-morphology", "Convolve", "Sobel:>"] + out]
    if op == "brightness_contrast":
        return [[CONVERT, src, "-evaluate", "Multiply", "1.2", "-function", "Polynomial",
                 "1.2,-0.10039"] + out]
    if op == "reencode":
        return [[CONVERT, src] + out]
    raise ValueError(op)


def run_once(cmds, env):
    """Runs the commands one after the other; returns (ms, peak RSS KiB, CPU ms)."""
    t0 = time.perf_counter()
    rss = 0
    cpu = 0.0
    for cmd in cmds:
        p = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        err = p.stderr.read()
        _, status, ru = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        if p.returncode != 0:
            raise SystemExit(f"cli_peers: {' '.join(cmd)} failed ({p.returncode}): "
                             f"{err.decode(errors='replace')[-500:]}")
        rss = max(rss, ru.ru_maxrss)
        cpu += (ru.ru_utime + ru.ru_stime) * 1000
    return (time.perf_counter() - t0) * 1000, rss, cpu


def jpeg_size(path):
    out = subprocess.run(["vipsheader", "-f", "width", path], capture_output=True, text=True,
                         check=True).stdout
    w = int(out)
    h = int(subprocess.run(["vipsheader", "-f", "height", path], capture_output=True, text=True,
                           check=True).stdout)
    return w, h


def version(tool):
    if tool == "vips":
        return subprocess.run(["vips", "--version"], capture_output=True,
                              text=True).stdout.strip()
    first = subprocess.run([CONVERT, "-version"], capture_output=True, text=True).stdout
    return first.splitlines()[0].replace("Version: ", "") if first else "?"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tool", choices=["vips", "magick"], required=True)
    ap.add_argument("--op", choices=OPS, required=True)
    ap.add_argument("--iters", type=int, default=3)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--out-dir", default="/tmp/tessera-bench-cli")
    ap.add_argument("--startup-reps", type=int, default=5)
    ap.add_argument("files", nargs="+")
    a = ap.parse_args()

    env = dict(os.environ, VIPS_CONCURRENCY="1", MAGICK_THREAD_LIMIT="1", OMP_NUM_THREADS="1",
               VIPS_WARNING="0")
    make = vips_commands if a.tool == "vips" else magick_commands
    out_dir = os.path.join(a.out_dir, a.op)
    os.makedirs(out_dir, exist_ok=True)
    tmp = f"/dev/shm/tessera-bench-{os.getpid()}"
    inputs = []
    for f in a.files:
        name = os.path.splitext(os.path.basename(f))[0]
        w, h = jpeg_size(f)
        dst = os.path.abspath(os.path.join(out_dir, name + ".jpg"))
        inputs.append((name, make(a.op, os.path.abspath(f), dst, tmp), w * h / 1e6, dst))

    startup_cmd = [["vips", "--version"]] if a.tool == "vips" else [[CONVERT, "-version"]]
    startup = statistics.median(run_once(startup_cmd, env)[0] for _ in range(max(1, a.startup_reps)))

    try:
        for _ in range(a.warmup):
            for _, cmds, _, _ in inputs:
                run_once(cmds, env)
        times, per_image, rss, total_mpx, out_sizes, cpu = [], {}, 0, 0.0, [], 0.0
        wall0 = time.perf_counter()
        for _ in range(a.iters):
            for name, cmds, mpx, dst in inputs:
                ms, r, c = run_once(cmds, env)
                cpu += c
                times.append(ms)
                per_image.setdefault(name, []).append(ms)
                rss = max(rss, r)
                total_mpx += mpx
                out_sizes.append(os.path.getsize(dst))
        wall = time.perf_counter() - wall0
    finally:
        if os.path.exists(tmp + ".v"):
            os.remove(tmp + ".v")
    times.sort()
    n = len(times)
    print(json.dumps({
        "tool": "vips-cli" if a.tool == "vips" else "imagemagick", "version": version(a.tool),
        "op": a.op, "threads": 1, "images": len(inputs), "iters": a.iters,
        "median_ms": round(statistics.median(times), 2),
        "p90_ms": round(times[min(n - 1, int(0.9 * (n - 1) + 0.5))], 2),
        "per_image_ms": round(wall * 1000 / n, 2),
        "mpx_per_s": round(total_mpx / wall, 2),
        "in_mpx_mean": round(total_mpx / n, 3),
        "out_bytes": round(sum(out_sizes) / n),
        "cpu_ms": round(cpu / n, 2),
        "per_image_median_ms": {k: round(statistics.median(v), 2) for k, v in per_image.items()},
        "peak_rss_mb": round(rss / 1024, 1),
        "startup_ms": round(startup, 2),
        "command": " && ".join(" ".join(c) for c in inputs[0][1]),
    }))


if __name__ == "__main__":
    main()
