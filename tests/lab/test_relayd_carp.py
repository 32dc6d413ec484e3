# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The hakit Authors
"""
relayd in an HA pair (specs/relayd.md TBL-9, PP-9): a table with
`demote carp` raises carpd's demotion counter of the group while none of
its hosts is live, so that the other box of the pair (whose servers
still answer) takes the VIP, and lowers it again when a host returns.
The demotion belongs to relayd's connection to carpd: when relayd stops,
carpd drops it, so a stopped relayd never leaves the box demoted.
"""

import lab as labmod
from lab import wait_until
from pfsync_lab import group_demote
from relayd_lab import SERVER_IPS, relayd_conf

WEB3 = SERVER_IPS[:3]


def test_an_empty_table_demotes_the_carp_group_until_a_host_returns(
        relayd_lab, relayd, carpd):
    rl = relayd_lab
    c = carpd(rl.box, labmod.carp_conf(labmod.carp_block(carpdev="eth1",
        addrs=("203.0.113.100/24",))))
    d = relayd(rl.box, relayd_conf(check="tcp demote carp", backup=()),
        args=["-C", c.sock])
    d.wait_states({ip: "up" for ip in WEB3}, 15)
    assert group_demote(c) == 0, d.diag()

    for ip in WEB3:
        rl.ws(ip).set("refuse")
    wait_until(lambda: group_demote(c) == 1, 10,
        desc=lambda: "carp group demoted by relayd: %s\n%s" % (
        group_demote(c), d.diag()))
    assert d.redirect()["status"] == "down", d.diag()

    rl.ws(WEB3[1]).fix()
    wait_until(lambda: group_demote(c) == 0, 10,
        desc=lambda: "demotion lifted when s2 is back: %s\n%s" % (
        group_demote(c), d.diag()))

    # Demoted again, then relayd stops: carpd drops relayd's share.
    rl.ws(WEB3[1]).set("refuse")
    wait_until(lambda: group_demote(c) == 1, 10,
        desc=lambda: "demoted again: %s" % group_demote(c))
    assert d.stop() == 0
    wait_until(lambda: group_demote(c) == 0, 5,
        desc=lambda: "demotion gone with relayd: %s" % group_demote(c))
