# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The hakit Authors
"""
The lab framework itself, with plain processes and ucarp: namespaces and
processes always go away, links carry traffic and stop carrying it when
set down, the helpers see what a user would see, and the hand-built CARP
packets match the spec's test vectors.
"""

import os
import subprocess
import time

import pytest

import lab as labmod
from lab import Lab, LabError, Ping, Ucarp, wait_until


def netns_names():
    out = subprocess.run(["ip", "netns", "list"], capture_output=True,
        text=True).stdout
    return [l.split()[0] for l in out.splitlines() if l.split()]


def test_teardown_removes_namespaces_and_processes():
    l = Lab()
    try:
        sw = l.add_switch()
        a = l.add_host("a")
        l.connect(a, sw, "eth1", ["192.0.2.1/24"])
        p = a.popen("sleep 300")
        # A grandchild in the same process group, as a script makes.
        q = a.popen(["sh", "-c", "sleep 301 & wait"])
        wait_until(lambda: len(a.pids()) >= 3, 5, desc="3 pids in ns")
        inner = a.pids()
        names = [ns.ns for ns in l.all_ns()]
        assert all(n in netns_names() for n in names)
        assert all(len(n) > len(l.prefix) for n in names)
    finally:
        l.teardown()
    assert not any(n in netns_names() for n in names)
    assert not p.alive() and not q.alive()
    for pid in inner:
        assert not labmod.pid_alive(pid), "pid %d survived" % pid
    assert not os.path.exists(l.workdir)
    l.teardown()  # idempotent


def test_teardown_runs_after_a_failing_body():
    names = []
    with pytest.raises(ZeroDivisionError):
        l = Lab()
        try:
            names.append(l.add_host("a").ns)
            1 / 0
        finally:
            l.teardown()
    assert names and names[0] not in netns_names()


def test_stale_namespace_of_a_dead_run_is_removed():
    # A pid that is not running: the run that made it is gone.
    pid = 4194000
    while labmod.pid_alive(pid):
        pid -= 1
    name = "%s%dabc-a" % (labmod.NS_PREFIX, pid)
    subprocess.run(["ip", "netns", "add", name], check=True)
    try:
        assert name in labmod.cleanup_stale()
    finally:
        subprocess.run(["ip", "netns", "del", name],
            capture_output=True)
    assert name not in netns_names()


def test_names_are_unique_per_lab():
    a, b = Lab(), Lab()
    try:
        assert a.prefix != b.prefix
        assert a.prefix.startswith(labmod.NS_PREFIX + str(os.getpid()))
    finally:
        a.teardown()
        b.teardown()


def test_addresses_outside_documentation_ranges_are_refused(lab):
    h = lab.add_host("a")
    for bad in ("10.0.0.1/24", "8.8.8.8", "2001:4860::1/64"):
        with pytest.raises(LabError):
            h.add_addr("lo", bad)
    with pytest.raises(LabError):
        h.ping("10.1.2.3")


def test_hosts_on_a_switch_reach_each_other_in_v4_and_v6(lan):
    a, b, c = lan["a"], lan["b"], lan.client
    assert a.ping("192.0.2.2", count=2)
    assert c.ping("2001:db8::1", count=2)
    assert c.neigh("192.0.2.1") is None or \
        c.neigh("192.0.2.1") == a.mac("eth1")
    assert c.resolve("192.0.2.1") == a.mac("eth1")
    assert lan.sw.fdb_host(a.mac("eth1")) is a
    assert b.has_addr("192.0.2.2") == "eth1"


def test_link_down_makes_a_box_unreachable(lan):
    a, c = lan["a"], lan.client
    assert c.ping("192.0.2.1")
    a.link_down("eth1")
    assert not c.ping("192.0.2.1", timeout=1)
    assert a.has_addr("192.0.2.1") is None  # down: not served
    a.link_up("eth1")
    wait_until(lambda: c.ping("192.0.2.1"), 5, desc="ping after link up")


def test_who_owns_reports_holder_mac_and_switch_port(lan):
    a, b = lan["a"], lan["b"]
    b.add_addr("eth1", "192.0.2.10/24")
    w = lan.who_owns("192.0.2.10")
    assert w["holders"] == ["b"]
    assert w["mac"] == b.mac("eth1")
    assert w["port"] == "b"
    assert w["reply"]
    b.run("ip addr del 192.0.2.10/24 dev eth1")
    a.add_addr("eth1", "192.0.2.10/24")
    w = lan.who_owns("192.0.2.10")
    assert (w["holders"], w["mac"], w["port"]) == (["a"],
        a.mac("eth1"), "a")


def test_ping_helper_records_replies_and_the_gap_of_an_outage(lan):
    a, c = lan["a"], lan.client
    p = Ping(c, "192.0.2.1", count=60, interval=0.05)
    wait_until(lambda: len(p.replies()) >= 10, 5, desc="10 replies")
    a.link_down("eth1")
    t_down = time.time()
    time.sleep(0.5)
    a.link_up("eth1")
    t_up = time.time()
    p.wait()
    r = p.replies()
    assert 10 <= len(r) < 60, p.summary()
    assert not [s for s, t in r.items() if t_down + 0.1 < t < t_up - 0.1]
    assert p.replies_after(t_up), p.summary()


def test_popen_stop_sends_sigterm_first(lab):
    a = lab.add_host("a")
    p = a.popen(["sh", "-c", "trap 'echo got-term; exit 7' TERM; "
        "sleep 30 & wait"])
    time.sleep(0.3)
    assert p.stop() == 7
    assert "got-term" in p.log_text()


def test_scapy_frames_leave_the_attacker_and_reach_the_bridge(lan_factory):
    lan = lan_factory(nodes=("a",), attacker=True)
    a, x = lan["a"], lan.attacker

    def rx():
        s = a.ip_json("-s link show dev eth1")[0]["stats64"]["rx"]
        return s["packets"]
    before = rx()
    hdr = labmod.carp_header(1, passphrase="k", addrs=["192.0.2.10"])
    frame = labmod.carp_frame(x.mac("eth1"), x.ip4, hdr)
    assert len(frame) == 14 + 20 + 36
    out = labmod.send_frames(x, "eth1", [frame] * 20)
    assert "sent 20" in out
    wait_until(lambda: rx() - before >= 20, 5, desc="20 frames at a")


def test_carp_header_matches_spec_vectors():
    a = labmod.carp_header(1, counter=bytes.fromhex("0123456789abcdef"),
        passphrase="hakit-test-pass", addrs=["192.0.2.1/24"])
    assert a.hex() == ("21010007000146c60123456789abcdef"
        "da98d3dfc07761d19c2fc070497c7226991b77ea")
    assert labmod.inet_cksum(a) == 0
    bow = labmod.carp_header(1, advskew=255, advbase=255,
        counter=bytes.fromhex("0123456789abcdef"),
        passphrase="hakit-test-pass", addrs=["192.0.2.1"])
    assert bow.hex().startswith("2101ff0700ff46c7")
    b = labmod.carp_header(7, advskew=100,
        counter=bytes.fromhex("8badf00ddeadbeef"),
        passphrase="hakit-test-pass", addrs=["198.51.100.20",
        "192.0.2.10", "203.0.113.5", "192.0.2.10", "2001:db8:0:1::20",
        "2001:db8::1", "fe80::200:5eff:fe00:107"])
    assert b.hex() == ("2107640700010dad8badf00ddeadbeef"
        "7bf158b0d29ecf1276f152adf5e3dc15a2b89f45")
    c = labmod.carp_header(255, counter=bytes.fromhex("0000000000000001"),
        passphrase=None, addrs=["203.0.113.254"])
    assert c[6:8].hex() == "9a7a"
    assert c[16:].hex() == "99f3a7a92d869b0a00f10b4ce99a1339bece716f"
    for p in ("abcdefghijklmnopqrst", "abcdefghijklmnopqrs"):
        d = labmod.carp_header(1, counter=bytes.fromhex(
            "0123456789abcdef"), passphrase=p, addrs=["192.0.2.1"])
        assert d[16:].hex() == \
            "238b21ae487bd8188b98f934b72adfc88ca76e33"
        assert d[6:8].hex() == "c467"
    bad = labmod.carp_header(1, passphrase="x", bad_cksum=True)
    assert labmod.inet_cksum(bad) != 0


@pytest.mark.needs("ucarp")
def test_two_ucarps_elect_one_master_and_fail_over(lan):
    a, b = lan["a"], lan["b"]
    vip = "192.0.2.10"
    ua = Ucarp(a, "eth1", a.ip4, 1, "lab pass", vip, advskew=0).start()
    ub = Ucarp(b, "eth1", b.ip4, 1, "lab pass", vip, advskew=100).start()
    wait_until(lambda: ua.is_master() != ub.is_master(), 10,
        desc="one ucarp master")
    master, backup = (ua, ub) if ua.is_master() else (ub, ua)
    w = wait_until(lambda: (lambda w: w["reply"] and w)(
        lan.who_owns(vip)), 5, desc="VIP answers")
    assert w["holders"] == [master.host.name]
    assert w["mac"] == master.host.mac("eth1")
    # Dead box: killed and unplugged.
    master.kill9()
    master.host.link_down("eth1")
    wait_until(backup.is_master, 10, desc="backup takes over")
    w = wait_until(lambda: (lambda w: w["reply"] and w)(
        lan.who_owns(vip)), 5, desc="VIP answers after failover")
    assert w["mac"] == backup.host.mac("eth1")
    assert w["port"] == backup.host.name
    assert "Bad digest" not in ua.log_text() + ub.log_text()
