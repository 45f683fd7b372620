#!/usr/bin/python3
"""Independent float64 reference of the tile-blur service's Gaussian blur.

Reads raw 8-bit RGBA (width x height x 4) from IN, writes the blurred raw RGBA to OUT:
a size x size kernel, sigma = size / 3, weight exp(-(x^2 + y^2) / (2 sigma^2)) / (2 pi sigma^2)
normalised by the sum, offsets -size//2 .. size-1-size//2, clamp to edge, every channel summed
in float64 (kernel rows outer, columns inner) and truncated.

usage: truncating_blur_reference.py WIDTH HEIGHT SIZE IN OUT
"""
import math
import sys


def main():
    width, height, size = (int(v) for v in sys.argv[1:4])
    src = open(sys.argv[4], "rb").read()
    assert len(src) == width * height * 4
    sigma = size / 3.0
    centre = size // 2
    kernel = [[0.0] * size for _ in range(size)]
    total = 0.0
    for i in range(size):
        for j in range(size):
            x, y = float(i - centre), float(j - centre)
            kernel[i][j] = math.exp(-(x * x + y * y) / (2 * sigma * sigma)) / (2 * math.pi * sigma * sigma)
            total += kernel[i][j]
    for i in range(size):
        for j in range(size):
            kernel[i][j] /= total
    out = bytearray(width * height * 4)
    clamp = lambda v, hi: 0 if v < 0 else (hi - 1 if v >= hi else v)
    for y in range(height):
        rows = [clamp(y + ky - centre, height) * width for ky in range(size)]
        for x in range(width):
            cols = [clamp(x + kx - centre, width) for kx in range(size)]
            sums = [0.0, 0.0, 0.0, 0.0]
            for ky in range(size):
                krow = kernel[ky]
                base = rows[ky]
                for kx in range(size):
                    p = (base + cols[kx]) * 4
                    w = krow[kx]
                    sums[0] += float(src[p]) * w
                    sums[1] += float(src[p + 1]) * w
                    sums[2] += float(src[p + 2]) * w
                    sums[3] += float(src[p + 3]) * w
            o = (y * width + x) * 4
            for c in range(4):
                out[o + c] = int(sums[c])
    open(sys.argv[5], "wb").write(bytes(out))


if __name__ == "__main__":
    main()
