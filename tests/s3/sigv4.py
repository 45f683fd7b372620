#!/usr/bin/python3
"""An independent AWS Signature Version 4 calculation (the algorithm as AWS documents it, with
Python's hmac and hashlib), used by tests/contract/s3_signature_test.cc to check the
signatures tessera's S3 store sends: the test servers (s3rver) do not verify them.

Reads one JSON object from the file named by its argument (or stdin):
  {"method", "path", "query", "headers": {name: value}, "signed_headers": "a;b",
   "secret_key", "region", "service"}
and prints the hex signature."""
import hashlib
import hmac
import json
import sys
import urllib.parse


def canonical_query(query):
    pairs = []
    for part in query.split("&") if query else []:
        name, _, value = part.partition("=")
        # Each name and value URI-encoded once (the request's own encoding decoded first).
        enc = lambda s: urllib.parse.quote(urllib.parse.unquote(s), safe="-_.~")
        pairs.append((enc(name), enc(value)))
    return "&".join(f"{n}={v}" for n, v in sorted(pairs))


def main():
    with (open(sys.argv[1]) if len(sys.argv) > 1 else sys.stdin) as f:
        r = json.load(f)
    headers = {k.lower(): " ".join(v.strip().split()) for k, v in r["headers"].items()}
    signed = r["signed_headers"].split(";")
    amz_date = headers["x-amz-date"]
    day = amz_date[:8]
    canonical = "\n".join([
        r["method"],
        urllib.parse.quote(urllib.parse.unquote(r["path"]), safe="/-_.~"),
        canonical_query(r["query"]),
        "".join(f"{h}:{headers[h]}\n" for h in signed),
        r["signed_headers"],
        headers["x-amz-content-sha256"],
    ])
    scope = f"{day}/{r['region']}/{r['service']}/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope,
                         hashlib.sha256(canonical.encode()).hexdigest()])
    key = ("AWS4" + r["secret_key"]).encode()
    for part in (day, r["region"], r["service"], "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    print(hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest())


main()
