#!/usr/bin/env python3
"""Verify a selfeval export (JSON Lines) without selfeval.

Usage: python3 verify_export.py EXPORT.jsonl

Each event line is laid out exactly as {"hash":"<64 hex>","event":<body>}.
The hash is SHA-256 over the 32 raw bytes of the previous hash followed by
the exact body bytes; the first event's previous hash is 32 zero bytes.

Signatures (docs/spec/roles.md): a CommandSigned event closes a signed
command; its SSHSIG (namespace "selfeval") covers the exact lines of the
command's other events, each with its newline, after the line
"selfeval-ledger <ledger>" when the CommandSigned payload names the ledger
it was signed in (schema version 2), and is checked with
`ssh-keygen -Y verify` against the key the roster (the MemberAdded,
MemberKeyChanged and MemberRemoved events before it) registered for the
signer, who must be the command's actor. The access rules of roles.md
(who may approve, write which project, ...) are selfeval's own check
(`selfeval verify`), not this script's. From a SignaturePolicySet {"required": true} event on, every
command must be signed.

Prints "OK <n> events, head <hash>[, <k> signatures]" or
"BROKEN at event <seq>: <why>" (exit 1). See docs/storage.md.
"""
import hashlib
import json
import os
import subprocess
import sys
import tempfile


def check_signature(roster, signed, actor, lines, seq):
    """None, or why the signature of the command starting at `seq` fails."""
    if actor != f"{signed['signer']}@{roster.get(signed['signer'], ('', ''))[1]}":
        return f"BROKEN at event {seq}: signed by {signed['signer']}, but the actor is {actor}"
    key = roster.get(signed["signer"], (None, None))[0]
    if key is None:
        return f"BROKEN at event {seq}: {signed['signer']} has no registered key"
    with tempfile.TemporaryDirectory() as tmp:
        allowed, sig = os.path.join(tmp, "allowed"), os.path.join(tmp, "sig")
        with open(allowed, "w", encoding="utf-8") as f:
            f.write(f"signer {key}\n")  # a fixed principal: names may hold spaces
        with open(sig, "w", encoding="utf-8") as f:
            f.write(signed["signature"])
        run = subprocess.run(
            ["ssh-keygen", "-Y", "verify", "-f", allowed, "-I", "signer", "-n", "selfeval", "-s", sig],
            input=(f"selfeval-ledger {signed['ledger']}\n".encode() if signed.get("ledger") else b"")
            + b"".join(line + b"\n" for line in lines),
            capture_output=True,
        )
    if run.returncode != 0:
        return f"BROKEN at event {seq}: the signature of {signed['signer']} does not hold"
    return None

PREFIX, MIDDLE = b'{"hash":"', b'","event":'


def verify(path):
    prev, expected, trailer = "0" * 64, 1, None
    roster, required, signatures = {}, False, 0
    command, command_id = [], None  # the lines and id of the command being read

    def close():
        """Checks the command just read; None or why it fails."""
        nonlocal required, signatures
        if not command:
            return None
        events = [json.loads(line[83:-1]) for line in command]
        last = events[-1]
        first = events[0]["seq"]
        if any(e["type"] == "SignaturePolicySet" and e["payload"]["required"] for e in events):
            required = True
        if any(e["actor"] != events[0]["actor"] for e in events):
            return f"BROKEN at event {first}: one command, several actors"
        if any(e["type"] == "CommandSigned" for e in events[:-1]):
            return f"BROKEN at event {first}: a signature that does not close its command"
        if last["type"] == "CommandSigned":
            why = check_signature(roster, last["payload"], events[0]["actor"], command[:-1], first)
            if why:
                return why
            signatures += 1
        elif required:
            return f"BROKEN at event {first}: unsigned, while signatures are required"
        for e in events:
            p = e["payload"]
            if e["type"] == "MemberAdded":
                roster[p["name"]] = (p.get("key"), p["section"])
            elif e["type"] == "MemberKeyChanged" and p["name"] in roster:
                roster[p["name"]] = (p["key"], roster[p["name"]][1])
            elif e["type"] == "MemberRemoved":
                roster.pop(p["name"], None)
            elif e["type"] == "SignaturePolicySet" and not p["required"]:
                required = False
        return None

    with open(path, "rb") as f:
        header = json.loads(f.readline())
        if header.get("format") != "selfeval-export" or header.get("hash") != "sha256":
            return f"BROKEN at event 1: not a selfeval export header"
        for line in f:
            line = line.rstrip(b"\r\n")
            if trailer is not None:
                return f"BROKEN at event {expected}: content after the trailer"
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
            if event["command_id"] != command_id:
                why = close()
                if why:
                    return why
                command, command_id = [], event["command_id"]
            command.append(line)
    why = close()
    if why:
        return why
    count = expected - 1
    if trailer is None:
        return f"BROKEN at event {expected}: truncated, no trailer"
    if trailer["events"] != count or trailer["head_hash"] != prev:
        return f"BROKEN at event {expected}: the trailer does not match the events"
    signed = f", {signatures} signatures" if signatures else ""
    return f"OK {count} events, head {prev}{signed}"


if __name__ == "__main__":
    result = verify(sys.argv[1])
    print(result)
    sys.exit(0 if result.startswith("OK") else 1)
