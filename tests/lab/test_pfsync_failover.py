# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The hakit Authors
"""
What pfsyncd is for, as a user sees it: the master firewall of a NAT pair
dies in the middle of traffic, carpd moves the VIPs, and every connection
goes on through the backup as if nothing happened, because the backup's
kernel already holds each flow's conntrack entry with its NAT mapping.

The control shows the scene is a real test: without pfsyncd the same
stream dies at the same failover (the backup drops or resets a flow it
has no state for: nf_conntrack_tcp_loose=0 and pf-like flags S/SA).
"""

import time

from lab import wait_until
from pfsync_lab import (CLIENT_IP, DNAT_PORT, HOLD_PORT, IN_VIP, OUT_VIP,
    SERVER_IP, STREAM_PORT, UDP_PORT, HeldConns, Stream, UdpFlow, entry,
    failover, start_carp, synced_entry, synced_scene)

MB = 1 << 20


def scene(pair, carpd, pfsyncd):
    carps, syncs = synced_scene(pair, carpd, pfsyncd)
    return carps, syncs


def local_port(progress):
    return int(progress["local"].rsplit(":", 1)[1])


def test_tcp_stream_through_dnat_and_snat_survives_the_master_dying(
        fwpair, carpd, pfsyncd):
    pair = fwpair
    carps, syncs = scene(pair, carpd, pfsyncd)
    st = Stream(pair, nup=16 * MB, uprate=2 * MB, ndown=4 * MB,
        downrate=MB // 2, maxtime=30)
    wait_until(lambda: st.up_bytes() >= 3 * MB, 10,
        desc=lambda: "3 MB through fw1: %s" % st.logs())
    cport = local_port(st.client_progress())
    orig = (CLIENT_IP, OUT_VIP, cport, DNAT_PORT)
    e1 = synced_entry(pair, orig)
    # Both translations: to the server's port 80, from the inside VIP.
    assert e1["reply"][0] == SERVER_IP and e1["reply"][2] == STREAM_PORT
    assert e1["reply"][1] == IN_VIP, e1["line"]
    t_kill, t_master = failover(pair, carps, syncs)
    mid = st.up_bytes()
    assert mid < st.nup, "the stream ended before the failover"
    cli, srv = st.wait()
    print("failover: fw2 master %.2f s after the kill; %d of %d bytes "
        "were through before it" % (t_master - t_kill, mid, st.nup))
    print("stall: up %.2f s, down %.2f s (longest gap between two reads)"
        % (srv.get("gap", -1), (cli.get("down") or {}).get("gap", -1)))
    assert srv.get("error") is None and cli.get("error") is None, \
        "client %s, server %s\n%s" % (cli.get("error"), srv.get("error"),
        st.logs())
    assert srv["bad_at"] is None, "up stream corrupt at byte %d" % \
        srv["bad_at"]
    assert srv["received"] == st.nup and srv["ok"]
    assert srv["sha256"] == cli["sent_sha256"]
    down = cli["down"]
    assert down["bad_at"] is None and down["received"] == st.ndown
    assert down["sha256"] == srv["sent_sha256"]
    assert cli["server"]["ok"] and cli["server"]["received"] == st.nup
    # The server saw one peer for the whole stream: the inside VIP with
    # fw1's random port, kept by fw2.
    assert srv["peer"] == "%s:%d" % (IN_VIP, e1["reply"][3])
    assert srv["gap"] < 20


def test_udp_flow_keeps_its_nat_source_port_across_failover(
        fwpair, carpd, pfsyncd):
    pair = fwpair
    carps, syncs = scene(pair, carpd, pfsyncd)
    u = UdpFlow(pair, interval=0.01, count=1500)  # 15 s
    wait_until(lambda: len(u.replies()) >= 100, 10,
        desc="echoes through fw1")
    before = {r[1] for r in u.replies()}
    assert len(before) == 1, before
    seen = before.pop()
    assert seen.startswith(IN_VIP + ":"), seen
    cport = local_port(u.progress())
    e1 = synced_entry(pair, (CLIENT_IP, SERVER_IP, cport, UDP_PORT))
    assert seen == "%s:%d" % (IN_VIP, e1["reply"][3])
    t_kill, t_master = failover(pair, carps, syncs)
    res = u.wait()
    rep = res["replies"]
    after = [r for r in rep if r[2] > t_master]
    sources = sorted({r[1] for r in rep})
    times = sorted(r[2] for r in rep)
    gap = max(b - a for a, b in zip(times, times[1:]))
    print("udp: %d sent, %d echoed, %d after fw2 took over, longest "
        "silence %.2f s" % (len(res["sent"]), len(rep), len(after), gap))
    assert sources == [seen], "the server saw the flow as %s" % sources
    assert len(after) >= 300, "echoes did not resume through fw2"
    # The end of the flow was answered.
    last = max(r[0] for r in rep)
    assert last >= len(res["sent"]) - 20


def test_fifty_nated_connections_keep_their_source_across_failover(
        fwpair, carpd, pfsyncd):
    pair = fwpair
    carps, syncs = scene(pair, carpd, pfsyncd)
    n = 50
    h = HeldConns(pair, n=n, interval=0.5, maxtime=60)
    base = wait_until(h.baseline, 20, desc=lambda: "a round answered by "
        "all %d connections: %s" % (n, h.logs()))
    views = base["answers"]
    assert len(set(views)) == n and all(v.startswith(IN_VIP + ":")
        for v in views), views
    # fw2 holds all of them, each with fw1's mapping, before the failover.
    for local in base["local"]:
        synced_entry(pair, (CLIENT_IP, SERVER_IP,
            int(local.rsplit(":", 1)[1]), HOLD_PORT))
    t_kill, t_master = failover(pair, carps, syncs)
    r = wait_until(lambda: h.last_ok_round(after=t_master), 30,
        desc=lambda: "a round after the failover answered by all: %s" %
        (h.rounds()[-1:],))
    h.stop()
    assert r["answers"] == views, "changed: %s" % [
        (a, b) for a, b in zip(views, r["answers"]) if a != b]
    bad = [(x["round"], a) for x in h.rounds() for a in x["answers"]
        if a.startswith(("error", "dead", "bad"))]
    assert not bad, "connections broke: %s" % bad[:10]
    stalls = [x["t1"] - x["t0"] for x in h.rounds()]
    print("held connections: %d rounds, slowest %.2f s" % (len(stalls),
        max(stalls)))


def test_control_without_pfsyncd_the_stream_dies_at_failover(fwpair,
        carpd):
    pair = fwpair
    carps = start_carp(pair, carpd)
    st = Stream(pair, nup=16 * MB, uprate=2 * MB, ndown=4 * MB,
        downrate=MB // 2, maxtime=30)
    wait_until(lambda: st.up_bytes() >= 3 * MB, 10,
        desc=lambda: "3 MB through fw1: %s" % st.logs())
    cport = local_port(st.client_progress())
    assert entry(pair.fw2, (CLIENT_IP, OUT_VIP, cport, DNAT_PORT)) is None
    t_kill, t_master = failover(pair, carps)

    def died():
        c, s = st.client_progress(), st.server_progress()
        if c.get("error") or s.get("error"):
            return "error: client %s, server %s" % (c.get("error"),
                s.get("error"))
        last = max(s.get("last") or 0, (c.get("down") or {}).get("last")
            or 0, t_master)
        if time.time() - last >= 6:
            return "no progress for 6 s after fw2 took over"
        if c.get("done"):
            return None  # completed: wait_until fails with this
        return None

    how = wait_until(died, 25, desc=lambda: "the stream to die without "
        "pfsyncd; it goes on: %s" % (st.results(),))
    print("without pfsyncd: %s" % how)
    got = st.up_bytes()
    st.client.stop()
    st.server.stop()
    assert got < st.nup
