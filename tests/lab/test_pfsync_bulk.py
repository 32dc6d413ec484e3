# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The hakit Authors
"""
The bulk update (specs/pfsync.md section 6): a pfsyncd that starts while
connections run asks its peer for the whole table (UPD_REQ 0/0, answered
by BUS START, UPD packets, BUS END) and gets every state into its kernel;
and a firewall that comes back after a crash keeps carp demoted by 32
until that transfer is done, so preempting back does not cut the flows
that moved to its peer while it was away.
"""

import time

from lab import hold, wait_until
from pfsync_lab import (CARP_IFS, HOLD_PORT, HeldConns, block_pfsync_out,
    carp_conf_for, conntrack, conntrack_flush, failover, flows_to,
    group_demote, master_of_both, pfsync_conf, synced_entry, synced_scene,
    unblock_pfsync_out)


def same_flows(src, dst, n):
    """dst's conntrack holds every HOLD_PORT flow of src, each with the
    same reply tuple (the same NAT); returns dst's flows."""
    want = flows_to(conntrack(src, "tcp"), dport=HOLD_PORT)
    have = flows_to(conntrack(dst, "tcp"), dport=HOLD_PORT)
    if len(want) != n:
        raise AssertionError("%s tracks %d flows, not %d" % (src.name,
            len(want), n))
    missing = [o for o in want if o not in have or
        have[o]["reply"] != want[o]["reply"]]
    if missing:
        raise AssertionError("%s lacks %d of %d flows (or their NAT), "
            "e.g. %s" % (dst.name, len(missing), n, missing[0]))
    return have


def all_answers_kept(h, base, after):
    """The latest round after `after` answered by every connection, with
    the server's view of each peer unchanged since base."""
    r = h.last_ok_round(after=after)
    if r is None:
        return None
    if r["answers"] != base["answers"]:
        raise AssertionError("changed: %s" % [(a, b) for a, b in
            zip(base["answers"], r["answers"]) if a != b])
    return r


def slowest(h, after):
    """The longest round that ended after `after`: the stall."""
    return max((x["t1"] - x["t0"] for x in h.rounds() if x["t1"] > after),
        default=0.0)


def broken(h):
    return [(x["round"], a) for x in h.rounds() for a in x["answers"]
        if a.startswith(("error", "dead", "bad"))]


def test_restarted_backup_gets_every_state_by_bulk_update(fwpair, carpd,
        pfsyncd):
    pair = fwpair
    carps, syncs = synced_scene(pair, carpd, pfsyncd)
    # fw2's pfsyncd goes away, and its kernel forgets what it had.
    syncs[1].stop()
    conntrack_flush(pair.fw2)
    n = 40
    h = HeldConns(pair, n=n, interval=0.5, maxtime=80)
    base = wait_until(h.baseline, 20, desc=lambda: "all %d connections "
        "answer: %s" % (n, h.logs()))
    assert len(flows_to(conntrack(pair.fw1, "tcp"), dport=HOLD_PORT)) == n
    hold(lambda: not flows_to(conntrack(pair.fw2, "tcp"), dport=HOLD_PORT),
        1.0, desc="fw2 knows none of the flows")

    t0 = time.monotonic()
    p2 = pfsyncd(pair.fw2, pfsync_conf(pair.fw2, carps[1].sock))
    b = wait_until(p2.bulk_done, 30, desc=lambda: "fw2's bulk update: %s"
        % p2.diag())
    took = time.monotonic() - t0
    print("bulk: %s (%.2f s after the start)" % (b, took))
    assert b["result"] == "ok", p2.diag()
    assert b["states"] >= n, p2.diag()
    wait_until(lambda: same_flows(pair.fw1, pair.fw2, n), 5,
        desc="fw2's conntrack holds every flow with fw1's NAT")
    sh = p2.show()
    assert sh["states"]["peer"] >= n, sh["states"]
    assert syncs[0].alive(), syncs[0].diag()

    # The bulk-imported states carry the traffic: fw1 dies, nobody
    # notices but for the stall.
    t_kill, t_master = failover(pair, carps, syncs)
    wait_until(lambda: all_answers_kept(h, base, t_master), 30,
        desc=lambda: "every connection answers after the failover: %s" %
        (h.rounds()[-1:],))
    h.stop()
    assert not broken(h), broken(h)[:10]
    print("stall across the failover: %.2f s" % slowest(h, t_kill))


def test_restarted_master_holds_back_until_its_bulk_is_done(fwpair, carpd,
        pfsyncd):
    pair = fwpair
    fw1, fw2 = pair.fw1, pair.fw2
    carps, syncs = synced_scene(pair, carpd, pfsyncd)
    n = 30
    h = HeldConns(pair, n=n, interval=0.5, maxtime=100)
    base = wait_until(h.baseline, 20, desc=lambda: "all %d connections "
        "answer: %s" % (n, h.logs()))
    for local in base["local"]:
        synced_entry(pair, ("198.51.100.10", "192.0.2.10",
            int(local.rsplit(":", 1)[1]), HOLD_PORT))

    # fw1 crashes; the flows move to fw2.
    t_kill, t_master = failover(pair, carps, syncs)
    wait_until(lambda: all_answers_kept(h, base, t_master), 30,
        desc=lambda: "every connection answers through fw2: %s" %
        (h.rounds()[-1:],))

    # fw1 boots as a fresh box: an empty table, its daemons up before its
    # LAN links.  fw2 is slow to answer the bulk request for a while.
    conntrack_flush(fw1)
    fw1.link_up("sync0")
    wait_until(lambda: fw1.link("sync0")["operstate"] == "UP", 5,
        desc="fw1 sync link up")
    block_pfsync_out(fw2)
    d1 = carpd(fw1, carp_conf_for(fw1, 0))
    p1 = pfsyncd(fw1, pfsync_conf(fw1, d1.sock))
    wait_until(lambda: group_demote(d1) >= 32, 10,
        desc=lambda: "pfsyncd demotes fw1's carp group: %s; %s" % (
        group_demote(d1), p1.diag()))
    fw1.link_up("eth1")
    fw1.link_up("eth2")
    wait_until(lambda: all(d1.state(i) == "BACKUP" for i in CARP_IFS), 10,
        desc="fw1 BACKUP of both VIPs")
    wait_until(lambda: group_demote(d1) == 32, 5,
        desc=lambda: "fw1's demotion 32 (the bulk's) with its links up: "
        "%s" % group_demote(d1))

    def held_back():
        b = p1.bulk()
        return master_of_both(d1, carps[1]) is carps[1] and \
            group_demote(d1) == 32 and b["state"] in ("start", "sent") \
            and b["result"] is None

    # Preempt is on and fw1 has the better advskew: only the +32 of the
    # pending bulk keeps it from taking the VIPs with an empty table.
    hold(held_back, 4.0, interval=0.2, desc="fw1 BACKUP, demote 32, "
        "bulk pending")
    assert not flows_to(conntrack(fw1, "tcp"), dport=HOLD_PORT)
    assert p1.bulk()["tries"] >= 2

    unblock_pfsync_out(fw2)
    b = wait_until(p1.bulk_done, 10, desc=lambda: "fw1's bulk: %s" %
        p1.diag())
    assert b["result"] == "ok", p1.diag()
    assert b["states"] >= n, p1.diag()
    wait_until(lambda: group_demote(d1) == 0, 5,
        desc="fw1's demotion lifted after the bulk")
    wait_until(lambda: master_of_both(d1, carps[1]) is d1, 10,
        desc="fw1 preempts back")
    t_back = time.time()
    wait_until(lambda: same_flows(fw2, fw1, n), 2, desc=lambda: "fw1 "
        "holds every flow after its bulk, with fw2's NAT; %s" % p1.diag())
    wait_until(lambda: all_answers_kept(h, base, t_back), 30,
        desc=lambda: "every connection answers through fw1 again: %s" %
        (h.rounds()[-1:],))
    h.stop()
    assert not broken(h), broken(h)[:10]
    print("slowest round across the preempt: %.2f s" % slowest(h, t_back))
