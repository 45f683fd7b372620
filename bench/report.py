#!/usr/bin/python3
"""Turns the JSON lines of one bench/run.sh run into a Markdown results table.

  bench/report.py results.jsonl > results.md

Ratio = peer median ms / tessera median ms, both one image on one core (threads=1): higher means
tessera is faster; the goal is >= 1.2 against the fastest peer of each op. CLI peers' times
include their process start-up (shown separately), the in-process ones' do not.
"""
import json
import sys

OPS = ["thumbnail", "resize", "blur", "sharpen", "sobel", "brightness_contrast", "reencode"]
PEERS = ["vips-cli", "imagemagick", "pil", "cv2"]
GOAL = 1.2


def main():
    rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip().startswith("{")]
    by = {}
    for r in rows:
        by[(r["tool"], r["op"], r["threads"])] = r
    ops = [o for o in OPS if any(k[1] == o for k in by)]
    peers = [p for p in PEERS if any(k[0] == p for k in by)]

    def ms(tool, op, threads=1, field="median_ms"):
        r = by.get((tool, op, threads))
        return r[field] if r else None

    def fmt(v, spec="{:.0f}"):
        return "-" if v is None else spec.format(v)

    out = []
    t0 = next((r for r in rows if r["tool"] == "tessera"), None)
    if t0:
        out.append(f"Inputs: {t0['images']} image(s), mean {t0['in_mpx_mean']:.2f} MP, "
                   f"{t0['iters']} timed iteration(s) each; all JPEG in, JPEG q=80 out.")
        out.append("")
    head = ["op", "tessera 1T ms", "tessera 2T ms/img", "tessera MP/s 1T", "2T MP/s"]
    head += [f"{p} ms" for p in peers]
    head += [f"ratio vs {p}" for p in peers]
    head += ["fastest peer", "ratio vs fastest", f"goal >= {GOAL}x"]
    out.append("| " + " | ".join(head) + " |")
    out.append("|" + "---|" * len(head))
    for op in ops:
        t1 = ms("tessera", op)
        cells = [op + (" (baseline)" if op == "reencode" else ""), fmt(t1),
                 fmt(ms("tessera", op, 2, "per_image_ms")),
                 fmt(ms("tessera", op, 1, "mpx_per_s"), "{:.1f}"),
                 fmt(ms("tessera", op, 2, "mpx_per_s"), "{:.1f}")]
        peer_ms = {p: ms(p, op) for p in peers}
        cells += [fmt(peer_ms[p]) for p in peers]
        cells += [fmt(peer_ms[p] / t1 if t1 and peer_ms[p] else None, "{:.2f}") for p in peers]
        present = {p: v for p, v in peer_ms.items() if v}
        if present and t1:
            fastest = min(present, key=present.get)
            ratio = present[fastest] / t1
            cells += [fastest, f"{ratio:.2f}",
                      "n/a" if op == "reencode" else ("met" if ratio >= GOAL else "NOT met")]
        else:
            cells += ["-", "-", "-"]
        out.append("| " + " | ".join(cells) + " |")

    if any("cpu_ms" in r for r in rows):
        out.append("")
        out.append("CPU time per image (user+system ms, threads=1; less disturbed by other load "
                   "than wall time; CLI figures include start-up):")
        out.append("")
        head = ["op", "tessera"] + peers + ["fastest peer (CPU)", "ratio vs fastest (CPU)"]
        out.append("| " + " | ".join(head) + " |")
        out.append("|" + "---|" * len(head))
        for op in ops:
            t1 = ms("tessera", op, 1, "cpu_ms")
            pc = {p: ms(p, op, 1, "cpu_ms") for p in peers}
            present = {p: v for p, v in pc.items() if v}
            cells = [op, fmt(t1)] + [fmt(pc[p]) for p in peers]
            if present and t1:
                fastest = min(present, key=present.get)
                cells += [fastest, f"{present[fastest] / t1:.2f}"]
            else:
                cells += ["-", "-"]
            out.append("| " + " | ".join(cells) + " |")

    out.append("")
    out.append("Peak RSS (MB) per op: "
               + "; ".join(
                   f"{op}: " + ", ".join(
                       f"{tool}{'' if th == 1 else ' 2T'} {by[(tool, op, th)]['peak_rss_mb']:.0f}"
                       for tool in ["tessera"] + peers for th in (1, 2)
                       if (tool, op, th) in by)
                   for op in ops))
    starts = {r["tool"]: r["startup_ms"] for r in rows if "startup_ms" in r}
    if starts:
        out.append("")
        out.append("CLI start-up (median of a do-nothing run, included in the CLI times): "
                   + ", ".join(f"{k} {v:.0f} ms" for k, v in starts.items()))
    versions = {r["tool"]: r["version"] for r in rows if "version" in r}
    if versions:
        out.append("")
        out.append("Peer versions: " + ", ".join(f"{k} {v}" for k, v in versions.items()))
    print("\n".join(out))


if __name__ == "__main__":
    main()
