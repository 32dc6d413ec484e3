# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The hakit Authors
"""
An IPv6 redirect (specs/relayd.md RDR-2, 13.2: maps rN_v6): the client
reaches 2001:db8:1::1 port 80 over IPv6, relayd checks three IPv6 web
servers and spreads new connections over the live ones, and a server
that dies is left out.
"""

import os

from lab import PYTHON, wait_until
from relayd_lab import HTTP_PORT, WEBSRV, nft_buckets, relayd_conf

VIP6 = "2001:db8:1::1"
CLIENT6 = "2001:db8:1::10"
BOX6 = "2001:db8:2::1"
SRV6 = ("2001:db8:2::11", "2001:db8:2::12", "2001:db8:2::13")


def add6(host, ifname, addr):
    host.run(["ip", "-6", "addr", "add", addr, "dev", ifname, "nodad"])


def test_an_ipv6_redirect_spreads_over_live_ipv6_servers(relayd_lab,
        relayd):
    rl = relayd_lab
    add6(rl.client, "eth1", CLIENT6 + "/64")
    rl.client.run(["ip", "-6", "route", "add", "default", "via", VIP6])
    add6(rl.box, "eth1", VIP6 + "/64")
    add6(rl.box, "eth2", BOX6 + "/64")
    rl.box.sysctl("net.ipv6.conf.all.forwarding", 1)
    web6 = {}
    for h, ip in zip(rl.servers, SRV6):
        add6(h, "eth1", ip + "/64")
        h.run(["ip", "-6", "route", "add", "default", "via", BOX6])
        ctl = rl.lab.path("%s-websrv6.mode" % h.name)
        with open(ctl, "w") as f:
            f.write("ok\n")
        web6[h.name] = h.popen([PYTHON, WEBSRV, "--name", h.name,
            "--addr", ip, "--http", str(HTTP_PORT), "--ctl", ctl,
            "--maxtime", "120"])
        wait_until(lambda c=ctl: os.path.exists(c + ".ack"), 10,
            desc=lambda h=h: "websrv6 %s started: %s" % (h.name,
            web6[h.name].log_text()[-500:]))

    conf = relayd_conf(check="tcp", hosts=SRV6, backup=(), listen=VIP6)
    d = relayd(rl.box, conf)
    d.wait_states({ip: "up" for ip in SRV6}, 15)

    f = rl.fetch(60, dst=VIP6)
    assert not f.errors, f
    got = f.servers()
    assert set(got) == {"s1", "s2", "s3"} and \
        all(15 <= n <= 25 for n in got.values()), "%s\n%s\n%s" % (got,
        nft_buckets(rl.box), d.diag())

    web6["s2"].kill9()
    d.wait_states({SRV6[1]: "down"}, 10)
    f = rl.fetch(40, dst=VIP6)
    assert not f.errors and set(f.servers()) == {"s1", "s3"}, f
