# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The hakit Authors
"""
Relay counters (CTL-5, bad input): each malformed head, smuggling
attempt, block, slow head, failed connect and missing backend gets its
answer and is counted once, on its relay, summed over the relay
processes, and relayctl show relays shows the sums in JSON and text.
The next good request is answered as before.
"""

import base64
import json
import re
import signal
import time

from lab import PYTHON, wait_until
from relayd_lab import SERVER_IPS, VIP
from test_relayd_relays import (CLIENT, WEB, client, get, relay_conf,
    responses)

PAD = "\t        \t"
KEYS = ("bad_request", "too_long", "too_many", "other", "timeout",
    "bad_chunk", "edit", "smuggle", "blocked", "connect", "no_backend",
    "bad_response", "early_close", "tls", "backend_tls")
GONE = "198.51.100.99"     # no such host: its check fails


def counters_conf(rl):
    """relay_conf's relays (headerlen 2048) and two more, plain HTTP:
    "dead" forwards to a closed port, "none" to a table whose host is
    down."""
    conf = relay_conf(rl, headerlen=2048)
    other = "table <other> { %s }\n" % SERVER_IPS[3]
    www = 'relay "www" {\n'
    assert other in conf and www in conf
    conf = conf.replace(other, other + "table <gone> { %s }\n" % GONE)
    conf = conf.replace(www, 'http protocol "plain" {\n\treturn error\n'
        '}\n\n' + www)
    return conf + "\n".join([
        'relay "dead" {', "\tlisten on %s port 9000" % VIP,
        '\tprotocol "plain"', "\tforward to %s port 9" % SERVER_IPS[0],
        "}", 'relay "none" {', "\tlisten on %s port 9001" % VIP,
        '\tprotocol "plain"',
        "\tforward to <gone> port 8080 check tcp", "}", ""])


def counters(d):
    """{relay name: its counters} from relayctl -j show relays."""
    out = {}
    for i in d.items("relays"):
        if i.get("type") == "relay":
            assert set(i["counters"]) == set(KEYS), i
            out[i["name"]] = i["counters"]
    return out


def want(**kw):
    c = dict.fromkeys(KEYS, 0)
    c.update(kw)
    return c


def settled(d, expect):
    """The counters once their sum reached expect's, one report later
    (a second count of anything would show by then)."""
    total = sum(sum(c.values()) for c in expect.values())
    wait_until(lambda: sum(sum(c.values()) for c in
        counters(d).values()) >= total, 15,
        desc=lambda: "counters to reach %d: %r" % (total, counters(d)))
    time.sleep(2)
    return counters(d)


def block(text, name):
    """The counter lines relayctl show relays prints for relay name
    (without OpenBSD's statistics lines, there once a minute passed)."""
    m = re.search(r"^\d+\s*\trelay   \t%s\s*\t\s*\t\S+\n((?:%s.*\n)*)" % (
        re.escape(name), re.escape(PAD)), text, re.M)
    assert m, text
    return "".join(l for l in m.group(1).splitlines(True)
        if not re.match(re.escape(PAD) + "(total|last|average): ", l))


BAD = [
    (get(b"/", b"This line has no colon\r\n"), b"400"),
    (b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
     b"Content-Length: 4\r\n\r\nabcd", b"400"),
    (get(b"/", b"X-Big: " + b"a" * 3000 + b"\r\n"), b"413"),
    (get(b"/", b"".join(b"X-H%d: v\r\n" % i for i in range(140))),
     b"431"),
    (get(b"/chat", b"Upgrade: websocket\r\nConnection: upgrade\r\n"
     b"Sec-WebSocket-Key: x\r\nSec-WebSocket-Version: 13\r\n",
     close=False), b"403"),
    (b"POST /echo/c HTTP/1.1\r\nHost: x\r\n"
     b"Transfer-Encoding: chunked\r\n\r\n0x5\r\nhello\r\n0\r\n\r\n",
     b"400"),
    (get(b"/blocked/x"), b"403"),
]


def test_bad_input_is_counted_once_per_relay_and_shown(relayd_lab,
        relayd):
    rl = relayd_lab
    d = relayd(rl.box, counters_conf(rl))
    d.wait_states(dict({ip: "up" for ip in WEB}, **{GONE: "down"}), 20)
    assert counters(d) == {n: want() for n in ("www", "chat", "chatpp",
        "dead", "none")}
    r = client(rl, get(b"/"))
    assert responses(r["recv"]) == [b"200"], r

    for raw, status in BAD:
        r = client(rl, raw)
        assert responses(r["recv"]) == [status] and r["closed"], r
    # IMP-3: passed as one chunked request, then closed
    r = client(rl, b"POST /echo/s HTTP/1.1\r\nHost: x\r\n"
        b"Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"0\r\n\r\nGET /echo/hidden HTTP/1.1\r\nHost: x\r\n\r\n")
    assert responses(r["recv"]) == [b"200"] and r["closed"], r
    r = client(rl, get(b"/"), port=9000)
    assert responses(r["recv"]) == [b"502"], r
    r = client(rl, get(b"/"), port=9001)
    assert responses(r["recv"]) == [b"503"], r
    # the good request after them all
    r = client(rl, get(b"/"))
    assert responses(r["recv"]) == [b"200"], r

    expect = {
        "www": want(bad_request=2, too_long=1, too_many=1, other=1,
            bad_chunk=1, blocked=1, smuggle=1),
        "chat": want(), "chatpp": want(),
        "dead": want(connect=1), "none": want(no_backend=1)}
    assert settled(d, expect) == expect, d.diag()

    text = d.text("relays")
    assert block(text, "www") == "".join(PAD + l + "\n" for l in (
        "refused: 2 bad requests (400)",
        "refused: 1 heads too long (413)",
        "refused: 1 heads with too many headers (431)",
        "refused: 1 other requests (403, 405, 500, 501, 505)",
        "refused: 1 bad chunked bodies (400)",
        "defused: 1 requests with Content-Length and Transfer-Encoding",
        "blocked: 1 by rules")), text
    assert block(text, "dead") == PAD + "backend: 1 connects failed\n", \
        text
    assert block(text, "none") == \
        PAD + "backend: 1 sessions with none available\n", text
    assert block(text, "chat") == "", text
    # the summary keeps OpenBSD's rows only
    assert PAD not in d.text("summary")

    # a reload keeps them: the relays keep their names
    d.proc.send_signal(signal.SIGHUP)
    wait_until(lambda: "configuration 1 loaded" in d.log_text(), 10,
        desc="reload done")
    assert counters(d) == expect
    r = client(rl, get(b"/"))
    assert responses(r["recv"]) == [b"200"], r


def test_a_slow_head_is_counted_as_a_timeout(relayd_lab, relayd):
    rl = relayd_lab
    d = relayd(rl.box, relay_conf(rl))
    d.wait_states({ip: "up" for ip in WEB}, 15)
    argv = [PYTHON, CLIENT, VIP, "80", get(b"/").hex(), "30", "--slow"]
    p = rl.client.popen(argv, log=rl.lab.path("slow.json"))
    # meanwhile others are served
    r = client(rl, get(b"/"))
    assert responses(r["recv"]) == [b"200"], r
    assert p.wait(30) is not None
    res = json.loads(open(rl.lab.path("slow.json")).read().splitlines()[-1])
    assert responses(base64.b64decode(res["recv"])) == [b"408"], res
    expect = {"www": want(timeout=1), "chat": want(), "chatpp": want()}
    assert settled(d, expect) == expect, d.diag()
    assert block(d.text("relays"), "www") == \
        PAD + "refused: 1 heads not complete in time (408)\n"
