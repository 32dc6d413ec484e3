# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The hakit Authors
"""
Relays, layer 7 (specs/relayd.md sections 7-9, IMP-1..9): the client
talks to relayd on the VIP, relayd talks to the web servers.  What a
user cares about: the bytes arrive, each filter rule changes what the
backend or the client sees as configured, TLS terminates with the
certificate SNI asks for, malformed or smuggled requests never reach a
backend, a slow client or a dying backend costs nobody else anything,
and a reload closes no session.
"""

import base64
import json
import os
import re
import signal
import subprocess
import time

import pytest

from lab import PYTHON, hold, wait_until
from relayd_lab import (CLIENT_IPS, SERVER_IPS, VIP, Hold, children,
    make_certs)

HERE = os.path.abspath(os.path.dirname(__file__))
CLIENT = os.path.join(HERE, "relay_client.py")
WEB = SERVER_IPS[:3]


def relay_conf(rl, extra_proto=(), headerlen=None, websockets=False,
        tls=None):
    lines = [
        "interval 1", "timeout 500", "log state changes", "",
        "table <web> { %s }" % ", ".join(WEB),
        "table <other> { %s }" % SERVER_IPS[3], "",
        'http protocol "web" {',
        '\tmatch request header set "X-Relay" value "hakit"',
        '\tmatch request header append "X-Forwarded-For" '
        'value "$REMOTE_ADDR"',
        '\tmatch request header remove "X-Secret"',
        '\tmatch response header set "X-Served-By" value "relayd"',
        '\tblock request quick path "/blocked*" label "no entry here"',
        '\tmatch request path "/other*" forward to <other>',
        '\tmatch request query "tag" value "yes" tag "tq"',
        '\tmatch request tagged "tq" header set "X-Tagged" value "yes"',
        "\treturn error",
    ]
    if headerlen:
        lines.append("\thttp { headerlen %d }" % headerlen)
    if websockets:
        lines.append("\thttp { websockets }")
    lines += ["\t%s" % l for l in extra_proto]
    lines += ["}", ""]
    lines += ['relay "www" {', "\tlisten on %s port 80" % VIP,
        '\tprotocol "web"',
        '\tforward to <web> port 8080 mode roundrobin check http "/" '
        'code 200',
        '\tforward to <other> port 8080 check http "/" code 200',
        "\tsession timeout 30", "}", "",
        'relay "chat" {', "\tlisten on %s port 7000" % VIP,
        "\tforward to <web> port 7000 mode roundrobin check tcp", "}", "",
        'relay "chatpp" {', "\tlisten on %s port 7001" % VIP,
        "\tproxy-protocol v1",
        "\tforward to <web> port 7000 mode roundrobin check tcp", "}", ""]
    if tls:
        lines += ['http protocol "front" {',
            '\tmatch response header set "X-Front" value "tls"',
            '\ttls { keypair "a.example" cert "%s" key "%s", '
            'keypair "b.example" cert "%s" key "%s" }' % tls, "}", "",
            'relay "front" {', "\tlisten on %s port 443 tls" % VIP,
            '\tprotocol "front"',
            '\tforward to <web> port 8080 mode roundrobin check http "/" '
            'code 200', "}", "",
            'relay "back" {', "\tlisten on %s port 8000" % VIP,
            '\tforward with tls to <web> port 8443 mode roundrobin '
            'check tcp', "}", ""]
    return "\n".join(lines) + "\n"


def relay_certs(rl):
    """a.example and b.example, signed by the lab's CA."""
    d = os.path.dirname(rl.ca)
    out = []
    for name in ("a.example", "b.example"):
        for args in (["req", "-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
                name + ".key", "-out", name + ".csr", "-subj",
                "/CN=" + name],
                ["x509", "-req", "-in", name + ".csr", "-CA", "ca.crt",
                "-CAkey", "ca.key", "-CAcreateserial", "-out",
                name + ".crt", "-days", "2"]):
            subprocess.run(["openssl"] + args, cwd=d, check=True,
                capture_output=True, timeout=30)
        os.chmod(os.path.join(d, name + ".key"), 0o600)
        out += [os.path.join(d, name + ".crt"),
            os.path.join(d, name + ".key")]
    return tuple(out)


def start(rl, relayd, **kw):
    d = relayd(rl.box, relay_conf(rl, **kw))
    d.wait_states({ip: "up" for ip in WEB}, 15)
    return d


def client(rl, data, port=80, maxtime=10, **opts):
    """What the client saw: {"recv": bytes, "closed", "error", ...}."""
    arg = data.hex()
    if len(data) > 64 * 1024:
        arg = "@" + rl.lab.write("request.bin", "")
        with open(arg[1:], "wb") as f:
            f.write(data)
    argv = [PYTHON, CLIENT, VIP, str(port), arg, str(maxtime)]
    for k, v in opts.items():
        if v is True:
            argv.append("--" + k)
        elif v:
            argv += ["--" + k, str(v)]
    r = rl.client.run(argv, timeout=maxtime + 30)
    res = json.loads(r.stdout.strip().splitlines()[-1])
    res["recv"] = base64.b64decode(res["recv"])
    return res


def get(path, extra=b"", host=b"www.example.com", close=True):
    return b"GET " + path + b" HTTP/1.1\r\nHost: " + host + b"\r\n" + \
        extra + (b"Connection: close\r\n" if close else b"") + b"\r\n"


def responses(raw):
    return re.findall(rb"^HTTP/1\.[01] (\d{3})", raw, re.M)


def test_a_tcp_relay_carries_a_conversation_to_each_live_host(relayd_lab,
        relayd):
    rl = relayd_lab
    d = start(rl, relayd)
    seen = set()
    for _ in range(9):
        r = client(rl, b"hello relay\n", port=7000, maxtime=2, hold=1.0)
        m = re.search(rb"250 (s\d) hello relay", r["recv"])
        assert m and r["recv"].startswith(b"220 "), (r, d.diag())
        seen.add(m.group(1).decode())
    assert seen == {"s1", "s2", "s3"}, seen
    rows = {x["name"]: x for x in d.items("relays") if x["type"] == "relay"}
    assert rows["chat"]["status"] == "active"


def test_filter_rules_change_what_the_backend_and_the_client_see(
        relayd_lab, relayd):
    rl = relayd_lab
    start(rl, relayd)
    r = client(rl, get(b"/echo/a?tag=yes", b"X-Secret: s3cr3t\r\n"
        b"X-Forwarded-For: 192.0.2.99\r\n"))
    head, _, body = r["recv"].partition(b"\r\n\r\n")
    assert responses(r["recv"]) == [b"200"], r
    assert b"X-Served-By: relayd" in head, head
    assert b"X-Relay: hakit" in body and b"X-Tagged: yes" in body, body
    assert b"X-Secret" not in body, body
    # append: the client's value kept, ours added after it
    xff = re.findall(rb"X-Forwarded-For: ([^\r]*)", body)
    assert xff == [b"192.0.2.99", CLIENT_IPS[0].encode()], body
    # no tag without the query
    r = client(rl, get(b"/echo/b"))
    assert b"X-Tagged" not in r["recv"], r


def test_a_block_rule_answers_403_with_its_label_and_reaches_no_backend(
        relayd_lab, relayd):
    rl = relayd_lab
    start(rl, relayd)
    r = client(rl, get(b"/blocked/x"))
    assert responses(r["recv"]) == [b"403"], r
    assert b"no entry here" in r["recv"] and r["closed"], r


def test_forward_to_sends_a_path_to_its_table(relayd_lab, relayd):
    rl = relayd_lab
    start(rl, relayd)
    for _ in range(4):
        r = client(rl, get(b"/other/echo"))
        assert r["recv"].split(b"\r\n\r\n", 1)[1].startswith(b"s4\n"), r
    r = client(rl, get(b"/"))
    assert r["recv"].split(b"\r\n\r\n", 1)[1] in (b"s1\n", b"s2\n",
        b"s3\n"), r


# One keep-alive connection, one request at a time: each response read
# whole before the next request; then held open for a look at the box.
SEQUENTIAL = r"""
import json, socket, sys, time
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), 5)
s.settimeout(5)
out = []
for path in sys.argv[3].split(","):
    s.sendall(b"GET %s HTTP/1.1\r\nHost: www.example.com\r\n\r\n" %
        path.encode())
    buf = b""
    while b"\r\n\r\n" not in buf:
        buf += s.recv(65536)
    head, body = buf.split(b"\r\n\r\n", 1)
    n = int([l.split(b":")[1] for l in head.split(b"\r\n")
        if l.lower().startswith(b"content-length:")][0])
    while len(body) < n:
        body += s.recv(65536)
    out.append(body.split(b"\n", 1)[0].decode())
print(json.dumps(out), flush=True)
time.sleep(float(sys.argv[4]))
"""


def test_keep_alive_requests_go_to_the_table_their_rules_name(relayd_lab,
        relayd):
    """PP-2: on one keep-alive connection, a request a rule sends to
    <other> reaches s4, the next one the default <web>, and the one
    after that s4 again over the same backend connection, kept in the
    session's pool (OpenBSD keeps them all on the first backend)."""
    rl = relayd_lab
    start(rl, relayd)
    p = rl.client.popen([PYTHON, "-c", SEQUENTIAL, VIP, "80",
        "/other/1,/echo/2,/other/3,/echo/4", "4"],
        log=rl.lab.path("seq.json"))
    wait_until(lambda: os.path.exists(rl.lab.path("seq.json")) and
        "]" in open(rl.lab.path("seq.json")).read(), 15,
        desc=lambda: open(rl.lab.path("seq.json")).read())
    got = json.loads(open(rl.lab.path("seq.json")).read().splitlines()[0])
    assert got[0] == got[2] == "s4" and got[1] in ("s1", "s2", "s3") and \
        got[3] == got[1], got
    # one connection to s4 and one to the <web> server, both open (a
    # health check may add a short-lived one: look a few times)
    def backend_conns():
        out = rl.box.run(["ss", "-Htn", "state", "established"]).stdout
        peers = [l.split()[-1] for l in out.splitlines()]
        peers = [a for a in peers if a.endswith(":8080")]
        return (peers.count(SERVER_IPS[3] + ":8080"), len(peers))
    wait_until(lambda: backend_conns() == (1, 2), 3, desc=backend_conns)
    assert p.wait(30) is not None


def test_pipelined_requests_get_their_responses_in_order(relayd_lab,
        relayd):
    rl = relayd_lab
    start(rl, relayd)
    req = get(b"/echo/1", close=False) + get(b"/echo/2", close=False) + \
        get(b"/echo/3")
    r = client(rl, req)
    assert responses(r["recv"]) == [b"200"] * 3, r
    order = re.findall(rb"GET (/echo/\d) HTTP", r["recv"])
    assert order == [b"/echo/1", b"/echo/2", b"/echo/3"], r


def test_a_chunked_body_passes_and_a_bad_chunk_is_refused(relayd_lab,
        relayd):
    rl = relayd_lab
    start(rl, relayd)
    body = b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
    r = client(rl, b"POST /echo/c HTTP/1.1\r\nHost: x\r\n"
        b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n" + body)
    assert responses(r["recv"]) == [b"200"] and body in r["recv"], r
    r = client(rl, b"POST /echo/c HTTP/1.1\r\nHost: x\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n0x5\r\nhello\r\n0\r\n\r\n")
    assert responses(r["recv"]) == [b"400"] and r["closed"], r


def test_a_smuggling_attempt_reaches_the_backend_as_one_chunked_request(
        relayd_lab, relayd):
    """IMP-3: Content-Length and Transfer-Encoding together: the length
    is dropped, the body read as chunked, the connection closed after,
    so the request hidden after the chunked end is never a request."""
    rl = relayd_lab
    start(rl, relayd)
    hidden = b"GET /echo/hidden HTTP/1.1\r\nHost: x\r\n\r\n"
    r = client(rl, b"POST /echo/s HTTP/1.1\r\nHost: x\r\n"
        b"Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"0\r\n\r\n" + hidden)
    assert responses(r["recv"]) == [b"200"], r
    assert b"/echo/hidden" not in r["recv"], r
    echoed = r["recv"].split(b"\r\n\r\n", 1)[1]
    assert b"Content-Length" not in echoed.split(b"\r\n\r\n")[0], echoed
    assert r["closed"]


@pytest.mark.parametrize("raw,status", [
    (b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
     b"Content-Length: 4\r\n\r\nabcd", b"400"),
    (b"GET / HTTP/1.1\r\nHost: x\r\nThis line has no colon\r\n\r\n",
     b"400"),
    (b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 3000 + b"\r\n\r\n",
     b"413"),
    (b"GET / HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-H%d: v\r\n" % i
     for i in range(140)) + b"\r\n", b"431"),
])
def test_malformed_requests_get_their_error_and_a_closed_connection(
        relayd_lab, relayd, raw, status):
    rl = relayd_lab
    start(rl, relayd, headerlen=2048)
    r = client(rl, raw)
    assert responses(r["recv"]) == [status] and r["closed"], r


def test_a_slow_client_gets_408_and_nobody_else_waits(relayd_lab,
        relayd):
    rl = relayd_lab
    start(rl, relayd)
    argv = [PYTHON, CLIENT, VIP, "80", get(b"/").hex(), "30", "--slow"]
    p = rl.client.popen(argv, log=rl.lab.path("slow.json"))
    t0 = time.monotonic()
    f = rl.fetch(20)
    assert not f.errors, f
    assert time.monotonic() - t0 < 8, "others waited for the slow client"
    assert p.wait(30) is not None
    res = json.loads(open(rl.lab.path("slow.json")).read().splitlines()[-1])
    raw = base64.b64decode(res["recv"])
    assert responses(raw) == [b"408"] and res["closed"], res


def test_tls_termination_picks_the_certificate_sni_asks_for(relayd_lab,
        relayd):
    rl = relayd_lab
    certs = relay_certs(rl)
    d = relayd(rl.box, relay_conf(rl, tls=certs))
    d.wait_states({ip: "up" for ip in WEB}, 15)
    for name in ("a.example", "b.example"):
        r = client(rl, get(b"/"), port=443, tls=True, sni=name, ca=rl.ca)
        assert r["error"] is None and r.get("peer_cn") == name, r
        assert responses(r["recv"]) == [b"200"], r
        assert b"X-Front: tls" in r["recv"], r
    # no SNI: the first keypair
    r = client(rl, get(b"/"), port=443, tls=True, ca=rl.ca)
    assert r.get("peer_cn") == "a.example", r


def test_tls_to_the_backend_carries_plain_clients(relayd_lab, relayd):
    rl = relayd_lab
    certs = relay_certs(rl)
    d = relayd(rl.box, relay_conf(rl, tls=certs))
    d.wait_states({ip: "up" for ip in WEB}, 15)
    r = client(rl, get(b"/"), port=8000)
    assert responses(r["recv"]) == [b"200"], (r, d.diag())
    assert r["recv"].split(b"\r\n\r\n", 1)[1] in (b"s1\n", b"s2\n",
        b"s3\n"), r


def test_a_backend_dying_mid_response_ends_that_session_only(relayd_lab,
        relayd):
    rl = relayd_lab
    d = start(rl, relayd)
    for w in WEB:
        rl.ws(w).set("huge")
    argv = [PYTHON, CLIENT, VIP, "80", get(b"/").hex(), "20"]
    p = rl.client.popen(argv, log=rl.lab.path("huge.json"))
    time.sleep(2)
    for w in WEB:
        rl.ws(w).kill()
    assert p.wait(20) is not None, "the client hung on a dead backend"
    res = json.loads(open(rl.lab.path("huge.json")).read().splitlines()[-1])
    assert res["closed"] or res["error"], res
    assert d.alive()
    # once the checks see them down, <other> serves (REL-4)
    d.wait_states({ip: "down" for ip in WEB}, 15)
    r = client(rl, get(b"/"), port=80)
    assert responses(r["recv"]) == [b"200"] and b"s4" in r["recv"], r


def test_a_reload_closes_no_session_and_sessions_are_listed(relayd_lab,
        relayd):
    rl = relayd_lab
    d = start(rl, relayd)
    h = Hold(rl, interval=0.2, count=150, maxtime=40)
    wait_until(lambda: len(h.answers()) >= 3, 10,
        desc=lambda: "held keep-alive session: " + h.describe())
    text = d.text("sessions")
    assert re.search(r"^session 0:\d+ %s:\d+ -> %s:80\tRUNNING$" % (
        re.escape(CLIENT_IPS[0]), re.escape(VIP)), text, re.M), text
    assert re.search(r"^\tage \d\d:\d\d:\d\d, idle \d\d:\d\d:\d\d, "
        r"relay 1, pid \d+", text, re.M), text
    n = len(h.answers())
    d.proc.send_signal(signal.SIGHUP)
    wait_until(lambda: "configuration 1 loaded" in d.log_text(), 10,
        desc="reload done")
    wait_until(lambda: len(h.answers()) >= n + 10, 10,
        desc=lambda: "the held session answers after the reload: " +
        h.describe())
    st = h.stop()
    bad = [a for a in (r[1] for r in st["rounds"]) if a not in
        ("s1", "s2", "s3")]
    assert not bad and st.get("error") is None, h.describe()


def test_a_relay_listens_on_an_address_the_box_does_not_hold_yet(
        relayd_lab, relayd):
    """IP_FREEBIND: a backup listens on the VIP before carpd gives it;
    the moment the address arrives the relay answers on it."""
    rl = relayd_lab
    vip2 = "203.0.113.2"
    conf = relay_conf(rl).replace("listen on %s port 80" % VIP,
        "listen on %s port 80" % vip2)
    d = relayd(rl.box, conf)
    d.wait_states({ip: "up" for ip in WEB}, 15)
    rl.box.run(["ip", "addr", "add", vip2 + "/24", "dev", "eth1"])
    argv = [PYTHON, CLIENT, vip2, "80", get(b"/").hex(), "10"]
    r = json.loads(rl.client.run(argv, timeout=40).stdout.strip()
        .splitlines()[-1])
    raw = base64.b64decode(r["recv"])
    assert responses(raw) == [b"200"], (r, d.diag())


def test_a_websocket_upgrade_is_refused_unless_allowed(relayd_lab,
        relayd):
    rl = relayd_lab
    start(rl, relayd)
    r = client(rl, get(b"/chat", b"Upgrade: websocket\r\n"
        b"Connection: upgrade\r\nSec-WebSocket-Key: x\r\n"
        b"Sec-WebSocket-Version: 13\r\n", close=False))
    assert responses(r["recv"]) == [b"403"] and r["closed"], r


def test_large_bodies_arrive_whole_through_keep_alive(relayd_lab, relayd):
    """Bodies past 32 KiB move by splice(2) between the sockets; the
    next response on the connection still parses."""
    rl = relayd_lab
    start(rl, relayd)
    req = get(b"/big/1", close=False) + get(b"/echo/after", close=False) + \
        get(b"/big/2")
    r = client(rl, req, maxtime=20)
    raw = r["recv"]
    assert responses(raw) == [b"200"] * 3, (len(raw), raw[:300])
    parts = raw.split(b"HTTP/1.1 200")
    bodies = [p.split(b"\r\n\r\n", 1)[1] for p in parts[1:]]
    for b in (bodies[0], bodies[2]):
        name = b[:3]
        assert b == name * (1 << 18), (len(b), b[:20])
    assert b"GET /echo/after" in bodies[1], bodies[1][:200]
    assert r["closed"]


def test_a_large_upload_arrives_whole_and_the_next_request_parses(
        relayd_lab, relayd):
    """A 1 MiB request body moves by splice(2) client -> backend (the
    log says so), the server gets every byte, and the request pipelined
    behind it is still read as a request."""
    rl = relayd_lab
    d = relayd(rl.box, relay_conf(rl), args=["-v"])
    d.wait_states({ip: "up" for ip in WEB}, 15)
    upload = bytes(range(256)) * 4096
    req = b"POST /echo/up HTTP/1.1\r\nHost: www.example.com\r\n" \
        b"Content-Length: %d\r\n\r\n" % len(upload) + upload + \
        get(b"/echo/after")
    r = client(rl, req, maxtime=20)
    raw = r["recv"]
    assert responses(raw) == [b"200"] * 2, (len(raw), raw[:300])
    first, second = raw.split(b"HTTP/1.1 200")[1:]
    assert upload + b"\npeer: " in first, len(first)
    assert b"GET /echo/after" in second, second[:200]
    wait_until(lambda: "request body bytes by splice" in d.log_text(), 5,
        desc=d.log_text)


def test_proxy_protocol_tells_the_backend_who_the_client_is(relayd_lab,
        relayd):
    """REL-12: the backend (an echo of lines) gets the PROXY v1 line
    first: the client's address and port, the VIP and the relay's
    port."""
    rl = relayd_lab
    start(rl, relayd)
    r = client(rl, b"hello\n", port=7001, maxtime=2, hold=1.0)
    m = re.search(rb"250 s\d PROXY TCP4 (\S+) (\S+) (\d+) (\d+)\r\n",
        r["recv"])
    assert m, r
    assert m.group(1).decode() == CLIENT_IPS[0]
    assert m.group(2).decode() == VIP and m.group(4) == b"7001"
    assert re.search(rb"250 s\d hello", r["recv"]), r


DNS_SERVER = r"""
import socket, struct, sys, time
name, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 5353))
s.settimeout(0.5)
end = time.monotonic() + float(sys.argv[3])
seen = []
while time.monotonic() < end and len(seen) < 1000:
    try:
        q, a = s.recvfrom(512)
    except socket.timeout:
        continue
    qid = struct.unpack(">H", q[:2])[0]
    seen.append(qid)
    with open(out, "w") as f:
        f.write(" ".join(map(str, seen)))
    # header: id, QR|RD|RA, 1 question, 1 answer; the question echoed;
    # an A record naming this server (192.0.2.1NN)
    qend = q.index(b"\0", 12) + 5
    ans = b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 60, 4) + \
        bytes([192, 0, 2, 100 + int(name[1:])])
    s.sendto(q[:2] + b"\x81\x80" + q[4:6] + b"\x00\x01\x00\x00\x00\x00" +
        q[12:qend] + ans, a)
"""

DNS_CLIENT = r"""
import json, socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(3)
res = []
for i in range(int(sys.argv[2])):
    qid = 0x1200 + i
    q = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0) + \
        b"\x03www\x07example\x03com\x00" + struct.pack(">HH", 1, 1)
    s.sendto(q, (sys.argv[1], 53))
    try:
        r, _ = s.recvfrom(512)
        res.append([struct.unpack(">H", r[:2])[0] == qid, r[-1]])
    except socket.timeout:
        res.append([False, None])
print(json.dumps(res))
"""


def test_a_dns_relay_swaps_query_ids_and_spreads_over_live_servers(
        relayd_lab, relayd):
    """REL-19: each query reaches a backend under an ID of relayd's
    choosing; the client gets its own ID back with the answer."""
    rl = relayd_lab
    procs = []
    for i, h in enumerate(rl.servers[:3]):
        procs.append(h.popen([PYTHON, "-c", DNS_SERVER, h.name,
            rl.lab.path("dns-%s.ids" % h.name), "60"]))
    conf = relay_conf(rl) + "\n".join([
        'dns protocol "dnsp" { }',
        'relay "dns" {', "\tlisten on %s port 53" % VIP,
        '\tprotocol "dnsp"',
        "\tforward to <web> port 5353 mode roundrobin check icmp", "}",
        ""])
    d = relayd(rl.box, conf)
    d.wait_states({ip: "up" for ip in WEB}, 15)
    r = rl.client.run([PYTHON, "-c", DNS_CLIENT, VIP, "12"], timeout=60)
    res = json.loads(r.stdout.strip().splitlines()[-1])
    assert all(ok for ok, _ in res), (res, d.diag())
    assert {last for _, last in res} == {101, 102, 103}, res
    ids = []
    for h in rl.servers[:3]:
        with open(rl.lab.path("dns-%s.ids" % h.name)) as f:
            ids += [int(x) for x in f.read().split()]
    assert len(ids) == 12
    # relayd's own random IDs (a chance match of one or two is fine)
    assert len(set(ids) & {0x1200 + i for i in range(12)}) <= 2, ids


def relay_rss(d):
    """{pid: resident KiB} of relayd's relay processes."""
    out = {}
    for pid in children(d, "relay"):
        try:
            with open("/proc/%d/status" % pid) as f:
                out[pid] = int(re.search(r"^VmRSS:\s*(\d+)", f.read(),
                    re.M).group(1))
        except OSError:
            continue
    return out


def test_a_slow_reader_costs_bounded_memory(relayd_lab, relayd):
    """IMP-9: a TLS client (no splice: every byte through the process)
    asks for an endless body and reads nothing; relayd stops reading
    the backend instead of buffering, and its relay processes stay
    small."""
    rl = relayd_lab
    certs = relay_certs(rl)
    d = relayd(rl.box, relay_conf(rl, tls=certs))
    d.wait_states({ip: "up" for ip in WEB}, 15)
    before = sum(relay_rss(d).values())
    for w in WEB:
        rl.ws(w).set("huge")
    argv = [PYTHON, CLIENT, VIP, "443", get(b"/").hex(), "12", "--tls",
        "--sni", "a.example", "--ca", rl.ca, "--noread", "8"]
    p = rl.client.popen(argv, log=rl.lab.path("slowread.json"))
    time.sleep(6)
    during = sum(relay_rss(d).values())
    assert during - before < 40 * 1024, (before, during)
    assert p.wait(30) is not None
    for w in WEB:
        rl.ws(w).set("ok")
    r = client(rl, get(b"/"), port=443, tls=True, sni="a.example",
        ca=rl.ca)
    assert responses(r["recv"]) == [b"200"], r


def test_a_transparent_forward_reaches_the_backend_from_the_clients_address(
        relayd_lab, relayd):
    """REL-6: the backend sees the client's address, not relayd's; the
    parent makes each such socket (IP_TRANSPARENT needs CAP_NET_ADMIN)
    and the operator's policy routing brings the replies home."""
    rl = relayd_lab
    box = rl.box
    box.run(["ip", "rule", "add", "fwmark", "1", "lookup", "100"])
    box.run(["ip", "route", "add", "local", "0.0.0.0/0", "dev", "lo",
        "table", "100"])
    box.run(["nft", "-f", "-"], input="table ip tp {\n"
        "\tchain pre {\n\t\ttype filter hook prerouting priority mangle;"
        "\n\t\tsocket transparent 1 meta mark set 1\n\t}\n}\n")
    conf = relay_conf(rl) + "\n".join([
        'relay "tp" {', "\tlisten on %s port 8090" % VIP,
        "\ttransparent forward to <web> port 8080 mode roundrobin "
        'check http "/" code 200', "}", ""])
    d = relayd(box, conf)
    d.wait_states({ip: "up" for ip in WEB}, 15)
    r = client(rl, get(b"/echo/tp"), port=8090)
    assert responses(r["recv"]) == [b"200"], (r, d.diag())
    assert b"peer: " + CLIENT_IPS[0].encode() in r["recv"], r
    # the ordinary relay still connects from relayd's own address
    r = client(rl, get(b"/echo/plain"))
    assert b"peer: 198.51.100.1\n" in r["recv"], r


def divert_conf(rl, dst, forward):
    """An nft tproxy rule in the box hands the client's flows for
    dst:8080 to a relay on VIP:8091 with this forward line; returns
    relay_conf's configuration with that relay added."""
    box = rl.box
    box.run(["ip", "rule", "add", "fwmark", "1", "lookup", "100"])
    box.run(["ip", "route", "add", "local", "0.0.0.0/0", "dev", "lo",
        "table", "100"])
    box.run(["nft", "-f", "-"], input="table ip tpx {\n"
        "\tchain pre {\n\t\ttype filter hook prerouting priority mangle;"
        "\n\t\tiifname \"eth1\" ip daddr %s tcp dport 8080 "
        "tproxy to %s:8091 meta mark set 1 accept\n\t}\n}\n" % (dst, VIP))
    return relay_conf(rl) + "\n".join([
        'http protocol "div" {',
        '\tmatch request header set "X-Relay" value "hakit"', "}",
        'relay "divert" {', "\tlisten on %s port 8091" % VIP,
        '\tprotocol "div"', "\t" + forward, "}", ""])


def test_forward_to_destination_serves_flows_an_nft_tproxy_rule_diverts(
        relayd_lab, relayd):
    """REL-7: the client talks to s1 itself through the box; an nft
    tproxy rule hands the flow to the relay, which forwards it to the
    original destination, with the protocol's rules applied."""
    rl = relayd_lab
    box = rl.box
    s1 = SERVER_IPS[0]
    d = relayd(box, divert_conf(rl, s1, "forward to destination"))
    d.wait_states({ip: "up" for ip in WEB}, 15)
    argv = [PYTHON, CLIENT, s1, "8080", get(b"/echo/divert").hex(), "10"]
    r = json.loads(rl.client.run(argv, timeout=40).stdout.strip()
        .splitlines()[-1])
    raw = base64.b64decode(r["recv"])
    assert responses(raw) == [b"200"], (r, d.diag())
    body = raw.split(b"\r\n\r\n", 1)[1]
    assert body.startswith(b"s1\n") and b"X-Relay: hakit" in body, raw


def test_inet6_prefix_maps_an_ipv4_destination_to_ipv6(relayd_lab, relayd):
    """REL-11: a diverted flow for s1's IPv4 address reaches s1 over
    IPv6 at the prefix's first 96 bits and the IPv4 address's 32
    (2001:db8:2::/96 and 198.51.100.11 make 2001:db8:2::c633:640b)."""
    import ipaddress
    rl = relayd_lab
    box = rl.box
    s1 = SERVER_IPS[0]
    v6 = str(ipaddress.IPv6Address(int(ipaddress.IPv6Address(
        "2001:db8:2::")) | int(ipaddress.IPv4Address(s1))))
    assert v6 == "2001:db8:2::c633:640b"
    box.run(["ip", "-6", "addr", "add", "2001:db8:2::1/64", "dev", "eth2",
        "nodad"])
    srv = rl.servers[0]
    srv.run(["ip", "-6", "addr", "add", v6 + "/64", "dev", "eth1",
        "nodad"])
    ctl = rl.lab.path("s1v6.mode")
    with open(ctl, "w") as f:
        f.write("ok\n")
    srv.popen([PYTHON, os.path.join(HERE, "websrv.py"), "--name", "s1v6",
        "--addr", v6, "--http", "8080", "--ctl", ctl, "--maxtime", "120"])
    wait_until(lambda: os.path.exists(ctl + ".ack"), 10, desc="websrv6")
    d = relayd(box, divert_conf(rl, s1,
        "forward to destination inet6 2001:db8:2::/96"))
    d.wait_states({ip: "up" for ip in WEB}, 15)
    argv = [PYTHON, CLIENT, s1, "8080", get(b"/echo/v6").hex(), "10"]
    r = json.loads(rl.client.run(argv, timeout=40).stdout.strip()
        .splitlines()[-1])
    raw = base64.b64decode(r["recv"])
    assert responses(raw) == [b"200"], (r, d.diag())
    body = raw.split(b"\r\n\r\n", 1)[1]
    assert body.startswith(b"s1v6\n") and b"peer: 2001:db8:2::1" in body, \
        raw


IDLE_CLIENT = r"""
import json, socket, sys, time
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), 5)
s.settimeout(1.0)
got, t0 = b"", time.monotonic()
gaps = [float(x) for x in sys.argv[3].split(",")]
closed_at = None
for i, gap in enumerate(gaps):
    try:
        s.sendall(b"line %d\n" % i)
    except OSError:
        closed_at = time.monotonic() - t0
        break
    end = time.monotonic() + gap
    while time.monotonic() < end:
        try:
            d = s.recv(4096)
        except socket.timeout:
            continue
        if not d:
            closed_at = time.monotonic() - t0
            break
        got += d
    if closed_at is not None:
        break
print(json.dumps({"closed_at": closed_at, "lines": got.count(b"250 ")}))
"""


def test_the_session_timeout_is_idle_time_not_a_lifetime(relayd_lab,
        relayd):
    """REL-14: with session timeout 3, a conversation with a line every
    second lives 6 s; one silent for 5 s is closed after about 3."""
    rl = relayd_lab
    conf = relay_conf(rl).replace(
        "\tforward to <web> port 7000 mode roundrobin check tcp\n}",
        "\tforward to <web> port 7000 mode roundrobin check tcp\n"
        "\tsession timeout 3\n}", 1)
    d = relayd(rl.box, conf)
    d.wait_states({ip: "up" for ip in WEB}, 15)
    busy = json.loads(rl.client.run([PYTHON, "-c", IDLE_CLIENT, VIP,
        "7000", ",".join(["1"] * 6)], timeout=60).stdout)
    assert busy["closed_at"] is None and busy["lines"] == 6, busy
    idle = json.loads(rl.client.run([PYTHON, "-c", IDLE_CLIENT, VIP,
        "7000", "8,1"], timeout=60).stdout)
    assert idle["closed_at"] is not None and 2.5 < idle["closed_at"] < 6, \
        idle
