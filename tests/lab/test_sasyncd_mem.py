# SPDX-License-Identifier: ISC
"""
sasyncd tier (a), spec section 8: two real daemons over TCP between two
namespaces, each on the in-memory SA/policy store, the role driven by a
fake carpd.  What a user cares about: after a snapshot and after every
live change the backup's SAs and policies are the master's, with the
outbound sequence numbers ahead by the margin.
"""

import re
import socket
import time

import pytest

import sasync_lab as sl
from lab import hold, wait_until

MARGIN = 100000


def sa(i, **kw):
    d = dict(src="198.51.100.1", dst="203.0.113.%d" % i, spi=0x1000 + i)
    d.update(kw)
    return d


def pol(i, **kw):
    d = dict(src="10.%d.0.0/16" % i, dst="10.200.0.0/16", dir="out",
        tsrc="198.51.100.1", tdst="203.0.113.%d" % i)
    d.update(kw)
    return d


def synced(master, slave, margin=MARGIN):
    """The slave holds the master's SAs (oseq + margin) and policies."""
    msas, mpols = master.store()
    ssas, spols = slave.store()
    want = sorted((d, o + margin if o is not None else None, s)
        for d, o, s in msas)
    return ssas == want and spols == mpols


def wait_synced(master, slave, what, margin=MARGIN, timeout=10):
    try:
        wait_until(lambda: synced(master, slave, margin), timeout,
            desc=what)
    except Exception:
        raise AssertionError("%s\nmaster: %s\nslave: %s\n%s\n%s" % (what,
            master.store(), slave.store(), master.diag(), slave.diag()))


def test_a_snapshot_gives_the_backup_the_masters_sas_and_policies(
        gateways, sasyncd):
    ds, cs = sl.start_pair(gateways, sasyncd, wait_connected=False)
    m, s = ds
    for i in range(1, 4):
        m.mem("sa-add", **sa(i, oseq=500 * i, seq=7))
    m.mem("sa-add", **sa(9, proto="ah"))
    m.mem("sa-add", **sa(10, proto="comp", spi=0x4000))
    for i in range(1, 3):
        m.mem("pol-add", **pol(i))
    # something stale on the backup: the snapshot's flush removes it
    s.mem("sa-add", **sa(50))
    s.mem("pol-add", **pol(50))
    wait_synced(m, s, "the backup holds the master's SAs and policies")
    sas, pols = s.store()
    assert len(sas) == 5 and len(pols) == 2
    # every SA type travels (OpenBSD skips AH and IPcomp)
    assert any(" ah " in d for d, _, _ in sas)
    assert any(" comp " in d or "ipcomp" in d for d, _, _ in sas)
    c = m.counters()
    assert c["snapshots_sent"] == 1
    assert c["snapshot_sas"] == 5 and c["snapshot_policies"] == 2
    assert s.show()["last_snapshot_received"] is not None
    assert s.peer()["snapshots_received"] == 1
    # what an operator reads
    text = m.ctl("show").stdout
    assert text.startswith("state MASTER, since ")
    assert re.search(r"peer 192\.0\.2\.2: (incoming|outgoing) since "
        r"\S+ \S+, state SLAVE", text), text
    assert re.search(r"snapshots sent 1, received 0", text), text
    assert re.search(r"\t5 snapshot_sas$", text, re.M), text


def test_live_changes_on_the_master_follow_to_the_backup(gateways,
        sasyncd):
    (m, s), _ = sl.start_pair(gateways, sasyncd)
    wait_until(lambda: m.counters()["snapshots_sent"] == 1, 10,
        desc="first snapshot")
    m.mem("sa-add", **sa(1, oseq=10))
    m.mem("sa-add", **sa(2))
    m.mem("pol-add", **pol(1))
    m.mem("pol-add", **pol(2))
    wait_synced(m, s, "added SAs and policies")
    m.mem("pol-upd", **pol(1, priority=5))
    m.mem("sa-del", **sa(2))
    m.mem("pol-del", **pol(2))
    wait_synced(m, s, "an update and two deletes")
    # a hard expiry removes the SA on the backup too
    m.mem("sa-expire", **sa(1))
    wait_synced(m, s, "an expired SA is deleted")
    assert s.store()[0] == []
    # larval SAs (SPI allocation) and ACQUIREs never travel
    before = m.counters()["events_skipped"]
    m.mem("sa-larval", **sa(30))
    m.mem("acquire")
    wait_until(lambda: m.counters()["events_skipped"] >= before + 2, 5,
        desc="larval SA and ACQUIRE read and skipped")
    hold(lambda: s.store()[0] == [], 1.0, desc="nothing larval synced")


def test_replay_counters_are_coalesced_and_kept_ahead_by_the_margin(
        gateways, sasyncd):
    extra = ("replay interval 2", "replay margin 5000")
    (m, s), _ = sl.start_pair(gateways, sasyncd, extra=(extra, extra))
    m.mem("sa-add", **sa(1, oseq=100))
    wait_synced(m, s, "SA synced", margin=5000)
    base = s.counters()["applied_replay"]
    for n in range(1, 21):
        m.mem("ae", **sa(1, oseq=100 + n * 10, seq=n))
    wait_synced(m, s, "the last replay value arrives", margin=5000)
    assert s.store()[0][0][1] == 300 + 5000
    c = m.counters()
    # twenty updates within one interval: one or two sent
    assert c["replay_coalesced"] >= 18
    assert s.counters()["applied_replay"] - base <= 2


def test_a_role_switch_reverses_the_stream(gateways, sasyncd):
    (a, b), (ca, cb) = sl.start_pair(gateways, sasyncd)
    a.mem("sa-add", **sa(1))
    wait_synced(a, b, "first master's SA")
    ca.set_state("BACKUP")
    cb.set_state("MASTER")
    wait_until(lambda: a.show()["state"] == "SLAVE" and
        b.show()["state"] == "MASTER", 5, desc="roles swapped")
    wait_until(lambda: a.peer()["state"] == "MASTER", 5,
        desc="a knows b is MASTER")
    b.mem("sa-add", **sa(2))
    b.mem("pol-add", **pol(2))
    # a holds both now; its own copy of SA 1 came from the other side
    wait_until(lambda: len(a.store()[0]) == 2 and len(a.store()[1]) == 1,
        10, desc="changes of the new master reach the old one")


def test_two_masters_refuse_each_others_data(gateways, sasyncd):
    (a, b), (ca, cb) = sl.start_pair(gateways, sasyncd)
    wait_until(lambda: b.peer()["state"] == "MASTER", 5,
        desc="b saw a as MASTER")
    cb.set_state("MASTER")
    wait_until(lambda: a.counters()["both_master"] +
        b.counters()["both_master"] >= 1, 5, desc="both-MASTER noticed")
    before = b.counters()["not_master"]
    a.mem("sa-add", **sa(1))
    wait_until(lambda: b.counters()["not_master"] > before, 5,
        desc="b refuses data while it is MASTER")
    assert b.store()[0] == []


def test_flushmode_never_keeps_the_backups_own_and_holds_flushes(
        gateways, sasyncd):
    extra = ("flushmode never",)
    ds, _ = sl.start_pair(gateways, sasyncd, extra=(extra, extra),
        wait_connected=False)
    m, s = ds
    s.mem("sa-add", **sa(50))
    m.mem("sa-add", **sa(1))
    wait_until(lambda: len(s.store()[0]) == 2, 10,
        desc="snapshot without flush: both SAs on the backup")
    m.mem("flush-sa")
    wait_until(lambda: m.counters()["flush_held"] >= 1, 5,
        desc="the flush is held back")
    hold(lambda: len(s.store()[0]) == 2, 1.0, desc="backup not flushed")


def test_flushmode_sync_passes_flushes_on(gateways, sasyncd):
    extra = ("flushmode sync",)
    ds, _ = sl.start_pair(gateways, sasyncd, extra=(extra, extra),
        wait_connected=False)
    m, s = ds
    s.mem("sa-add", **sa(50))
    m.mem("sa-add", **sa(1))
    wait_until(lambda: len(s.store()[0]) == 2, 10,
        desc="snapshot without flush")
    m.mem("flush-sa")
    wait_until(lambda: s.store()[0] == [], 5, desc="flush passed on")


def test_skipslave_keeps_sas_of_the_sync_link_to_each_gateway(gateways,
        sasyncd):
    extra = ("mode skipslave",)
    (m, s), _ = sl.start_pair(gateways, sasyncd, extra=(extra, extra))
    m.mem("sa-add", **sa(1))
    # an SA protecting the sync link itself, to the backup's address
    m.mem("sa-add", src=sl.GW_IPS[0], dst=sl.GW_IPS[1], spi=0x77)
    wait_until(lambda: len(s.store()[0]) == 1, 10, desc="one SA synced")
    wait_until(lambda: m.counters()["events_skipslave"] >= 1, 5,
        desc="the sync link's SA skipped")
    hold(lambda: len(s.store()[0]) == 1, 1.0, desc="only the tunnel SA")


def test_startup_demotion_is_held_until_the_snapshot_is_in(gateways,
        sasyncd):
    # the backup boots with its carp group already demoted
    ds, cs = sl.start_pair(gateways, sasyncd, demote=(0, 1),
        wait_connected=False)
    m, s = ds
    wait_until(lambda: cs[1].demote_log[:1] == [1], 5,
        desc="sasyncd demotes once more at start")
    assert cs[0].demote_log == []       # not demoted: nothing to hold
    wait_until(lambda: cs[1].demote_log == [1, -1], 10,
        desc="demotion lifted after the master's snapshot")
    assert cs[1].demote() == 1 and not s.show()["demoted"]


def test_startup_demotion_goes_when_sasyncd_exits(gateways, sasyncd):
    c = gateways.fake_carp(1, state="BACKUP", demote=2)
    d = sasyncd(gateways.gws[1], sl.conf(sl.GW_IPS[1], [sl.GW_IPS[0]]),
        args=["-C", c.path, "-M"])
    wait_until(lambda: c.demote() == 3, 5, desc="held while no peer")
    assert d.show()["demoted"]
    d.stop()
    wait_until(lambda: c.demote() == 2, 5, desc="released at exit")


def test_carpd_unreachable_is_fail_and_nothing_is_sent(gateways,
        sasyncd):
    (m, s), (cm, cs) = sl.start_pair(gateways, sasyncd)
    cm.stop()
    wait_until(lambda: m.show()["state"] == "FAIL", 5,
        desc="master without carpd is FAIL")
    m.mem("sa-add", **sa(1))
    hold(lambda: s.store()[0] == [], 1.0, desc="a FAIL node sends nothing")


def test_a_connection_from_an_unknown_address_is_refused(gateways3,
        sasyncd):
    g = gateways3
    (m, s), _ = sl.start_pair(g, sasyncd)
    # gw3 has the right key but is not a configured peer
    c = g.fake_carp(2, state="BACKUP")
    x = sasyncd(g.gws[2], sl.conf(sl.GW_IPS[2], [sl.GW_IPS[0]]),
        args=["-C", c.path, "-M"])
    wait_until(lambda: m.counters()["refused"] >= 1, 10,
        desc="gw1 refuses gw3")
    m.mem("sa-add", **sa(1))
    wait_synced(m, s, "the real backup still syncs")
    hold(lambda: x.store()[0] == [], 1.0, desc="nothing reached gw3")


def test_a_wrong_key_is_counted_and_nothing_applied(gateways, sasyncd):
    other = "0x" + "ff" * 16
    ds, _ = sl.start_pair(gateways, sasyncd, wait_connected=False,
        extra=((), ()))
    m, s = ds
    s.stop()
    c = gateways.carps[1]
    s2 = sasyncd(gateways.gws[1], sl.conf(sl.GW_IPS[1], [sl.GW_IPS[0]],
        key=other), args=["-C", c.path, "-M"])
    m.mem("sa-add", **sa(1))
    wait_until(lambda: s2.counters()["bad_hash"] >= 1, 10,
        desc="frames under another key are refused")
    assert s2.store()[0] == []
    assert "typo in shared key" in s2.log_text()


def test_a_restarted_backup_gets_a_new_snapshot(gateways, sasyncd):
    (m, s), (cm, cs) = sl.start_pair(gateways, sasyncd)
    m.mem("sa-add", **sa(1))
    m.mem("pol-add", **pol(1))
    wait_synced(m, s, "first sync")
    wait_until(lambda: m.counters()["snapshots_sent"] == 1, 5,
        desc="the first snapshot")
    s.kill9()
    s2 = sasyncd(gateways.gws[1], sl.conf(sl.GW_IPS[1], [sl.GW_IPS[0]]),
        args=["-C", cs.path, "-M"])
    wait_synced(m, s2, "the restarted backup is synced again")
    assert m.counters()["snapshots_sent"] >= 2


class Raw:
    """A TCP connection to gw1's sasyncd from gw2's address."""

    def __init__(self, host, dst):
        self.host = host
        self.dst = dst

    def send(self, data, expect_close=False):
        """Sends data from inside gw2; returns whether sasyncd closed."""
        code = (
            "import socket,sys,time\n"
            "s=socket.create_connection((%r,%d),5)\n"
            "s.sendall(bytes.fromhex(%r))\n"
            "s.settimeout(1.5)\n"
            "try:\n"
            "    closed = s.recv(65536, socket.MSG_PEEK) == b''\n"
            "except socket.timeout:\n"
            "    closed = False\n"
            "print('closed' if closed else 'open')\n"
            "time.sleep(0.5)\n" % (self.dst, sl.PORT, data.hex()))
        r = self.host.run(["/usr/bin/python3", "-c", code])
        return r.stdout.strip() == "closed"


def test_hostile_frames_are_counted_and_only_a_bad_length_closes(
        gateways, sasyncd):
    c = gateways.fake_carp(0, state="BACKUP")
    d = sasyncd(gateways.gws[0], sl.conf(sl.GW_IPS[0], [sl.GW_IPS[1]]),
        args=["-C", c.path, "-M"])
    raw = Raw(gateways.gws[1], sl.GW_IPS[0])
    state = sl.frame(0, sl.ctl_payload(1, 2))       # CTL_STATE MASTER
    # a bad type, a bad padlen and a bad hash, then a good frame: the
    # stream stays aligned and the good one is read
    bad = sl.frame(3, sl.ctl_payload(1, 2)) + \
        sl.frame(0, sl.ctl_payload(1, 2), padlen=16) + \
        sl.frame(0, sl.ctl_payload(1, 2), key=b"k" * 16)
    assert not raw.send(bad + state)
    wait_until(lambda: d.counters()["bad_type"] >= 1 and
        d.counters()["bad_padding"] >= 1 and d.counters()["bad_hash"] >= 1,
        5, desc="each bad frame counted")
    wait_until(lambda: d.peer()["rx_frames"] >= 1, 5,
        desc="the good frame after them was read")
    # lengths that break the stream: N < 12, N not a multiple of 16
    for n in (44 + 0, 44 + 20, 44 + 8192):
        assert raw.send(sl.frame(0, sl.ctl_payload(1, 2), length=n)), n
    assert d.counters()["bad_length"] == 3
    # PF_KEY data from an OpenBSD peer: dropped and counted
    assert not raw.send(state + sl.frame(1, b"\x02" * 32))
    wait_until(lambda: d.counters()["pfkey_dropped"] == 1, 5,
        desc="PF_KEY frame counted")
    # a malformed XFRM message from a MASTER peer: counted, dropped
    assert not raw.send(state + sl.frame(2, b"\x10\x00\x00\x00" +
        b"\x10\x00" + b"\x00" * 10))
    wait_until(lambda: sum(v for k, v in d.counters().items()
        if k.startswith("xfrm ")) >= 1, 5, desc="bad XFRM counted")
    assert d.store() == ([], [])
    assert d.alive()


def test_keys_never_reach_the_log_even_at_the_highest_verbosity(gateways,
        sasyncd):
    c0 = gateways.fake_carp(0, state="MASTER")
    c1 = gateways.fake_carp(1, state="BACKUP")
    m = sasyncd(gateways.gws[0], sl.conf(sl.GW_IPS[0], [sl.GW_IPS[1]]),
        args=["-C", c0.path, "-M", "-v"])
    s = sasyncd(gateways.gws[1], sl.conf(sl.GW_IPS[1], [sl.GW_IPS[0]]),
        args=["-C", c1.path, "-M", "-v"])
    m.mem("sa-add", **sa(1))
    m.mem("sa-add", **sa(2))
    wait_synced(m, s, "SAs synced")
    assert "applied NEWSA" in s.log_text()     # -vv logs each change
    # the in-memory store's test keys are 0x41... (enc) and 0x42...
    for d in (m, s):
        text = d.log_text()
        for k in ("41414141", "42424242", "AAAAAAAA", "BBBBBBBB",
                sl.KEY.hex(), sl.KEY.hex().upper()):
            assert k not in text, (d.name, k)


def test_peers_connected_before_carp_elected_still_get_a_snapshot(
        gateways, sasyncd):
    # both gateways boot together: connected while carp is still INIT
    (m, s), (cm, cs) = sl.start_pair(gateways, sasyncd,
        states=("INIT", "INIT"))
    m.mem("sa-add", **sa(1))
    m.mem("pol-add", **pol(1))
    cm.set_state("MASTER")
    cs.set_state("BACKUP")
    wait_synced(m, s, "the new master's snapshot")
    assert m.counters()["snapshots_sent"] == 1
