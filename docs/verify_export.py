#!/usr/bin/env python3
"""Verify a selfeval export (JSON Lines) without selfeval.

Usage: python3 verify_export.py EXPORT.jsonl

Each event line is laid out exactly as {"hash":"<64 hex>","event":<body>}.
The hash is SHA-256 over the 32 raw bytes of the previous hash followed by
the exact body bytes; the first event's previous hash is 32 zero bytes.
Prints "OK <n> events, head <hash>" or "BROKEN at event <seq>: <why>" (exit 1).
See docs/storage.md.
"""
import hashlib
import json
import sys

PREFIX, MIDDLE = b'{"hash":"', b'","event":'


def verify(path):
    prev, expected, trailer = "0" * 64, 1, None
    with open(path, "rb") as f:
        header = json.loads(f.readline())
        if header.get("format") != "selfeval-export" or header.get("hash") != "sha256":
            return f"BROKEN at event 1: not a selfeval export header"
        for line in f:
            line = line.rstrip(b"\n")
            if line.startswith(b'{"trailer":'):
                trailer = json.loads(line)["trailer"]
                continue
            stored, body = line[9:73].decode(), line[83:-1]
            if not line.startswith(PREFIX) or line[73:83] != MIDDLE:
                return f"BROKEN at event {expected}: bad line layout"
            event = json.loads(body)
            if event["seq"] != expected:
                return f"BROKEN at event {expected}: found event {event['seq']} in its place"
            if event["prev_hash"] != prev:
                return f"BROKEN at event {expected}: prev_hash does not link to event {expected - 1}"
            computed = hashlib.sha256(bytes.fromhex(prev) + body).hexdigest()
            if computed != stored:
                return f"BROKEN at event {expected}: the bytes hash to {computed}, not {stored}"
            prev, expected = computed, expected + 1
    count = expected - 1
    if trailer is None:
        return f"BROKEN at event {expected}: truncated, no trailer"
    if trailer["events"] != count or trailer["head_hash"] != prev:
        return f"BROKEN at event {expected}: the trailer does not match the events"
    return f"OK {count} events, head {prev}"


if __name__ == "__main__":
    result = verify(sys.argv[1])
    print(result)
    sys.exit(0 if result.startswith("OK") else 1)
