# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The hakit Authors
"""
relayd's health checks (specs/relayd.md section 4, HCE; relayctl section
10), as an operator sees them in `relayctl show hosts`: every check
method marks a healthy web server up and a dead one down, each kind of
failure is named by its OpenBSD reason word on the counters line, and a
host goes back up once its server is fixed.

The servers are websrv.py processes (relayd_lab.py): dead means killed
(its ports closed), except for icmp where it means blackholed (a killed
process still answers ping).  interval 1, timeout 300 ms, no retry: one
failed check turns a host down, so every wait here is a few seconds.
"""

import re

import pytest

from lab import hold
from relayd_lab import (HTTP_PORT, SERVER_IPS, check_methods, parse_show,
    relayd_conf, user_can_exec)

S1, S2 = SERVER_IPS[:2]

METHODS = check_methods()


def two_hosts(rl, relayd, check, port):
    """relayd checking s1 and s2 (table <web>, no backup) with check on
    port; returns the Relayd once both are up."""
    conf = relayd_conf(check=check, port=port, hosts=(S1, S2), backup=())
    d = relayd(rl.box, conf)
    d.wait_states({S1: "up", S2: "up"}, 15)
    return d


def make_dead(rl, how, name):
    w = rl.ws(name)
    if how == "blackhole":
        w.blackhole(True)
    else:
        w.kill()


@pytest.mark.parametrize("method", METHODS, ids=[m.id for m in METHODS])
def test_every_check_method_marks_a_dead_server_down_and_a_healthy_one_up(
        method, relayd_lab, relayd):
    """
    HCE-1..10: for each method a healthy server is up, the same server
    dead is down with the method's reason, and comes back up when it
    lives again; the healthy neighbour stays up throughout.  This is the
    one thing a health checker is for: traffic must only go where a
    server answers.
    """
    rl = relayd_lab
    if method.id == "script":
        why = user_can_exec()
        if why is not None:
            pytest.skip(why)
        method = [m for m in check_methods(rl.script) if m.id == "script"][0]
    d = two_hosts(rl, relayd, method.words, method.port)
    st, why = d.reason(S1)
    assert st == "up" and why is None, d.diag()
    h = d.host_item(S1)
    assert h["error"] in (method.up, "none", None, ""), \
        "up host's last result %r, wanted %r\n%s" % (h["error"],
        method.up, d.diag())

    make_dead(rl, method.dead, "s2")
    d.wait_down(S2, method.down, 10)
    assert d.state(S2) == "down"
    hold(lambda: d.state(S1) == "up", 2, desc="s1 stays up while s2 is "
        "dead")

    rl.ws("s2").fix()
    d.wait_states({S2: "up"}, 10)
    assert d.reason(S2) == ("up", None), d.diag()
    assert d.alive()


# (websrv mode or "blackhole", check method id, reason shown)
FAILURES = [
    ("code500", "http-code", "http code mismatch"),
    ("code500", "https-code", "http code mismatch"),
    ("body", "http-digest", "http digest mismatch"),
    ("body", "https-digest", "http digest mismatch"),
    ("hang", "http-code", "tcp read timeout"),
    ("hang", "send-expect", "tcp read timeout"),
    ("body", "send-expect", "send/expect failed"),
    ("body", "binary", "send/expect failed"),
    ("refuse", "tcp", "tcp connect failed"),
    ("blackhole", "tcp", "tcp connect timeout"),
    ("blackhole", "http-code", "tcp connect timeout"),
]


@pytest.mark.parametrize("mode,method_id,reason", FAILURES,
    ids=["%s-%s" % (m, c) for m, c, _ in FAILURES])
def test_a_failing_check_shows_its_reason_and_the_host_returns_when_fixed(
        mode, method_id, reason, relayd_lab, relayd):
    """
    HCE-11, CTL-3: a server that answers 500, serves another page, hangs
    after accepting, refuses, or drops every packet is down, and `show
    hosts` says why with the OpenBSD reason word on its counters line
    ("total: UP/CHECKS checks, error: REASON"), so the operator knows
    what to fix.  JSON agrees.  Fixed, the host is up again and the
    error is gone from the text.
    """
    rl = relayd_lab
    method = [m for m in METHODS if m.id == method_id][0]
    d = two_hosts(rl, relayd, method.words, method.port)
    w = rl.ws("s2")
    if mode == "blackhole":
        w.blackhole(True)
    else:
        w.set(mode)
    d.wait_down(S2, reason, 10)
    h = d.host_item(S2)
    assert h["state"] == "down" and h["error"] == reason, h
    assert 0 <= h["ups"] < h["checks"], h
    row = [r for r in parse_show(d.text("hosts"))
        if r["type"] == "host" and r["name"] == S2][0]
    assert row["status"] == "down" and row["extra"], row
    m = re.match(r"^total: (\d+)/(\d+) checks(, \d+ retries)?, "
        r"error: (.*)$", row["extra"][0])
    assert m and m.group(4) == reason, row
    assert int(m.group(1)) < int(m.group(2)), row
    assert d.state(S1) == "up", d.diag()

    w.fix()
    d.wait_states({S2: "up"}, 10)
    assert d.reason(S2) == ("up", None), d.diag()


def test_a_check_that_hangs_does_not_delay_the_other_hosts(relayd_lab,
        relayd):
    """
    HCE-2/4 with a timeout: one hung server costs its own check the
    timeout, not everyone's.  While s2 hangs, s1 keeps being checked
    every round (its check count keeps growing by about one a second).
    """
    rl = relayd_lab
    d = two_hosts(rl, relayd, 'http "/" code 200', HTTP_PORT)
    rl.ws("s2").set("hang")
    d.wait_down(S2, "tcp read timeout", 10)
    c0 = d.host_item(S1)["checks"]
    hold(lambda: d.state(S1) == "up", 4, desc="s1 up while s2 hangs")
    c1 = d.host_item(S1)["checks"]
    assert c1 - c0 >= 3, "s1 checked %d times in 4 s\n%s" % (c1 - c0,
        d.diag())
