# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The hakit Authors
"""
mode least-states on a redirect (specs/relayd.md SCH-6, 13.3): nftables
cannot pick the backend with the fewest states, so relayd counts each
backend's conntrack entries every check interval and gives the buckets
of the redirect's map out inversely to those counts.  A server that
already carries many connections gets few new ones until the others
catch up.
"""

from lab import wait_until
from relayd_lab import (SERVER_IPS, Hold, nft_buckets, relayd_conf,
    start_scene)

WEB3 = SERVER_IPS[:3]
HELD = 24


def s1_buckets(rl):
    maps = nft_buckets(rl.box)
    return sum(n for m in maps.values() for b, n in m.items()
        if b.startswith(WEB3[0] + " "))


def test_least_states_sends_new_connections_away_from_the_busy_host(
        relayd_lab, relayd):
    """
    24 connections held on s1, none on s2 and s3: the map gives s1 a
    handful of buckets (its 24 states against none), new connections go
    to s2 and s3, and the held ones go on undisturbed.
    """
    rl = relayd_lab
    d = start_scene(rl, relayd, relayd_conf(mode="least-states",
        backup=(), interval=3, timeout=500), up=WEB3)
    # s1 alone while HELD keep-alive connections are made: all on s1.
    for ip in WEB3[1:]:
        assert d.ctl("host", "disable", ip).stdout.strip() == \
            "command succeeded"
    holds = [Hold(rl, interval=1.0, count=60, maxtime=50)
        for _ in range(HELD)]
    try:
        wait_until(lambda: all(h.answers() for h in holds), 15,
            desc=lambda: "held connections answered: %s" %
            [h.describe() for h in holds if not h.answers()][:2])
        assert all(set(h.answers()) == {"s1"} for h in holds), \
            [h.describe() for h in holds]
        for ip in WEB3[1:]:
            d.ctl("host", "enable", ip)
        d.wait_states({ip: "up" for ip in WEB3}, 10)

        # Within an interval or two the map leans away from s1 (24
        # states against none: about 5 of 256 buckets).
        wait_until(lambda: s1_buckets(rl) <= 10, 10,
            desc=lambda: "s1's buckets shrink: %s\nconntrack:\n%s\n%s" % (
            nft_buckets(rl.box), rl.box.run(["conntrack", "-L"],
            check=False).stdout[-3000:], d.diag()))
        f = rl.fetch(64)
        assert not f.errors, f
        got = f.servers()
        assert got.get("s1", 0) <= 6 and \
            got.get("s2", 0) + got.get("s3", 0) >= 58, \
            "new connections with s1 busy: %s\n%s" % (got,
            nft_buckets(rl.box))
        # The held connections were not disturbed by the re-weighing.
        assert all(h.state().get("error") is None for h in holds), \
            [h.describe() for h in holds if h.state().get("error")][:2]
    finally:
        for h in holds:
            h.stop()
