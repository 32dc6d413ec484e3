# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The hakit Authors
"""
TLS session tickets shared by every relay process (spec TLS-12): with
"prefork 3", a connection lands on any of three processes, and a client
that resumes its session must be resumed whichever one accepts it.  The
parent makes the ticket key and hands it to all of them; with a key per
process, about two resumptions in three would fall back to a full
handshake.

Run as a script (inside the client's namespace) this file is the client:
    python3 test_relayd_tickets.py DST PORT CA VERSION N HOLD OUT
one full handshake and a request, then N connections resuming that
session, each with a keep-alive request, all held open until HOLD
seconds pass or OUT.stop exists; OUT gets one JSON line once the N are
made.  Bounded in count and time.
"""

import json
import os
import re
import socket
import ssl
import sys
import time

import pytest

from lab import PYTHON, wait_until
from relayd_lab import SERVER_IPS, VIP
from test_relayd_relays import relay_certs

HERE = os.path.abspath(os.path.dirname(__file__))
TOOL = os.path.abspath(__file__)
WEB = SERVER_IPS[:3]
NRESUME = 12


def tickets_conf(certs, tickets=True):
    return "\n".join([
        "prefork 3", "interval 1", "",
        "table <web> { %s }" % ", ".join(WEB), "",
        'http protocol "front" {',
        '\ttls { keypair "a.example" cert "%s" key "%s" }' % certs[:2],
        "\ttls %ssession tickets" % ("" if tickets else "no "), "}", "",
        'relay "front" {', "\tlisten on %s port 443 tls" % VIP,
        '\tprotocol "front"',
        '\tforward to <web> port 8080 mode roundrobin check http "/" '
        'code 200', "}", ""]) + "\n"


def resume_round(rl, d, version):
    """The client's report, and the pids of the relay processes that
    served its held connections."""
    out = rl.lab.path("tickets-%s.json" % version)
    for p in (out, out + ".stop"):
        if os.path.exists(p):
            os.unlink(p)
    argv = [PYTHON, TOOL, VIP, "443", rl.ca, version, str(NRESUME), "30",
        out]
    p = rl.client.popen(argv, log=rl.lab.path("tickets-%s.log" % version))
    try:
        wait_until(lambda: os.path.exists(out) or not p.alive(), 20,
            desc=lambda: "client done: " + p.log_text()[-2000:])
        assert os.path.exists(out), p.log_text()[-2000:]
        with open(out) as f:
            res = json.loads(f.read().splitlines()[-1])
        pids = set()
        if res["error"] is None:
            pids = set(re.findall(r"\bpid (\d+)", d.text("sessions")))
    finally:
        open(out + ".stop", "w").close()
        p.wait(15)
    return res, pids


@pytest.mark.parametrize("version", ["TLSv1.2", "TLSv1.3"])
def test_a_session_resumes_on_every_relay_process(relayd_lab, relayd,
        version):
    rl = relayd_lab
    certs = relay_certs(rl)
    d = relayd(rl.box, tickets_conf(certs))
    d.wait_states({ip: "up" for ip in WEB}, 15)
    res, pids = resume_round(rl, d, version)
    assert res["error"] is None, res
    assert res["first"] == {"version": version, "reused": False,
        "status": "200"}, res
    # what the user notices: no full handshake, every request served
    assert [r["reused"] for r in res["resumed"]] == [True] * NRESUME, \
        (res, d.log_text()[-2000:])
    assert all(r["status"] == "200" for r in res["resumed"]), res
    # and it means something: more than one process took them
    assert len(pids) >= 2, (pids, d.text("sessions"))


def test_without_tickets_no_session_resumes(relayd_lab, relayd):
    """The default (TLS-12): no ticket is issued, so nothing resumes."""
    rl = relayd_lab
    certs = relay_certs(rl)
    d = relayd(rl.box, tickets_conf(certs, tickets=False))
    d.wait_states({ip: "up" for ip in WEB}, 15)
    res, _ = resume_round(rl, d, "TLSv1.2")
    assert res["error"] is None, res
    assert [r["reused"] for r in res["resumed"]] == [False] * NRESUME, res
    assert all(r["status"] == "200" for r in res["resumed"]), res


# --- the client, run in the client's namespace ---

MAXHEAD = 16384


def _request(s, close):
    """One GET on s; the status of its response, read whole (by its
    Content-Length, or to the end when the server closes)."""
    s.sendall(b"GET / HTTP/1.1\r\nHost: a.example\r\n%s\r\n" % (
        b"Connection: close\r\n" if close else b""))
    buf = b""
    while b"\r\n\r\n" not in buf and len(buf) < MAXHEAD:
        d = s.recv(4096)
        if not d:
            break
        buf += d
    head, _, body = buf.partition(b"\r\n\r\n")
    m = re.match(rb"HTTP/1\.[01] (\d{3})", head)
    n = re.search(rb"(?im)^content-length:\s*(\d+)\s*$", head)
    want = int(n.group(1)) if n else None
    while (want is None or len(body) < want) and len(body) < MAXHEAD:
        d = s.recv(4096)
        if not d:
            break
        body += d
    return m.group(1).decode() if m else None


def _connect(ctx, dst, port, session=None):
    s = socket.create_connection((dst, port), timeout=5)
    return ctx.wrap_socket(s, server_hostname="a.example", session=session)


def _main(argv):
    dst, port, ca, version, n, hold, out = argv
    port, n, hold = int(port), min(int(n), 64), min(float(hold), 120.0)
    res = {"error": None, "resumed": []}
    held = []
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(ca)
    ctx.check_hostname = False
    v = ssl.TLSVersion.TLSv1_2 if version == "TLSv1.2" else \
        ssl.TLSVersion.TLSv1_3
    ctx.minimum_version = ctx.maximum_version = v
    try:
        # a TLS 1.3 ticket comes after the handshake: read the response
        # to the end before taking the session
        s = _connect(ctx, dst, port)
        status = _request(s, close=True)
        res["first"] = {"version": s.version(), "reused": s.session_reused,
            "status": status}
        session = s.session
        s.close()
        for i in range(n):
            s = _connect(ctx, dst, port, session=session)
            held.append(s)
            res["resumed"].append({"reused": s.session_reused,
                "status": _request(s, close=False)})
    except (OSError, ssl.SSLError) as e:
        res["error"] = "%s: %s" % (type(e).__name__, e)
    with open(out + ".tmp", "w") as f:
        f.write(json.dumps(res) + "\n")
    os.rename(out + ".tmp", out)
    end = time.monotonic() + hold
    while time.monotonic() < end and not os.path.exists(out + ".stop"):
        time.sleep(0.1)
    for s in held:
        s.close()


if __name__ == "__main__":
    _main(sys.argv[1:])
