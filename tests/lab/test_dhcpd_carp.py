# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The hakit Authors
"""
dhcpd following carpd (hakit extensions -K, -S, -I): two servers share
the VIP 192.0.2.1 with carpd and their leases with -y/-Y; only the
master answers, its server identifier is the VIP, so when the master
dies the client's unicast renewal at T1 reaches the new master, which
already holds the lease.
"""

import time

import lab as labmod
from dhcp_lab import ROUTER, dhcpd_conf
from lab import wait_until

VIP = ROUTER		# the router address is the carp VIP here
KEY = "carp lab key"
LEASE = 30		# udhcpc's minimum: T1 at 15 s


def carp_conf(advskew):
    # advbase 0: the interval is advskew/256 s, master-down 3 x that
    return labmod.carp_conf(labmod.carp_block("carp0", "eth1", 1,
        "dhcp carp pass", advbase=0, advskew=advskew,
        addrs=[VIP + "/24"]), preempt=False)


def scene(lab, lan, dhcpd, carpd):
    d1 = carpd(lan.servers[0], carp_conf(12))
    d1.ctl("carp0", "state", "master", check=False)
    wait_until(lambda: d1.state() == "MASTER", 10, desc="s1 MASTER")
    d2 = carpd(lan.servers[1], carp_conf(50))
    wait_until(lambda: d2.state() == "BACKUP", 10, desc="s2 BACKUP")
    conf = dhcpd_conf(lease_time=LEASE, max_lease_time=LEASE)
    ds = []
    for h, c in zip(lan.servers, (d1, d2)):
        ds.append(dhcpd(h, conf, listen="eth1", targets=["eth1"], key=KEY,
            extra=["-K", "carp0", "-S", c.sock, "-I"]))
    for d in ds:
        wait_until(lambda d=d: "carp" in d.show(), 5,
            desc="%s follows carp0" % d.name)
    wait_until(lambda: ds[0].show()["carp"]["master"] and
        not ds[1].show()["carp"]["master"], 5,
        desc="s1's dhcpd sees MASTER, s2's BACKUP")
    return (d1, d2), ds


def test_only_the_master_answers_and_its_id_is_the_vip(dhcp_lan, dhcpd,
        carpd, udhcpc):
    lan = dhcp_lan(servers=2, clients=1)
    carps, ds = scene(lan.lab, lan, dhcpd, carpd)
    r = udhcpc(lan.clients[0]).run()
    assert r.ip is not None, r.describe()
    assert r.serverid == VIP, r.describe()
    s1, s2 = ds[0].stats(), ds[1].stats()
    assert s1["ack"] == 1 and s2["offer"] == 0 and s2["ack"] == 0, (s1, s2)
    assert s2["not_master"] >= 2, s2	# the DISCOVER and the REQUEST


def test_the_client_renews_through_the_vip_on_the_new_master(dhcp_lan,
        dhcpd, carpd, udhcpc):
    lan = dhcp_lan(servers=2, clients=1)
    c1 = lan.clients[0]
    carps, ds = scene(lan.lab, lan, dhcpd, carpd)
    u = udhcpc(c1)
    u.start()
    b = wait_until(lambda: u.bound_events(), 15, desc="udhcpc bound")[0]
    assert b["serverid"] == VIP, b
    ip = b["ip"]
    # s2 holds the lease before s1 dies
    wait_until(lambda: ds[1].holds(ip, c1.hwaddr), 5,
        desc=lambda: "s2 holds %s: %s" % (ip, ds[1].diag()))
    t_kill = time.time()
    for d in (carps[0], ds[0]):
        d.kill9()
    lan.servers[0].all_links_down()
    wait_until(lambda: carps[1].state() == "MASTER", 5, desc="s2 MASTER")
    wait_until(lambda: ds[1].show()["carp"]["master"], 5,
        desc="s2's dhcpd sees MASTER")
    # T1 = 15 s after the bind: a unicast REQUEST to the VIP
    t1 = b["time"] + LEASE / 2
    renew = wait_until(lambda: [e for e in u.bound_events()
        if e["event"] == "renew" and e["time"] > t_kill], t1 - time.time()
        + 10, desc=lambda: "a renewal through s2: %s\n%s" % (
        u.bound_events(), ds[1].diag()))[0]
    assert renew["ip"] == ip and renew["serverid"] == VIP, renew
    # unicast, not the broadcast of REBINDING at T2
    assert renew["time"] < b["time"] + LEASE * 7 / 8, (renew, b)
    s2 = ds[1].stats()
    assert s2["ack"] >= 1, s2
    print("renewed at T1 through s2, %.1f s after s1 died" % (
        renew["time"] - t_kill))
