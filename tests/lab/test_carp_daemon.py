# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The hakit Authors
"""
carpd as a process: it answers its control tool, refuses bad commands
with exit status 1 and a message, and frees everything it allocated by
the time it exits (LeakSanitizer, when built with BUILD=asan; the other
lab tests run with leak checking off so one leak fails one test).
"""

import time

import pytest

from lab import (CARPD, built_with_asan, carp_block, carp_conf,
    master_and_backup, sole_master, wait_until)


def test_carpctl_show_text_and_json_agree(lan, carpd):
    a = lan["a"]
    da = carpd(a, carp_conf(carp_block(vhid=3, advskew=42,
        addrs=["192.0.2.10/24", "2001:db8::10/64"])))
    j = da.iface()
    assert j["vhid"] == 3 and j["advskew"] == 42 and j["advbase"] == 1
    assert j["carpdev"] == "eth1"
    assert j["state"] in ("INIT", "BACKUP", "MASTER")
    assert sorted(j["addresses"]) == ["192.0.2.10/24", "2001:db8::10/64"]
    assert "carp" in j["groups"]
    text = da.ctl("show").stdout
    assert text.startswith("carp0:"), text
    assert "carp: %s carpdev eth1 vhid 3 advbase 1 advskew 42" % \
        j["state"] in text, text


def test_carpctl_rejects_bad_commands_with_status_1(lan, carpd):
    da = carpd(lan["a"], carp_conf(carp_block()))
    for args in (["carp9", "advskew", "10"], ["carp0", "advskew", "300"],
        ["carp0", "state", "sideways"], ["frobnicate"],
        ["demote", "carp", "+1000"]):
        r = da.ctl(*args, check=False)
        assert r.returncode == 1, "%s: exit %d" % (args, r.returncode)
        assert r.stderr.strip(), "%s: no message" % args
    assert da.alive()


def test_carpctl_advskew_changes_the_election(lan, carpd):
    a, b = lan["a"], lan["b"]
    conf = carp_conf(carp_block(advskew=0), preempt=True)
    da, db = master_and_backup(carpd, a, conf, b,
        carp_conf(carp_block(advskew=100), preempt=True))
    # a becomes the worse one: with preempt, b takes over.
    da.ctl("carp0", "advskew", "200")
    assert da.iface()["advskew"] == 200
    wait_until(lambda: sole_master([da, db]) is db, 8, desc="b preempts")


def test_carpd_frees_everything_at_exit(lan, carpd):
    if not built_with_asan(CARPD):
        pytest.skip("carpd not built with BUILD=asan")
    a, b = lan["a"], lan["b"]
    conf = carp_conf(carp_block(advskew=0, groups=["uplink"],
        addrs=["192.0.2.10/24", "2001:db8::10/64"]),
        carp_block("carp1", vhid=2, advskew=100, addrs=["192.0.2.11/24"]))
    da = carpd(a, conf, leaks=True)
    db = carpd(b, carp_conf(carp_block(advskew=100,
        addrs=["192.0.2.10/24", "2001:db8::10/64"])))
    # Exercise what allocates: control requests, a reload (good, then
    # bad), demotion, state changes, received advertisements.
    da.ctl("carp0", "state", "master")
    wait_until(lambda: da.state() == "MASTER", 5, desc="a MASTER")
    da.ctl("show", "stats", "-j")
    da.ctl("demote", "uplink", "+2")
    da.ctl("demote", "uplink", "-2")
    da.reload(conf.replace("advskew 100", "advskew 120"))
    wait_until(lambda: da.iface("carp1")["advskew"] == 120, 5,
        desc="reload applied")
    da.reload("carp0 {\n\tvhid 999\n}\n")
    wait_until(lambda: ":2:" in da.log_text(), 5, desc="reload error")
    time.sleep(1.5)  # let a few advertisements come and go
    rc = da.stop(timeout=15)
    report = da.sanitizer_report()
    da.sanitizer_checked = True  # reported here, not again at teardown
    if report is not None:
        pytest.fail("sanitizer report at exit:\n" + report, pytrace=False)
    assert rc == 0, "exit status %s" % rc
    assert db.alive()


def test_reload_on_the_master_keeps_serving_and_follows_the_vip_list(
        lan, carpd):
    a, c = lan["a"], lan["c"]
    one, two = "192.0.2.10", "192.0.2.11"
    da = carpd(a, carp_conf(carp_block(addrs=(one + "/24",))))
    wait_until(lambda: da.state() == "MASTER", 10, desc="a MASTER")
    wait_until(lambda: c.ping(one), 5, desc="VIP answers")
    # The same file again: nothing may move.
    da.reload()
    time.sleep(0.5)
    assert da.state() == "MASTER"
    assert a.has_addr(one) is not None
    assert c.ping(one)
    # A second VIP is added while the first stays up.
    da.reload(carp_conf(carp_block(addrs=(one + "/24", two + "/24"))))
    wait_until(lambda: a.has_addr(two) is not None, 5, desc="new VIP")
    assert a.has_addr(one) is not None
    assert c.ping(two) and c.ping(one)
    # The first is dropped; the second keeps answering.
    da.reload(carp_conf(carp_block(addrs=(two + "/24",))))
    wait_until(lambda: a.has_addr(one) is None, 5, desc="old VIP gone")
    assert a.has_addr(two) is not None
    assert c.ping(two)
    assert da.state() == "MASTER"
