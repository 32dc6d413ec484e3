# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The hakit Authors
"""
The demotion service other hakit daemons use (lib/carpclient through
carpd's control socket, here driven by `carpctl monitor -D`): a
daemon's demotion moves the master while its connection lives, and is
taken back when that connection closes, so a crashed daemon never leaves
the box demoted.  The subscription reports every state change.
"""

import json

from lab import (CARPCTL, carp_block, carp_conf, hold, served_by,
    sole_master, wait_until)

VIP = "192.0.2.10"


def group_demote(d, group="carp"):
    for g in json.loads(d.ctl("-j", "show", "groups").stdout):
        if g["name"] == group:
            return g["demote"]
    return None


def test_session_demotion_moves_master_and_goes_with_the_connection(
        lan, carpd):
    a, b = lan["a"], lan["b"]
    da = carpd(a, carp_conf(carp_block(advskew=0), preempt=True))
    wait_until(lambda: da.state() == "MASTER", 10, desc="a MASTER")
    db = carpd(b, carp_conf(carp_block(advskew=100), preempt=True))
    wait_until(lambda: sole_master([da, db]) is da, 10, desc="a master")

    mon_log = a.lab.path("monitor.log")
    mon = a.popen([CARPCTL, "-s", da.sock, "monitor", "-D", "carp:50"],
        log=mon_log)
    # The share raises a's advertised demote; b takes over even though
    # a has the better advskew.
    wait_until(lambda: sole_master([da, db]) is db, 10,
        desc="b master while a is demoted")
    wait_until(lambda: served_by(lan, VIP, b, 1), 5, desc="VIP on b")
    assert group_demote(da) == 50
    assert da.iface()["demote"] == 50
    # The subscriber saw the state change as it happened.
    wait_until(lambda: "carp0: BACKUP" in open(mon_log).read(), 5,
        desc="monitor reports a BACKUP")

    # The demoting process dies: carpd drops its share at once.
    mon.kill9()
    wait_until(lambda: group_demote(da) == 0, 5,
        desc="a's carp group back to 0")
    wait_until(lambda: sole_master([da, db]) is da, 10,
        desc="a preempts back")
    wait_until(lambda: served_by(lan, VIP, a, 1), 5, desc="VIP on a")


def test_administrator_demotion_stays_after_carpctl_exits(lan, carpd):
    a, b = lan["a"], lan["b"]
    da = carpd(a, carp_conf(carp_block(advskew=0), preempt=True))
    wait_until(lambda: da.state() == "MASTER", 10, desc="a MASTER")
    db = carpd(b, carp_conf(carp_block(advskew=100), preempt=True))
    wait_until(lambda: sole_master([da, db]) is da, 10, desc="a master")
    out = da.ctl("demote", "carp", "+20").stdout
    assert "carp: carp demote count 20" in out
    wait_until(lambda: sole_master([da, db]) is db, 10, desc="b master")
    hold(lambda: group_demote(da) == 20, 2, desc="demotion kept")
    da.ctl("demote", "carp", "-20")
    wait_until(lambda: sole_master([da, db]) is da, 10,
        desc="a preempts back")


def test_bad_demote_arguments_are_refused(lan, carpd):
    da = carpd(lan["a"], carp_conf(carp_block()))
    for args in (("demote", "carp", "50"), ("demote", "carp", "+300"),
            ("demote", "carp", "+x")):
        r = da.ctl(*args, check=False)
        assert r.returncode == 1 and r.stderr.strip(), args
    assert group_demote(da) == 0
    assert da.alive()
