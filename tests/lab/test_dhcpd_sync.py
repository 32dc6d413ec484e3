# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The hakit Authors
"""
Lease sync between two dhcpd servers (specs/dhcpd-sync.md section 2), as
a user sees it: s1 (192.0.2.2) and s2 (192.0.2.3) serve identical ranges
on one switch with the clients.  A lease granted by one (udhcpc's server
identifier tells which) is in the other's lease file and `show leases`
within 5 s; when the granting server dies, the client asking the survivor
for its address gets it, and another client asking for that address does
not.  Multicast (-y eth1 -Y eth1) and unicast (-y own -Y peer) alike;
with mismatched keys every datagram is dropped as a bad HMAC and nothing
changes; with no key file on either side (the empty key) sync works; a
restarted server catches up; the datagram on the wire is the spec's 100
bytes; and a synced lease enters the peer's -L set.
"""

import time

import pytest

from lab import hold, wait_until
from dhcp_lab import (LEASE_TIME, SERVER_IPS, SYNC_GROUP, SYNC_LEN,
    SyncSniffer, dhcpd_conf, in_range, nft_set, sync_decode,
    sync_key, sync_lease_datagram)

KEY = "hakit lab dhcpd sync key\n" * 40


def servers(lan, dhcpd, mode="multicast", keys=(KEY, KEY), extra=((), ()),
    start=(True, True), conf=None):
    """dhcpd on s1 and s2 with sync in mode; returns [Dhcpd, Dhcpd] (a
    server not started has its Dhcpd, start() it later)."""
    import dhcp_lab
    out = []
    for i, h in enumerate(lan.servers):
        if mode == "multicast":
            listen, targets = "eth1", ["eth1"]
        else:
            listen, targets = h.ip4, [lan.servers[1 - i].ip4]
        kw = dict(listen=listen, targets=targets, key=keys[i],
            extra=list(extra[i]))
        c = conf or dhcpd_conf()
        if start[i]:
            out.append(dhcpd(h, c, **kw))
        else:
            out.append(dhcp_lab.Dhcpd(h, c, **kw))
    return out


def granted(r, ds):
    """(the server that granted r's lease, the other one)."""
    assert r.ip is not None and in_range(r.ip), r.describe()
    assert r.serverid in SERVER_IPS[:2], r.describe()
    i = SERVER_IPS.index(r.serverid)
    return ds[i], ds[1 - i]


def drops_seen(d):
    """The sync drop counters of d that are not zero."""
    dr = d.sync()["drops"]
    return {k: v for k, v in dr.items() if v}


def both_diag(ds):
    return "\n".join(d.diag() for d in ds)


@pytest.mark.parametrize("mode", ["multicast", "unicast"])
def test_a_lease_is_held_by_the_other_server_and_survives_the_grantor(mode,
        dhcp_lan, dhcpd, udhcpc):
    lan = dhcp_lan(servers=2, clients=2)
    c1, c2 = lan.clients
    ds = servers(lan, dhcpd, mode)
    for d in ds:
        sy = d.sync()
        assert sy["enabled"] and sy["listen"] and sy["send"], sy
        assert sy["key"] is True, sy
        if mode == "multicast":
            assert sy["multicast"] is True and sy["targets"] == 0, sy
        else:
            assert sy["multicast"] is False and sy["targets"] == 1, sy

    r = udhcpc(c1).run()
    ip = r.ip
    g, o = granted(r, ds)
    t_ack = time.time()
    wait_until(lambda: o.holds(ip, c1.hwaddr), 5,
        desc=lambda: "%s holds %s for %s: %s" % (o.name, ip, c1.hwaddr,
        both_diag(ds)))
    print("%s granted %s; %s held it %.2f s later" % (g.name, ip, o.name,
        time.time() - t_ack))
    gf, of = g.file_lease(ip), o.file_lease(ip)
    assert (of["starts"], of["ends"]) == (gf["starts"], gf["ends"]), \
        (gf, of)
    assert of["ends"] - of["starts"] == LEASE_TIME
    gs, osy = g.sync(), o.sync()
    assert gs["sent"] >= 1 and gs["send_failed"] == 0, gs
    assert osy["received"] >= 1 and osy["superseded"] >= 1, osy
    assert osy["conflict"] == 0 and osy["mac_other_ip"] == 0, osy
    assert not drops_seen(g) and not drops_seen(o), both_diag(ds)

    # The grantor dies; the client goes to the survivor for its address.
    g.kill9()
    r2 = udhcpc(c1).run(request=ip)
    assert r2.ip == ip, "%s\n%s" % (r2.describe(), o.diag())
    assert r2.serverid == o.host.ip4, r2.describe()
    assert o.stats()["nak"] == 0, o.stats()
    # Another client asking for that address gets another one (or none).
    r3 = udhcpc(c2).run(request=ip)
    assert r3.ip != ip, "%s\n%s" % (r3.describe(), o.diag())
    assert o.active_for(c1.hwaddr) == [ip], o.diag()
    assert o.file_lease(ip)["hardware"] == c1.hwaddr


def test_a_bound_client_rebinds_on_the_survivor_and_keeps_its_address(
        dhcp_lan, dhcpd, udhcpc):
    """The client stays up: its unicast renewal at T1 goes to the dead
    server, its broadcast when that goes unanswered (rebinding) reaches
    the survivor, which holds the synced lease and acknowledges the
    same address."""
    lease = 30   # busybox takes no less: T1 15 s, rebinding 2 s later
    lan = dhcp_lan(servers=2, clients=1)
    c1 = lan.clients[0]
    ds = servers(lan, dhcpd, "multicast", conf=dhcpd_conf(lease_time=lease,
        max_lease_time=lease))
    cl = udhcpc(c1)
    cl.start()
    b = wait_until(cl.bound_events, 15, desc="udhcpc bound")[0]
    ip = b["ip"]
    g, o = granted(type("R", (), {"ip": ip, "serverid": b["serverid"],
        "describe": lambda self: str(b)})(), ds)
    wait_until(lambda: o.holds(ip, c1.hwaddr), 3,
        desc=lambda: both_diag(ds))
    g.kill9()
    t_kill = time.time()
    ev = wait_until(lambda: [e for e in cl.bound_events()
        if e["serverid"] == o.host.ip4], lease + 5,
        desc=lambda: "a renewal from %s: %s\n%s" % (o.name,
        cl.bound_events(), o.diag()))[0]
    print("bound %s from %s; %s killed %.1f s later; rebound on %s %.1f s "
        "after binding" % (ip, g.name, g.name, t_kill - b["time"], o.name,
        ev["time"] - b["time"]))
    assert ev["ip"] == ip, (b, ev)
    assert c1.has_addr(ip) == "eth1"
    assert cl.proc.alive(), "udhcpc gave up"
    assert o.stats()["nak"] == 0, o.diag()
    f = o.file_lease(ip)
    assert f["hardware"] == c1.hwaddr and f["ends"] >= ev["time"] + lease - 3
    cl.proc.stop()


def test_the_datagram_on_the_wire_is_the_specs_100_bytes(dhcp_lan, dhcpd,
        udhcpc):
    lan = dhcp_lan(servers=2, clients=2)
    c1, c2 = lan.clients
    ds = servers(lan, dhcpd, "multicast")
    sn = SyncSniffer(c2, seconds=8)
    r = udhcpc(c1).run()
    g, o = granted(r, ds)
    wait_until(lambda: o.holds(r.ip, c1.hwaddr), 5,
        desc=lambda: both_diag(ds))
    sn.wait()
    mine = [(dst, ttl, p) for src, dst, ttl, p in sn.datagrams(True)
        if src == g.host.ip4]
    assert mine, "no sync datagram from %s seen: %s" % (g.name,
        sn.datagrams())
    f = g.file_lease(r.ip)
    found = None
    for dst, ttl, p in mine:
        assert dst == SYNC_GROUP and ttl == 1, (dst, ttl)
        assert len(p) == SYNC_LEN, "%d bytes: %s" % (len(p), p.hex())
        dec = sync_decode(p, sync_key(KEY))
        assert dec["hmac_ok"], dec
        assert (dec["version"], dec["af"], dec["length"]) == (1, 2, 100)
        assert dec["tlvs"] == [(1, 64), (0, 4)], dec
        for l in dec["leases"]:
            if l["address"] == r.ip:
                found = (p, dec, l)
    assert found, "no datagram for %s: %s" % (r.ip, mine)
    p, dec, l = found
    assert l["hardware"] == c1.hwaddr and l["htype"] == 1 and \
        l["hlen"] == 6 and l["addrlen"] == 4, l
    assert (l["starts"], l["ends"]) == (f["starts"], f["ends"]), (l, f)
    # Byte for byte what the Python encoder makes of the same lease
    # (zeroed iabuf and haddr tails, zero padding, LE counter).
    want = sync_lease_datagram(r.ip, c1.hwaddr, l["starts"], l["ends"],
        key=sync_key(KEY), counter=dec["counter"], timestamp=l["timestamp"])
    assert p == want, "\n%s\n%s" % (p.hex(), want.hex())


def test_mismatched_keys_drop_every_datagram_and_change_nothing(dhcp_lan,
        dhcpd, udhcpc):
    lan = dhcp_lan(servers=2, clients=1)
    c1 = lan.clients[0]
    ds = servers(lan, dhcpd, "multicast", keys=("alpha key\n" * 30,
        "beta key\n" * 30))
    r = udhcpc(c1).run()
    g, o = granted(r, ds)
    wait_until(lambda: o.sync()["drops"]["hmac"] >= 1, 5,
        desc=lambda: "%s counts a bad HMAC: %s" % (o.name, o.diag()))
    hold(lambda: o.file_lease(r.ip) is None and
        o.active_for(c1.hwaddr) == [], 2,
        desc="%s without %s's lease" % (o.name, g.name))
    osy = o.sync()
    assert osy["leases"] == 0 and osy["superseded"] == 0, osy
    assert {k for k, v in osy["drops"].items() if v} == {"hmac"}, osy
    assert g.file_lease(r.ip)["hardware"] == c1.hwaddr


def test_sync_works_with_no_key_file_on_either_side(dhcp_lan, dhcpd,
        udhcpc):
    lan = dhcp_lan(servers=2, clients=1)
    c1 = lan.clients[0]
    ds = servers(lan, dhcpd, "multicast", keys=(None, None))
    for d in ds:
        assert d.sync()["key"] is False, d.sync()
    r = udhcpc(c1).run()
    g, o = granted(r, ds)
    wait_until(lambda: o.holds(r.ip, c1.hwaddr), 5,
        desc=lambda: both_diag(ds))
    assert not drops_seen(o), o.diag()
    assert o.sync()["superseded"] >= 1


def test_a_restarted_server_catches_up(dhcp_lan, dhcpd, udhcpc):
    lan = dhcp_lan(servers=2, clients=1)
    c1 = lan.clients[0]
    d1, d2 = servers(lan, dhcpd, "multicast")
    d2.stop()
    r = udhcpc(c1).run()
    assert r.ip is not None and r.serverid == d1.host.ip4, r.describe()
    assert d2.file_lease(r.ip) is None
    d2.start()
    t0 = time.time()
    wait_until(lambda: d2.holds(r.ip, c1.hwaddr), 15,
        desc=lambda: "restarted %s holds %s: %s" % (d2.name, r.ip,
        both_diag((d1, d2))))
    print("%s caught up %.1f s after its restart" % (d2.name,
        time.time() - t0))
    f1, f2 = d1.file_lease(r.ip), d2.file_lease(r.ip)
    assert (f2["starts"], f2["ends"]) == (f1["starts"], f1["ends"])
    assert not drops_seen(d2), d2.diag()


def test_a_synced_lease_enters_the_peers_leased_table(dhcp_lan, dhcpd,
        udhcpc, dhcp_nft):
    lan = dhcp_lan(servers=2, clients=1)
    c1 = lan.clients[0]
    ds = servers(lan, dhcpd, "multicast",
        extra=(["-L", "lab_leased"], ["-L", "lab_leased"]))
    r = udhcpc(c1).run()
    g, o = granted(r, ds)
    wait_until(lambda: r.ip in nft_set(g.host, "lab_leased"), 3,
        desc=lambda: "%s's -L holds %s: %s" % (g.name, r.ip, g.diag()))
    wait_until(lambda: r.ip in nft_set(o.host, "lab_leased"), 5,
        desc=lambda: "%s's -L holds %s: %s" % (o.name, r.ip, o.diag()))
    assert o.show()["tables"]["errors"] == 0
