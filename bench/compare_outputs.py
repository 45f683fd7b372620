#!/usr/bin/python3
"""How close each peer's output is to tessera's: mean absolute difference per sample (0..255),
averaged over the images both saved, for every op. 0.00 means the same pixels (up to JPEG
re-encoding); a few units means the same operation with a different rounding, kernel size or
colour handling; more means an APPROXIMATE equivalent (see the peers' docstrings).

  /usr/bin/python3 bench/compare_outputs.py bench/out/<run>/images
Needs python3-opencv (Debian's /usr/bin/python3).
"""
import os
import sys

import cv2
import numpy as np

TOOLS = ["vips", "magick", "pil", "cv2"]


def main():
    root = sys.argv[1]
    ops = sorted(os.listdir(os.path.join(root, "tessera"))) if os.path.isdir(
        os.path.join(root, "tessera")) else []
    tools = [t for t in TOOLS if os.path.isdir(os.path.join(root, t))]
    if not ops or not tools:
        print("(no saved outputs to compare)")
        return
    print("| op | " + " | ".join(f"{t} vs tessera" for t in tools) + " |")
    print("|---|" + "---|" * len(tools))
    for op in ops:
        cells = []
        for tool in tools:
            diffs = []
            note = ""
            tdir = os.path.join(root, "tessera", op)
            for name in sorted(os.listdir(tdir)):
                other = os.path.join(root, tool, op, name)
                if not os.path.exists(other):
                    continue
                a = cv2.imread(os.path.join(tdir, name), cv2.IMREAD_UNCHANGED)
                b = cv2.imread(other, cv2.IMREAD_UNCHANGED)
                if a is None or b is None:
                    continue
                if a.ndim == 2 and b.ndim == 3:
                    b = cv2.cvtColor(b, cv2.COLOR_BGR2GRAY)
                if a.shape != b.shape:
                    note = f"size {b.shape[1]}x{b.shape[0]} vs {a.shape[1]}x{a.shape[0]}"
                    continue
                diffs.append(float(np.abs(a.astype(np.float32) - b.astype(np.float32)).mean()))
            cells.append(f"{np.mean(diffs):.2f}" if diffs else (note or "-"))
        print(f"| {op} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
