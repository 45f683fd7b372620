#!/usr/bin/python3
"""tutti's load shape against `tessera serve --compat tutti`, on loopback only.

tutti's own simulator (cmd/simulation/simulate.go) fires small JPEGs, JPEGs over the 8192 KiB
limit and a text file labelled plain/text at POST /upload, one connection per request, every
request at once, and decodes each answer as {"error","image_id"}. This replays that shape with
a bounded number in flight (--concurrency) and a bounded total (--total), in the simulator's
mix (10 small : 1 big : 1 text), then checks what tutti's users rely on:

- every answer is one of tutti's statuses (200, 400, 413, 429) with a body that decodes;
- no connection fails;
- every 200 has its file, <BASE_PATH>/<image_id>.jpeg, byte-identical to the small upload.

Prints one JSON object: the status mix per kind, latency p50/p99 per kind and overall, failed
connections, files missing or different, and the server's peak RSS (VmHWM) when --pid is given.
Exit status 1 when any check fails.
"""
import argparse
import asyncio
import json
import os
import socket
import sys
import time

BOUNDARY = "tuttiLoadBoundary4f1c2e"


def form(data: bytes, mime: str) -> bytes:
    head = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"image\"; "
            f"filename=\"image.jpeg\"\r\nContent-Type: {mime}\r\n\r\n").encode()
    return head + data + f"\r\n--{BOUNDARY}--\r\n".encode()


async def upload(host, port, body, timeout):
    """One request on its own connection: (status, body bytes) or (None, error text).

    Like Go's HTTP client, the answer is read while the body is still being sent, and a failed
    write (the server answered 413 and stopped reading) does not stop the read.
    """
    loop = asyncio.get_running_loop()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setblocking(False)
    sender = None
    try:
        await asyncio.wait_for(loop.sock_connect(sock, (host, port)), timeout)
        head = (f"POST /upload HTTP/1.1\r\nHost: {host}:{port}\r\n"
                f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode()

        async def send_all():
            try:
                await loop.sock_sendall(sock, head)
                await loop.sock_sendall(sock, body)
            except OSError:
                pass

        sender = asyncio.ensure_future(send_all())
        data = b""
        length = None
        while True:
            chunk = await asyncio.wait_for(loop.sock_recv(sock, 65536), timeout)
            if not chunk:
                break
            data += chunk
            headers, sep, rest = data.partition(b"\r\n\r\n")
            if sep:
                if length is None:
                    for line in headers.split(b"\r\n")[1:]:
                        name, _, value = line.decode("latin-1").partition(":")
                        if name.strip().lower() == "content-length":
                            length = int(value.strip())
                if length is not None and len(rest) >= length:
                    break
        headers, sep, rest = data.partition(b"\r\n\r\n")
        if not sep:
            return None, "closed before a complete answer"
        status = int(headers.split(b"\r\n", 1)[0].split()[1])
        return status, rest[:length] if length is not None else rest
    except Exception as e:  # noqa: BLE001 - every failure is counted, by kind
        return None, f"{type(e).__name__}: {e}"
    finally:
        if sender is not None:
            sender.cancel()
        sock.close()


def percentile(values, p):
    if not values:
        return None
    s = sorted(values)
    return round(s[min(len(s) - 1, int(p / 100.0 * len(s)))] * 1000.0, 1)


def peak_rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


async def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--small", required=True, help="a JPEG at most 1920 px wide")
    ap.add_argument("--big", required=True, help="a file over 8192 KiB")
    ap.add_argument("--text", required=True, help="a text file")
    ap.add_argument("--base-path", required=True, help="the server's BASE_PATH")
    ap.add_argument("--total", type=int, default=3000)
    ap.add_argument("--concurrency", type=int, default=500)
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--pid", type=int, help="the server's pid, for its peak RSS")
    args = ap.parse_args()
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        sys.exit("loopback only")

    small = open(args.small, "rb").read()
    kinds = {
        "small": form(small, "image/jpeg"),
        "big": form(open(args.big, "rb").read(), "image/jpeg"),
        "text": form(open(args.text, "rb").read(), "plain/text"),
    }
    plan = [("small" if i % 12 < 10 else "big" if i % 12 == 10 else "text")
            for i in range(args.total)]
    gate = asyncio.Semaphore(args.concurrency)
    results = []

    async def one(kind):
        async with gate:
            t0 = time.monotonic()
            status, payload = await upload(args.host, args.port, kinds[kind], args.timeout)
            results.append((kind, status, payload, time.monotonic() - t0))

    started = time.monotonic()
    await asyncio.gather(*(one(k) for k in plan))
    wall = time.monotonic() - started

    summary = {"total": args.total, "concurrency": args.concurrency,
               "wall_s": round(wall, 2), "by_kind": {}, "failed_connections": 0,
               "undecodable_bodies": 0, "unexpected_status": 0}
    ids = []
    failures = []
    for kind in kinds:
        rows = [r for r in results if r[0] == kind]
        mix = {}
        for _, status, payload, _ in rows:
            key = str(status) if status is not None else "connection_failed"
            mix[key] = mix.get(key, 0) + 1
        lat = [r[3] for r in rows if r[1] is not None]
        summary["by_kind"][kind] = {"count": len(rows), "status": mix,
                                    "p50_ms": percentile(lat, 50), "p99_ms": percentile(lat, 99)}
    for kind, status, payload, _ in results:
        if status is None:
            summary["failed_connections"] += 1
            failures.append(payload)
            continue
        if status not in (200, 400, 413, 429):
            summary["unexpected_status"] += 1
        try:
            body = json.loads(payload)
            ok = isinstance(body, dict) and (isinstance(body.get("image_id"), str)
                                             if status == 200 else
                                             isinstance(body.get("error"), str))
        except ValueError:
            ok = False
        if not ok:
            summary["undecodable_bodies"] += 1
        elif status == 200:
            ids.append((kind, body["image_id"]))
    all_lat = [r[3] for r in results if r[1] is not None]
    summary["p50_ms"] = percentile(all_lat, 50)
    summary["p99_ms"] = percentile(all_lat, 99)

    # Every 200 must have its file; the workers finish after the answers, so wait a while.
    deadline = time.monotonic() + 120
    missing = ids
    while missing and time.monotonic() < deadline:
        missing = [(k, i) for k, i in missing
                   if not os.path.exists(os.path.join(args.base_path, i + ".jpeg"))]
        if missing:
            await asyncio.sleep(0.5)
    different = 0
    for kind, i in ids:
        path = os.path.join(args.base_path, i + ".jpeg")
        if kind == "small" and os.path.exists(path) and open(path, "rb").read() != small:
            different += 1
    summary["accepted"] = len(ids)
    summary["files_missing"] = len(missing)
    summary["files_different"] = different
    if args.pid:
        summary["server_peak_rss_mib"] = (round(peak_rss_kib(args.pid) / 1024.0, 1)
                                          if peak_rss_kib(args.pid) else None)
        summary["server_alive"] = os.path.exists(f"/proc/{args.pid}")
    if failures:
        summary["first_failures"] = failures[:5]
    print(json.dumps(summary, indent=2))
    bad = (summary["failed_connections"] or summary["undecodable_bodies"]
           or summary["unexpected_status"] or summary["files_missing"]
           or summary["files_different"] or (args.pid and not summary["server_alive"]))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
