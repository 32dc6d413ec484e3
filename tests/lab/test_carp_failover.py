# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The hakit Authors
"""
Failover as a user sees it: a master that dies, stops, loses its link or
restarts over its own leftovers; the backup takes the VIP, the client's
pings and neighbour entry follow, IPv6 included.
"""

import time

import pytest

from lab import (Ping, carp_block, carp_conf, dead_box, hold,
    master_and_backup, served_by, sole_master, virtual_mac, wait_until)

VIP = "192.0.2.10"
VIP6 = "2001:db8::10"


def test_dead_master_backup_takes_over_and_client_follows(lan, carpd):
    a, b, c = lan["a"], lan["b"], lan.client
    da, db = master_and_backup(carpd, a, carp_conf(carp_block(advskew=0)),
        b, carp_conf(carp_block(advskew=100)))
    wait_until(lambda: served_by(lan, VIP, a, 1), 5, desc="VIP on a")
    dead_box(da)
    t0 = time.monotonic()
    wait_until(lambda: db.state() == "MASTER", 10, desc="b MASTER")
    took = time.monotonic() - t0
    # master-down = 3 * (1 + 100/256) s: about 4.2 s, never much less.
    assert 2.5 < took < 8, "takeover after %.2fs" % took
    # Before the client sends anything, the switch already knows the
    # virtual MAC moved (gratuitous ARP / advertisements from it).
    wait_until(lambda: lan.sw.fdb_host(virtual_mac(1)) is b, 2,
        desc="switch learns the virtual MAC on b's port")
    w = wait_until(lambda: served_by(lan, VIP, b, 1), 5, desc="VIP on b")
    # What the client's neighbour table holds, after real traffic.
    assert c.neigh(VIP) == virtual_mac(1)
    assert w["reply"]


def test_graceful_stop_hands_over_by_bow_out(lan, carpd):
    a, b = lan["a"], lan["b"]
    # advbase 3: b's master-down is 3 * (3 + 100/256) s, over 10 s.
    da, db = master_and_backup(carpd, a,
        carp_conf(carp_block(advbase=3, advskew=0)), b,
        carp_conf(carp_block(advbase=3, advskew=100)))
    wait_until(lambda: served_by(lan, VIP, a, 1), 5, desc="VIP on a")
    # Stop a just after b heard it, so a timeout is ~10 s away.
    n = db.stats()["ipackets"]
    wait_until(lambda: db.stats()["ipackets"] > n, 5,
        desc="b hears an advertisement")
    t0 = time.monotonic()
    rc = da.stop()
    wait_until(lambda: db.state() == "MASTER", 10, desc="b MASTER")
    took = time.monotonic() - t0
    assert took < 2.0, "takeover %.2fs after SIGTERM: no bow-out?" % took
    assert rc == 0, "carpd exit status %s on SIGTERM" % rc
    # The orderly exit removed a's macvlan.
    assert a.link("carp0") is None
    wait_until(lambda: served_by(lan, VIP, b, 1), 5, desc="VIP on b")


def test_restart_over_leftovers_of_a_killed_carpd(lan, carpd):
    a, b = lan["a"], lan["b"]
    conf_a = carp_conf(carp_block(advskew=0))
    da, db = master_and_backup(carpd, a, conf_a, b,
        carp_conf(carp_block(advskew=100)))
    wait_until(lambda: served_by(lan, VIP, a, 1), 5, desc="VIP on a")
    old = a.link("carp0")
    da.kill9()
    # What the dead daemon left: its macvlan, up, with the VIP.
    assert a.link("carp0") is not None and a.has_addr(VIP) == "carp0"
    da2 = carpd(a, conf_a)
    m = wait_until(lambda: sole_master([da2, db]), 10,
        desc="one MASTER after the restart")
    carps = [n for n, l in a.links().items()
        if l.get("address") == virtual_mac(1)]
    assert carps in ([], ["carp0"]), "virtual-MAC links on a: %s" % carps
    new = a.link("carp0")
    assert new is None or new["ifindex"] != old["ifindex"], \
        "leftover carp0 reused, not removed"
    wait_until(lambda: served_by(lan, VIP, m.host, 1), 5,
        desc="VIP served by %s" % m.host.name)
    hold(lambda: sole_master([da2, db]) is m, 3, desc="steady")
    if m is db:
        assert a.has_addr(VIP) is None


def test_parent_link_down_demotes_and_backup_takes_over(lan, carpd):
    a, b = lan["a"], lan["b"]
    da, db = master_and_backup(carpd, a, carp_conf(carp_block(advskew=0)),
        b, carp_conf(carp_block(advskew=100)))
    a.link_down("eth1")
    wait_until(lambda: da.state() == "INIT", 5, desc="a INIT")
    assert da.demote() >= 1
    assert a.has_addr(VIP) is None
    wait_until(lambda: db.state() == "MASTER", 10, desc="b MASTER")
    wait_until(lambda: served_by(lan, VIP, b, 1), 5, desc="VIP on b")
    # The link comes back: a joins as BACKUP, its demotion undone.
    a.link_up("eth1")
    wait_until(lambda: da.state() == "BACKUP", 5, desc="a BACKUP again")
    wait_until(lambda: da.demote() == 0, 5, desc="a demote back to 0")
    hold(lambda: sole_master([da, db]) is db, 3, desc="b stays master")


def test_ipv6_vip_reachable_after_takeover(lan, carpd):
    a, b, c = lan["a"], lan["b"], lan.client
    addrs = [VIP + "/24", VIP6 + "/64"]
    da, db = master_and_backup(carpd, a,
        carp_conf(carp_block(advskew=0, addrs=addrs)), b,
        carp_conf(carp_block(advskew=100, addrs=addrs)))
    wait_until(lambda: served_by(lan, VIP6, a, 1), 5, desc="VIP6 on a")
    dead_box(da)
    wait_until(lambda: db.state() == "MASTER", 10, desc="b MASTER")
    wait_until(lambda: served_by(lan, VIP6, b, 1), 5, desc="VIP6 on b")
    assert c.ping(VIP6, count=3, interval=0.1)
    assert c.neigh(VIP6) == virtual_mac(1)
    served_by(lan, VIP, b, 1)


@pytest.mark.slow
def test_client_keeps_pinging_across_two_failovers(lan, carpd):
    a, b, c = lan["a"], lan["b"], lan.client
    conf_a = carp_conf(carp_block(advskew=0), preempt=True)
    da, db = master_and_backup(carpd, a, conf_a, b,
        carp_conf(carp_block(advskew=100), preempt=True))
    wait_until(lambda: served_by(lan, VIP, a, 1), 5, desc="VIP on a")
    p = Ping(c, VIP, count=360, interval=0.05)  # 18 s at most
    wait_until(lambda: len(p.replies()) >= 20, 5, desc="pings answered")
    # Failover 1: a dies.
    t1 = time.time()
    dead_box(da)
    wait_until(lambda: db.state() == "MASTER", 10, desc="b MASTER")
    tb = time.time()
    assert tb - t1 < 8, "b took %.1fs to take over" % (tb - t1)
    wait_until(lambda: len(p.replies_after(tb)) >= 10, 8,
        desc=lambda: "replies resume from b: %s" % p.summary())
    # Failover 2: a comes back and preempts.
    a.link_up("eth1")
    t2 = time.time()
    da2 = carpd(a, conf_a)
    wait_until(lambda: sole_master([da2, db]) is da2, 10,
        desc="a preempts back")
    t3 = time.time()
    wait_until(lambda: len(p.replies_after(t3)) >= 10, 8,
        desc=lambda: "replies resume from a: %s" % p.summary())
    p.wait()
    r = p.replies()
    # One master-down (~4.2 s, ~85 pings) plus slack; the preempt
    # itself should cost next to nothing.
    assert p.lost() < 200, p.summary()
    times = sorted(t for t in r.values() if t >= t2)
    gap = max((y - x for x, y in zip(times, times[1:])), default=0)
    assert gap < 3, "%.2fs without replies across the preempt: %s" % (
        gap, p.summary())
    # The end of the run was answered without a gap.
    assert all(s in r for s in range(p.count - 9, p.count + 1)), \
        p.summary()
    served_by(lan, VIP, a, 1)
