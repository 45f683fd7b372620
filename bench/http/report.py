#!/usr/bin/env python3
"""Summarise one bench/http/run_http_bench.sh output directory as Markdown.

  report.py OUT_DIR           prints summary.md
  report.py --check OUT_DIR   exit 1 if a status other than 200/429/503, a socket error or
                              timeout, or an unclean server exit was recorded
"""
import csv
import json
import statistics
import sys
from pathlib import Path

ALLOWED = {"200", "429", "503"}


def load_jsonl(path):
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.startswith("{")]


def meta(out):
    m = {}
    for line in (out / "meta.txt").read_text().splitlines():
        key, _, value = line.partition(" ")
        m[key] = value
    return m


def nproc(m):
    for part in m.get("host", "").split():
        if part.startswith("nproc="):
            return int(part.split("=")[1])
    return 1


def problems(runs, stops):
    found = []
    for r in runs:
        w = r["wrk"]
        bad = {k: v for k, v in w["statuses"].items() if k not in ALLOWED}
        if bad:
            found.append(f"{r['name']}: unexpected statuses {bad} ({w['unexpected_sample']!r})")
        errs = {k: v for k, v in w["errors"].items() if k != "status" and v}
        if errs:
            found.append(f"{r['name']}: socket errors/timeouts {errs}")
    for s in stops:
        if s["rc"] != 0:
            found.append(f"server exit code {s['rc']} on SIGTERM")
    return found


def slope_per_min(ts, ys):
    if len(ts) < 2:
        return float("nan")
    mt, my = statistics.fmean(ts), statistics.fmean(ys)
    den = sum((t - mt) ** 2 for t in ts)
    return sum((t - mt) * (y - my) for t, y in zip(ts, ys)) / den * 60 if den else float("nan")


def split(r, reqs):
    c = r.get("cpu_split_s")
    if not c:
        return "-"
    return " / ".join(f"{1000 * c[k] / reqs:.1f}" for k in ("io", "handlers", "vips"))


def io_pct(r, secs):
    c = r.get("cpu_split_s")
    return f"{100 * c['io'] / secs:.0f}" if c else "-"


def fmt(x, nd=1):
    return "-" if x is None else f"{x:.{nd}f}"


def main():
    check = "--check" in sys.argv
    out = Path([a for a in sys.argv[1:] if a != "--check"][0])
    results = load_jsonl(out / "results.jsonl")
    runs = [r for r in results if "wrk" in r]
    stops = [r for r in results if r.get("event") == "server_stopped"]
    if check:
        found = problems(runs, stops)
        for p in found:
            print("run_http_bench: FAIL:", p, file=sys.stderr)
        sys.exit(1 if found else 0)

    m = meta(out)
    cores = nproc(m)
    engine = load_jsonl(out / "engine.jsonl")
    p = print
    p(f"# HTTP service benchmark ({out.name})\n")
    for key in ("date", "host", "load_start", "load_end", "git", "tessera", "wrk", "photo",
                "pipeline", "command", "connections"):
        if key in m:
            p(f"- {key}: {m[key]}")

    # Engine reference.
    p("\n## Engine in-process (tessera_engine_bench, same photo and pipeline)\n")
    p("| when | load | threads | median ms | per-image ms (wall/items) | img/s | CPU ms/img |")
    p("|---|---|---|---|---|---|---|")
    one, two, cpu = [], [], []
    for e in engine:
        rps = 1000.0 / e["per_image_ms"]
        (one if e["threads"] == 1 else two).append(rps)
        cpu.append(e["cpu_ms"])
        p(f"| {e['when']} | {e['load']} | {e['threads']} | {e['median_ms']:.1f} | "
          f"{e['per_image_ms']:.1f} | {rps:.1f} | {e['cpu_ms']:.1f} |")
    ref1 = statistics.fmean(one) * cores if one else None
    ref2 = statistics.fmean(two) if two else None
    cpu_ref = statistics.fmean(cpu) if cpu else None
    p(f"\nReference: engine 1 thread x {cores} cores = **{fmt(ref1)} img/s** (mean of the runs "
      f"above); engine with {cores} images in flight, measured = {fmt(ref2)} img/s; "
      f"engine CPU = {fmt(cpu_ref)} ms per image (i.e. {fmt(1000 * cores / cpu_ref if cpu_ref else None)} img/s if "
      f"{cores} cores were all the engine's).\n")

    # wrk runs.
    p("## wrk runs\n")
    p("Latency = wrk's, over all responses (429s included). Server queue/engine = the 200s' "
      "X-Queue-Time-Ms / X-Processing-Time-Ms. CPU/req = server CPU (user+sys) over the run / "
      "responses; CPU/200 = the same / 200s; io = the Asio I/O thread (socket reads and writes, "
      "HTTP parsing; with --io-threads > 1 only the one in epoll_wait at start is found, the "
      "others count as handlers), handlers = the handler pool (pipeline parse, probe, the engine's calling "
      "thread), vips = libvips' worker threads. wrk CPU = the client's share of the cores.\n")
    p("| run | conns | load start->end | req/s | 200/s | 200 | 429 | 503 | other | sock err | "
      "p50 ms | p90 ms | p99 ms | max ms | srv queue p50/p99 | srv engine p50/p99 | "
      "server CPU ms/req, /200 | of which io / handlers / vips ms/req | server CPU % (io thread) | wrk CPU % | 200/s vs engine 1T x cores | "
      "vs engine 2-in-flight |")
    p("|" + "---|" * 22)
    for r in runs:
        w = r["wrk"]
        secs = w["duration_us"] / 1e6
        st = w["statuses"]
        ok = st.get("200", 0)
        other = sum(v for k, v in st.items() if k not in ALLOWED)
        sock = sum(v for k, v in w["errors"].items() if k != "status")
        lat = w["latency_us"]
        q, e = w["server_queue_ms_200"], w["server_engine_ms_200"]
        reqs = max(1, w["requests"])
        ok_rate = ok / secs
        p(f"| {r['name']} | {r['connections']} | {r['load_start']}->{r['load_end']} | "
          f"{w['requests'] / secs:.1f} | {ok_rate:.1f} | {ok} | {st.get('429', 0)} | "
          f"{st.get('503', 0)} | {other} | {sock} | {lat['p50'] / 1000:.1f} | "
          f"{lat['p90'] / 1000:.1f} | {lat['p99'] / 1000:.1f} | {lat['max'] / 1000:.1f} | "
          f"{fmt(q.get('p50'))}/{fmt(q.get('p99'))} | {fmt(e.get('p50'))}/{fmt(e.get('p99'))} | "
          f"{1000 * r['server_cpu_s'] / reqs:.1f}, {1000 * r['server_cpu_s'] / max(1, ok):.1f} | "
          f"{split(r, reqs)} | {100 * r['server_cpu_s'] / secs:.0f} ({io_pct(r, secs)}) | {100 * r['wrk_cpu_s'] / secs:.0f} | "
          f"{ok_rate / ref1 if ref1 else 0:.2f} | {ok_rate / ref2 if ref2 else 0:.2f} |")

    # RSS.
    rows = list(csv.DictReader((out / "rss.csv").open()))
    main_rows = [r for r in rows if r["server"] == "main"]
    p("\n## Server RSS (VmRSS, sampled every second)\n")
    if main_rows:
        all_mb = [int(r["vmrss_kb"]) / 1024 for r in main_rows]
        p(f"Sweep server, whole life ({len(main_rows)} samples, all phases): start "
          f"{all_mb[0]:.1f} MB, min {min(all_mb):.1f}, max {max(all_mb):.1f}, end "
          f"{all_mb[-1]:.1f} MB; VmHWM at the end {int(main_rows[-1]['vmhwm_kb']) / 1024:.1f} "
          f"MB; threads {main_rows[-1]['threads']}.\n")
        by_phase = {}
        for r in main_rows:
            by_phase.setdefault(r["phase"], []).append(int(r["vmrss_kb"]) / 1024)
        p("| phase | samples | min MB | max MB | last MB |")
        p("|---|---|---|---|---|")
        for ph, v in by_phase.items():
            p(f"| {ph} | {len(v)} | {min(v):.1f} | {max(v):.1f} | {v[-1]:.1f} |")
    for server in sorted({r["server"] for r in rows if r["server"].startswith("rss-")}):
        srv = [r for r in rows if r["server"] == server]
        idle = [int(r["vmrss_kb"]) / 1024 for r in srv if r["phase"] == "idle"]
        run = [r for r in srv if r["phase"] == server]
        if not run:
            continue
        ts = [float(r["t_s"]) for r in run]
        mb = [int(r["vmrss_kb"]) / 1024 for r in run]
        half = len(ts) // 2
        p(f"\nLong run {server} (fresh server; {len(mb)} samples over {ts[-1] - ts[0]:.0f} s; "
          f"{idle[0]:.1f} MB when started): start {mb[0]:.1f} MB, max {max(mb):.1f}, end "
          f"{mb[-1]:.1f}; least-squares slope {slope_per_min(ts, mb):+.2f} MB/min (whole run), "
          f"{slope_per_min(ts[half:], mb[half:]):+.2f} MB/min (second half); after the load "
          f"{idle[-1]:.1f} MB; VmHWM {int(srv[-1]['vmhwm_kb']) / 1024:.1f} MB.")
        p("\nSeries (MB, one per second): " + " ".join(f"{x:.0f}" for x in mb))

    # Logging cost.
    logs = {r["name"].split("-")[1]: r for r in runs if r["name"].startswith("log-")}
    if "warn" in logs and "info" in logs:
        p("\n## Per-request logging (fresh server each, back to back)\n")
        for lvl in ("warn", "info"):
            r = logs[lvl]
            w = r["wrk"]
            secs = w["duration_us"] / 1e6
            ok = w["statuses"].get("200", 0)
            p(f"- {lvl}: {ok / secs:.1f} 200/s, server CPU {1000 * r['server_cpu_s'] / max(1, ok):.2f} "
              f"ms per 200, p50 {w['latency_us']['p50'] / 1000:.1f} ms, load "
              f"{r['load_start']}->{r['load_end']}")

    found = problems(runs, stops)
    p("\n## Checks\n")
    p("- statuses seen: " + ", ".join(
        sorted({k for r in runs for k in r["wrk"]["statuses"]})))
    p("- server exits on SIGTERM: " + ", ".join(f"rc={s['rc']} in {s['stop_s']} s" for s in stops))
    p("- " + ("**FAIL**: " + "; ".join(found) if found else
              "OK: only 200/429/503, no socket errors or timeouts, clean exits"))


if __name__ == "__main__":
    main()
