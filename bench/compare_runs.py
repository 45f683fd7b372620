#!/usr/bin/python3
"""Flags every op that got slower between two bench/run.sh runs.

  bench/compare_runs.py BASELINE.jsonl CURRENT.jsonl [--tolerance 0.15]

Exit status 1 when some op regressed, 0 when none did, 2 on bad input.

Two runs are rarely on an equally loaded machine (these machines are shared: ±20 % run to run),
so an op is judged by what does not move with the machine: tessera's time against the fastest
peer's in the same run, on CPU time where both runs have it (less disturbed by other load than
wall time), else on wall time. A run without peers (--peers none) falls back to tessera's own
CPU time, which only means something on a quiet machine. An op regressed when its ratio fell by
more than the tolerance; the second core's speed-up (threads 2 against 1) is checked the same way.
bench/baseline/engine.jsonl is the last recorded run (bench/run.sh --record writes it).
"""
import argparse
import json
import sys


def fail(message):
    print(f"compare_runs: {message}", file=sys.stderr)
    sys.exit(2)


def load(path):
    rows = {}
    try:
        with open(path) as f:
            for line in f:
                if line.strip().startswith("{"):
                    r = json.loads(line)
                    rows[(r["tool"], r["op"], r["threads"])] = r
    except (OSError, ValueError, KeyError) as e:
        fail(f"cannot read {path}: {e}")
    if not rows:
        fail(f"{path} holds no results")
    return rows


def ops_of(rows):
    return sorted({op for tool, op, _ in rows if tool == "tessera"})


def value(rows, tool, op, field, threads=1):
    r = rows.get((tool, op, threads))
    return r.get(field) if r else None


def against_fastest_peer(rows, op, field):
    """(fastest peer's field / tessera's field, that peer), or None without a peer."""
    mine = value(rows, "tessera", op, field)
    peers = {tool: r.get(field) for (tool, o, th), r in rows.items()
             if o == op and th == 1 and tool != "tessera" and r.get(field)}
    if not mine or not peers:
        return None
    fastest = min(peers, key=peers.get)
    return peers[fastest] / mine, fastest


def two_thread_speedup(rows, op):
    one = value(rows, "tessera", op, "per_image_ms", 1) or value(rows, "tessera", op, "median_ms")
    two = value(rows, "tessera", op, "per_image_ms", 2)
    return one / two if one and two else None


def measures(base, cur, op):
    """(name, baseline figure, current figure) for every comparable measure of `op`; a higher
    figure is better in each."""
    out = []
    for field in ("cpu_ms", "median_ms"):
        b, c = against_fastest_peer(base, op, field), against_fastest_peer(cur, op, field)
        if b and c:
            out.append((f"{'CPU' if field == 'cpu_ms' else 'wall'} vs fastest peer "
                        f"({c[1]})", b[0], c[0]))
            break
    else:
        b, c = value(base, "tessera", op, "cpu_ms"), value(cur, "tessera", op, "cpu_ms")
        if b and c:
            out.append(("own CPU speed (1 / ms)", 1 / b, 1 / c))
    b, c = two_thread_speedup(base, op), two_thread_speedup(cur, op)
    if b and c:
        out.append(("2 threads / 1", b, c))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("baseline")
    ap.add_argument("current")
    ap.add_argument("--tolerance", type=float, default=0.15,
                    help="a fall in a figure larger than this fraction is a regression")
    args = ap.parse_args()
    if not 0 < args.tolerance < 1:
        fail("--tolerance must be between 0 and 1 (a fraction)")
    base, cur = load(args.baseline), load(args.current)

    regressed = []
    print("| op | measure | baseline | current | change | verdict |")
    print("|---|---|---:|---:|---:|---|")
    for op in ops_of(cur):
        if op not in ops_of(base):
            print(f"| {op} | - | - | - | - | not in the baseline |")
            continue
        found = measures(base, cur, op)
        if not found:
            print(f"| {op} | - | - | - | - | no comparable figure |")
        for name, b, c in found:
            change = c / b - 1
            bad = change < -args.tolerance
            if bad:
                regressed.append(f"{op}: {name} {b:.2f} -> {c:.2f}")
            print(f"| {op} | {name} | {b:.2f} | {c:.2f} | {change:+.0%} | "
                  f"{'REGRESSED' if bad else 'ok'} |")
    for op in ops_of(base):
        if op not in ops_of(cur):
            print(f"| {op} | - | - | - | - | missing from the current run |")
    if regressed:
        print(f"\ncompare_runs: {len(regressed)} regression(s) beyond "
              f"{args.tolerance:.0%}: " + "; ".join(regressed), file=sys.stderr)
        return 1
    print(f"\ncompare_runs: no op fell by more than {args.tolerance:.0%}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
