# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The hakit Authors
"""
Who ends up MASTER: elections between two and three carpd nodes, preempt,
demotion, and two vhids on one parent.  Every check is what a user sees:
carpctl's state, which box holds the VIP, the MAC answering ARP for it
from the client, the switch port that MAC lives on, and ping replies.
"""

from lab import (carp_block, carp_conf, dead_box, hold, master_and_backup,
    served_by, sole_master, states, virtual_mac, wait_until)

VIP = "192.0.2.10"
VIP2 = "192.0.2.11"


def test_two_nodes_elect_exactly_one_master(lan, carpd):
    a, b = lan["a"], lan["b"]
    da = carpd(a, carp_conf(carp_block(advskew=0)))
    db = carpd(b, carp_conf(carp_block(advskew=100)))
    m = wait_until(lambda: sole_master([da, db]), 10,
        desc="one MASTER, one BACKUP")
    served = wait_until(lambda: served_by(lan, VIP, m.host, 1), 5,
        desc="VIP served by the master")
    assert served["mac"] == virtual_mac(1)
    # And it stays that way: no flapping over several intervals.
    hold(lambda: sole_master([da, db]) is m, 3, desc="single master")
    other = db if m is da else da
    assert other.host.has_addr(VIP) is None


def test_with_preempt_the_lower_advskew_ends_as_master(lan, carpd):
    a, b = lan["a"], lan["b"]
    # b starts alone and becomes MASTER; a, better, joins later.
    db = carpd(b, carp_conf(carp_block(advskew=100), preempt=True))
    wait_until(lambda: db.state() == "MASTER", 10, desc="b MASTER alone")
    wait_until(lambda: served_by(lan, VIP, b, 1), 5, desc="VIP on b")
    da = carpd(a, carp_conf(carp_block(advskew=0), preempt=True))
    wait_until(lambda: sole_master([da, db]) is da, 10,
        desc="a preempts b")
    wait_until(lambda: served_by(lan, VIP, a, 1), 5, desc="VIP on a")
    hold(lambda: sole_master([da, db]) is da, 3, desc="a stays master")


def test_without_preempt_a_better_newcomer_stays_backup(lan, carpd):
    a, b = lan["a"], lan["b"]
    db = carpd(b, carp_conf(carp_block(advskew=100)))
    wait_until(lambda: db.state() == "MASTER", 10, desc="b MASTER alone")
    da = carpd(a, carp_conf(carp_block(advskew=0)))
    wait_until(lambda: da.state() == "BACKUP", 5, desc="a BACKUP")
    hold(lambda: sole_master([da, db]) is db, 4,
        desc="b stays master (preempt off)")
    served_by(lan, VIP, b, 1)


def test_three_nodes_elect_exactly_one_master(lan_factory, carpd):
    lan = lan_factory(nodes=("a", "b", "d"))
    ds = [carpd(h, carp_conf(carp_block(advskew=skew)))
        for h, skew in zip(lan.nodes, (0, 50, 100))]
    m = wait_until(lambda: sole_master(ds), 10,
        desc="one MASTER, two BACKUP")
    wait_until(lambda: served_by(lan, VIP, m.host, 1), 5,
        desc="VIP served by the master")
    hold(lambda: sole_master(ds) is m, 3, desc="single master")


def test_preempt_gives_the_vip_back_to_the_better_node(lan, carpd):
    a, b = lan["a"], lan["b"]
    conf_a = carp_conf(carp_block(advskew=0), preempt=True)
    conf_b = carp_conf(carp_block(advskew=100), preempt=True)
    da, db = master_and_backup(carpd, a, conf_a, b, conf_b)
    dead_box(da)
    wait_until(lambda: db.state() == "MASTER", 10, desc="b takes over")
    wait_until(lambda: served_by(lan, VIP, b, 1), 5, desc="VIP on b")
    # a comes back: links up, a fresh carpd over what the dead one left.
    a.link_up("eth1")
    da2 = carpd(a, conf_a)
    wait_until(lambda: sole_master([da2, db]) is da2, 10,
        desc="a preempts back")
    wait_until(lambda: served_by(lan, VIP, a, 1), 5, desc="VIP on a")
    hold(lambda: sole_master([da2, db]) is da2, 3, desc="a stays master")


def test_demotion_moves_the_master_and_is_shown(lan, carpd):
    a, b = lan["a"], lan["b"]
    da, db = master_and_backup(carpd, a, carp_conf(carp_block(advskew=0)),
        b, carp_conf(carp_block(advskew=100)))
    assert da.demote() == 0
    da.ctl("demote", "carp", "+1")
    wait_until(lambda: da.demote() == 1, 3, desc="a shows demote 1")
    wait_until(lambda: sole_master([da, db]) is db, 5,
        desc="b takes over from the demoted a (no preempt needed)")
    wait_until(lambda: served_by(lan, VIP, b, 1), 5, desc="VIP on b")
    da.ctl("demote", "carp", "-1")
    wait_until(lambda: da.demote() == 0, 3, desc="a shows demote 0")
    # Without preempt nothing moves back.
    hold(lambda: sole_master([da, db]) is db, 4, desc="b stays master")
    served_by(lan, VIP, b, 1)


def test_two_vhids_on_one_parent_are_split_by_advskew(lan, carpd):
    a, b = lan["a"], lan["b"]

    def conf(skew0, skew1):
        return carp_conf(
            carp_block("carp0", vhid=1, advskew=skew0, addrs=[VIP + "/24"],
            passphrase="vhid one"),
            carp_block("carp1", vhid=2, advskew=skew1,
            addrs=[VIP2 + "/24"], passphrase="vhid two"),
            preempt=True)
    da = carpd(a, conf(0, 100))
    db = carpd(b, conf(100, 0))
    wait_until(lambda: sole_master([da, db], "carp0") is da, 12,
        desc="a MASTER of carp0")
    wait_until(lambda: sole_master([da, db], "carp1") is db, 12,
        desc="b MASTER of carp1")
    w0 = wait_until(lambda: served_by(lan, VIP, a, 1), 5,
        desc="VIP .10 on a with 00:00:5e:00:01:01")
    w1 = wait_until(lambda: served_by(lan, VIP2, b, 2), 5,
        desc="VIP .11 on b with 00:00:5e:00:01:02")
    assert w0["mac"] != w1["mac"]
    assert a.has_addr(VIP) == "carp0" and b.has_addr(VIP2) == "carp1"
    hold(lambda: states([da, db], "carp0") == {"a": "MASTER",
        "b": "BACKUP"} and states([da, db], "carp1") == {"a": "BACKUP",
        "b": "MASTER"}, 3, desc="split masters")
