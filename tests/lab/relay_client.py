# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The hakit Authors
"""
A client for relay tests, run inside the client's namespace: one TCP
(or TLS) connection to a relay, bytes sent as given (optionally one per
second, a slow client), everything read until the relay closes or a
time limit; prints one JSON line: what the client saw.

    python3 relay_client.py DST PORT HEXDATA MAXTIME [--tls] [--sni NAME]
        [--ca FILE] [--cert FILE --key FILE] [--slow] [--lines N]

--lines N: send the data as N lines, waiting for an answer line after
each (a conversation through a TCP relay).  Bounded in bytes and time.
"""

import argparse
import base64
import json
import select
import socket
import ssl
import sys
import time

MAXREAD = 8 << 20


def main(argv):
    ap = argparse.ArgumentParser()
    ap.add_argument("dst")
    ap.add_argument("port", type=int)
    ap.add_argument("data")
    ap.add_argument("maxtime", type=float)
    ap.add_argument("--tls", action="store_true")
    ap.add_argument("--sni")
    ap.add_argument("--ca")
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--slow", action="store_true")
    ap.add_argument("--noread", type=float, default=0.0,
        help="read nothing for this long after sending (a slow reader)")
    ap.add_argument("--hold", type=float, default=0.0,
        help="keep the connection open this long after sending")
    a = ap.parse_args(argv)
    if a.data.startswith("@"):
        # a request too large for an argument: its bytes in a file
        with open(a.data[1:], "rb") as f:
            data = f.read()
    else:
        data = bytes.fromhex(a.data)
    res = {"recv": "", "closed": False, "error": None}
    deadline = time.monotonic() + a.maxtime
    got = b""
    try:
        s = socket.create_connection((a.dst, a.port), timeout=5)
        if a.tls:
            ctx = ssl.create_default_context(cafile=a.ca) if a.ca else \
                ssl._create_unverified_context()
            ctx.check_hostname = False
            if a.cert:
                ctx.load_cert_chain(a.cert, a.key)
            s = ctx.wrap_socket(s, server_hostname=a.sni)
            res["tls_version"] = s.version()
            cert = s.getpeercert()
            if cert:
                for rdn in cert.get("subject", ()):
                    for k, v in rdn:
                        if k == "commonName":
                            res["peer_cn"] = v
        if a.slow:
            # one byte a second, until the relay answers or closes
            for i in range(len(data)):
                if time.monotonic() > deadline:
                    break
                try:
                    s.sendall(data[i:i + 1])
                except OSError:
                    break
                r, _, _ = select.select([s], [], [], 1.0)
                if r:
                    break
        else:
            s.sendall(data)
        if a.noread:
            time.sleep(a.noread)
        end = time.monotonic() + a.hold
        s.settimeout(0.5)
        total = 0
        while time.monotonic() < deadline:
            try:
                d = s.recv(65536)
            except socket.timeout:
                if a.hold and time.monotonic() > end:
                    break
                continue
            except ConnectionResetError:
                res["closed"] = True
                res["reset"] = True
                break
            if not d:
                res["closed"] = True
                break
            total += len(d)
            if len(got) < MAXREAD:
                got += d[:MAXREAD - len(got)]
        res["bytes"] = total
        s.close()
    except (OSError, ssl.SSLError) as e:
        res["error"] = "%s: %s" % (type(e).__name__, e)
    res["recv"] = base64.b64encode(got).decode()
    print(json.dumps(res))


if __name__ == "__main__":
    main(sys.argv[1:])
