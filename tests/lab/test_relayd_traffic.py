# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The hakit Authors
"""
What a redirection is for (specs/relayd.md sections 5, 6, 13.3, 13.4):
clients connect to the VIP 203.0.113.1:80 and each new connection lands
on a live web server, never a dead one.  The client counts the bodies
("s1\n") of N requests, one connection each.

Roundrobin walks 256 buckets shared evenly among the live hosts, so 256
new connections give each of N live hosts 256/N of them (within 1/256,
plus a little slack here).  A host that dies stops getting connections
once relayd has seen it down and gets them again when it is back.
sticky-address (and source-hash) keep one client on one host, and move
it to another live host only when its own goes down.
"""

import pytest

from lab import wait_until
from relayd_lab import (CLIENT_IPS, SERVER_IPS, even, relayd_conf,
    start_scene)



def test_roundrobin_spreads_new_connections_over_every_live_host(
        relayd_lab, relayd):
    """
    SCH-1: 256 connections from one client are shared evenly by s1, s2
    and s3, every one answered; the backup s4 gets none while the main
    table has live hosts.
    """
    rl = relayd_lab
    d = start_scene(rl, relayd)
    assert d.redirect()["status"] == "active", d.diag()
    f = rl.fetch(256)
    assert not f.errors, "%s\n%s" % (f, d.diag())
    assert even(f.servers(), ("s1", "s2", "s3"), 256), \
        "%s\n%s" % (f, d.diag())


def test_traffic_only_reaches_live_hosts_and_returns_to_a_host_that_comes_back(
        relayd_lab, relayd):
    """
    HCE + RDR-3, 13.3: s2 dies; once relayd shows it down no connection
    goes to it and none fails (s1 and s3 share them); s2 lives again and,
    once up, has its share back.  A user of the VIP sees no error except
    in the moment between the death and the check that notices it.
    """
    rl = relayd_lab
    d = start_scene(rl, relayd)
    rl.ws("s2").kill()
    d.wait_states({SERVER_IPS[1]: "down"}, 10)
    # The map follows the state at once; allow the netlink round trip.
    wait_until(lambda: (lambda f: not f.errors and "s2" not in f.counts)(
        rl.fetch(30)), 3, desc=lambda: "no connection to dead s2: %s\n%s"
        % (rl.fetch(30), d.diag()))
    f = rl.fetch(256)
    assert not f.errors and even(f.servers(), ("s1", "s3"), 256), \
        "%s\n%s" % (f, d.diag())

    rl.ws("s2").fix()
    d.wait_states({SERVER_IPS[1]: "up"}, 10)

    def spread():
        f = rl.fetch(256)
        return f if not f.errors and even(f.servers(),
            ("s1", "s2", "s3"), 256) else None
    f = wait_until(spread, 5, desc=lambda: "s2 back in the roundrobin: "
        "%s\n%s" % (rl.fetch(256), d.diag()))
    assert f.counts.get("s4") is None


@pytest.mark.parametrize("how", ["sticky-address", "source-hash"])
def test_one_client_stays_on_one_host_until_that_host_dies(how,
        relayd_lab, relayd):
    """
    RDR-7 (and SCH-3, its fallback, 13.4): every connection from one
    client address goes to the same server, so sessions kept in a
    server's memory work.  When that server dies the client moves to one
    other live server and stays there.
    """
    rl = relayd_lab
    if how == "sticky-address":
        conf = relayd_conf(sticky=True)
    else:
        conf = relayd_conf(mode="source-hash")
    d = start_scene(rl, relayd, conf)
    home = {}
    for src in CLIENT_IPS:
        f = rl.fetch(40, src=src)
        assert not f.errors and len(f.servers()) == 1, \
            "client %s: %s\n%s" % (src, f, d.diag())
        home[src] = next(iter(f.servers()))
        assert home[src] in ("s1", "s2", "s3"), f
    src = CLIENT_IPS[0]
    gone = rl.ws(home[src])
    gone.kill()
    d.wait_states({gone.ip: "down"}, 10)

    def moved():
        f = rl.fetch(40, src=src)
        if f.errors or len(f.servers()) != 1 or gone.name in f.counts:
            return None
        return f
    f = wait_until(moved, 10, desc=lambda: "client %s on one live host "
        "other than %s: %s\n%s" % (src, gone.name, rl.fetch(40, src=src),
        d.diag()))
    new = next(iter(f.servers()))
    assert new in ("s1", "s2", "s3") and new != gone.name
    f = rl.fetch(40, src=src)
    assert f.servers() == {new: 40}, "%s\n%s" % (f, d.diag())
