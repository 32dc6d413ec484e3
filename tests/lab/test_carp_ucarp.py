# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The hakit Authors
"""
carpd with ucarp on one IPv4 VIP (specs/carp.md section 12): the only
configuration the two can share is one IPv4 address, multicast, a
passphrase of at most 19 bytes and the default MAC.  They must agree on a
single master and each must take over when the other dies.
"""

import pytest

from lab import (Ucarp, carp_block, carp_conf, dead_box, hold, served_by,
    virtual_mac, wait_until)

VIP = "192.0.2.10"
PASS = "interop-19-bytes-ok"  # exactly 19 bytes: ucarp's limit
VHID = 7


@pytest.mark.slow
@pytest.mark.needs("ucarp")
def test_carpd_and_ucarp_share_a_vip_both_ways(lan, carpd):
    a, b = lan["a"], lan["b"]
    assert len(PASS) == 19
    conf = carp_conf(carp_block(vhid=VHID, advskew=0, passphrase=PASS,
        addrs=[VIP + "/24"]))
    da = carpd(a, conf)
    da.ctl("carp0", "state", "master", check=False)
    wait_until(lambda: da.state() == "MASTER", 10, desc="carpd MASTER")
    u = Ucarp(b, "eth1", b.ip4, VHID, PASS, VIP, advskew=100).start()

    # ucarp hears carpd and stays BACKUP past its own master-down (3.4 s).
    def carpd_master():
        return da.state() == "MASTER" and not u.is_master()
    hold(carpd_master, 5, desc="carpd master, ucarp backup")
    assert "Bad digest" not in u.log_text(), u.log_text()
    w = served_by(lan, VIP, a, VHID)
    assert w["mac"] == virtual_mac(VHID)

    # carpd's box dies: ucarp takes the VIP on its real NIC.
    dead_box(da)
    wait_until(u.is_master, 10, desc="ucarp MASTER")
    wait_until(lambda: served_by(lan, VIP, b, mac=b.mac("eth1")), 5,
        desc="VIP answered by ucarp's NIC")

    # carpd comes back without preempt: BACKUP behind ucarp, for longer
    # than its master-down, so it accepts ucarp's advertisements.
    a.link_up("eth1")
    da2 = carpd(a, conf)
    wait_until(lambda: da2.state() == "BACKUP", 5, desc="carpd BACKUP")
    hold(lambda: da2.state() == "BACKUP" and u.is_master(), 5,
        desc="ucarp master, carpd backup")
    st = da2.stats()
    assert st["badauth"] == 0 and st["ipackets"] > 0, st

    # ucarp's box dies: carpd takes over.
    dead_box(u)
    wait_until(lambda: da2.state() == "MASTER", 10, desc="carpd MASTER")
    wait_until(lambda: served_by(lan, VIP, a, VHID), 5,
        desc="VIP answered by carpd's virtual MAC")
    assert "Bad digest" not in u.log_text(), u.log_text()


@pytest.mark.needs("ucarp")
def test_ucarp_rejects_a_wrong_passphrase_control(lan, carpd):
    """The control for the test above: with a different passphrase
    ucarp does log "Bad digest", so its absence there means something."""
    a, b = lan["a"], lan["b"]
    da = carpd(a, carp_conf(carp_block(vhid=VHID, advskew=0,
        passphrase="not the same", addrs=[VIP + "/24"])))
    da.ctl("carp0", "state", "master", check=False)
    wait_until(lambda: da.state() == "MASTER", 10, desc="carpd MASTER")
    u = Ucarp(b, "eth1", b.ip4, VHID, PASS, VIP, advskew=100).start()
    wait_until(lambda: "Bad digest" in u.log_text(), 5,
        desc="ucarp logs Bad digest")
    wait_until(lambda: da.stats()["badauth"] > 0, 5,
        desc="carpd counts badauth")
