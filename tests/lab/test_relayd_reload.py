# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The hakit Authors
"""
Reloading relayd in production (specs/relayd.md IMP-15, PP-1, 13.2 and
section 15 items 2 and 3): the operator edits relayd.conf and sends
SIGHUP (or `relayctl reload`) while clients use the service.

A file that does not parse changes nothing: hosts keep their states,
new connections keep being spread over the same hosts without a single
failure, a connection already established through the redirect goes on
answering, and relayd logs the error with file and line.  A good file
that adds a host starts using it, while the hosts that did not change
stay up throughout (the map never empties) and the established
connection keeps working through the same server.

The established connection is one keep-alive HTTP/1.1 connection asking
every 0.2 s (Hold); new connections come from a background loop of
single requests (BgFetch).
"""

import time

import pytest

from lab import hold, wait_until
from relayd_lab import (SERVER_IPS, BgFetch, Hold, even, relayd_conf,
    start_scene)

S1, S2, S3, S4 = SERVER_IPS
WEB3 = (S1, S2, S3)


def do_reload(d, how):
    if how == "sighup":
        d.reload()
    else:
        r = d.ctl("reload", check=False)
        assert r.returncode == 0 and r.stdout.strip() == "", r


def held_ok(h, t):
    """The held connection answered at least 3 rounds after t, no
    error, always the same server; returns that server."""
    s = h.state()
    if s.get("error"):
        raise AssertionError("held connection failed: %s" % h.describe())
    names = set(h.answers())
    if len(names) != 1:
        raise AssertionError("held connection changed server: %s" %
            h.describe())
    return len(h.rounds_after(t)) >= 3 and names.pop()


@pytest.mark.parametrize("how", ["sighup", "relayctl"])
def test_a_bad_reload_changes_nothing(how, relayd_lab, relayd):
    """
    15.2, IMP-15: a syntax error written into relayd.conf and a reload
    leave hosts, host ids, redirect, traffic and an established
    connection untouched; the error is logged as file:line; the old
    configuration still runs (a server dying afterwards is still
    noticed and avoided).
    """
    rl = relayd_lab
    d = start_scene(rl, relayd, relayd_conf(backup=()), up=WEB3)
    before = {n: (h["id"], h["state"]) for n, h in d.hosts().items()}
    h = Hold(rl, interval=0.2, count=200, maxtime=40)
    wait_until(lambda: len(h.answers()) >= 3, 5, desc=h.describe)
    bg = BgFetch(rl, n=200, interval=0.03, maxtime=30)

    good = open(d.conf).read()
    lines = good.splitlines()
    bad_line = len(lines) + 2
    with open(d.conf, "w") as f:
        f.write(good + "\n" + "table <broken> { 198.51.100.11 \n")
    t = time.time()
    do_reload(d, how)
    hold(lambda: d.alive() and {n: (x["id"], x["state"]) for n, x in
        d.hosts().items()} == before, 3, desc=lambda: "hosts unchanged "
        "after a bad reload\n%s" % d.diag())
    assert d.redirect()["status"] == "active", d.diag()
    wait_until(lambda: held_ok(h, t), 5, desc=h.describe)
    f = bg.result()
    assert not f.errors and set(f.servers()) == {"s1", "s2", "s3"}, \
        "new connections during the bad reload: %s" % f
    log = d.log_text()
    assert "%s:%d" % (d.conf, bad_line) in log or ":%d:" % bad_line in \
        log, "no file:line for the error in the log:\n%s" % log[-2000:]

    # A server dies after the bad reload: the old configuration still
    # runs and avoids it.  Not the held connection's server, whose
    # death would end that connection whatever relayd does.
    held = held_ok(h, t)
    victim = next(n for n in ("s3", "s2", "s1") if n != held)
    vip = rl.ws(victim).ip
    rest = {"s1", "s2", "s3"} - {victim}
    rl.ws(victim).kill()
    d.wait_states({vip: "down"}, 10)
    wait_until(lambda: (lambda f: not f.errors and set(f.servers()) ==
        rest)(rl.fetch(30)), 3, desc=lambda: "%s avoided after the bad "
        "reload\n%s" % (victim, d.diag()))
    assert held_ok(h, t) == held
    h.stop()


@pytest.mark.parametrize("how", ["sighup", "relayctl"])
def test_a_good_reload_adds_a_host_and_keeps_the_established_connection(
        how, relayd_lab, relayd):
    """
    15.3, PP-1: adding s4 to <web> and reloading: s4 turns up and gets
    its quarter of new connections; s1..s3 never leave "up" (no state
    reset, the map never empties); no new connection fails during the
    reload; the established connection goes on through the same server.
    """
    rl = relayd_lab
    d = start_scene(rl, relayd, relayd_conf(backup=()), up=WEB3)
    h = Hold(rl, interval=0.2, count=250, maxtime=50)
    wait_until(lambda: len(h.answers()) >= 3, 5, desc=h.describe)
    first = h.answers()[0]
    bg = BgFetch(rl, n=250, interval=0.03, maxtime=30)

    with open(d.conf, "w") as f:
        f.write(relayd_conf(hosts=SERVER_IPS, backup=()))
    t = time.time()
    do_reload(d, how)
    seen = []

    def s4_up():
        st = d.states()
        seen.append(st)
        bad = {n: st.get(n) for n in WEB3 if st.get(n) != "up"}
        if bad:
            raise AssertionError("unchanged hosts left up during the "
                "reload: %s\n%s" % (bad, d.diag()))
        return st.get(S4) == "up"
    wait_until(s4_up, 15, interval=0.05, desc=lambda: "s4 up after the "
        "reload: %s\n%s" % (seen[-1:], d.diag()))
    assert d.redirect()["status"] == "active", d.diag()
    f = bg.result()
    assert not f.errors, "new connections during the reload: %s" % f
    # Only now: the background loop no longer draws roundrobin turns.
    wait_until(lambda: (lambda f: not f.errors and even(f.servers(),
        ("s1", "s2", "s3", "s4"), 256))(rl.fetch(256)), 5,
        desc=lambda: "s4 in the roundrobin: %s\n%s" % (rl.fetch(256),
        d.diag()))
    assert wait_until(lambda: held_ok(h, t), 5, desc=h.describe) == first
    h.stop()
