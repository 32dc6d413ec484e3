# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The hakit Authors
"""
Hostile and hand-made pfsync packets on the sync link, sent with scapy
(pfsync_scapy.py) from a third box "x" on the sync switch to fw2's
pfsyncd, most of them forging fw1's address (the allowed peer).

Every bad packet is, apart from the one field under test, a valid INS of
a NATed flow no one else creates: accepted, it would show in fw2's
conntrack table.  Each is counted under its netstat name in `pfsyncctl
show -j`, creates nothing, and pfsyncd stays up and keeps syncing.  The
controls show the same packet, valid, does create the entry (with its
NAT), is deleted by DEL_C, and that an INS asking for an ack gets one.
"""

from scapy.all import IP, Ether, Raw

import lab as labmod
from lab import hold, wait_until
from pfsync_lab import (HOLD_PORT, IN_VIP, SERVER_IP, HeldConns, Sniffer,
    conntrack, entry, synced_entry, synced_scene)
from pfsync_scapy import (ACT_DEL_C, ACT_INS, ACT_INS_ACK, PFSTATE_ACK,
    PFSTATE_SLOPPY, PFSYNC_PROTO, PFSYNC_TOS, PfsyncHeader, PfsyncRef,
    PfsyncSubheader, pfsync_state)

FORGER = 0x5eed0077             # a creator id neither firewall uses
ROGUE = "198.51.100.200"        # the forged flows' client
BAD = ("hdrops", "badver", "badact", "badlen", "badauth", "badttl",
    "badval", "badstate", "badif")


def forged(i, **kw):
    """The state of a flow ROGUE:40000+i -> server:80, SNATed to the
    inside VIP port 50000+i, as fw1 would send it."""
    args = dict(src=ROGUE, sport=40000 + i, dst=SERVER_IP, dport=80,
        nat_src=IN_VIP, nat_sport=50000 + i, id=0xf0f0000000000000 + i,
        creatorid=FORGER)
    args.update(kw)
    return pfsync_state(**args)


def orig_of(i):
    return (ROGUE, SERVER_IP, 40000 + i, 80)


def ins(i, **kw):
    return PfsyncHeader() / PfsyncSubheader(action=ACT_INS,
        msgs=[forged(i, **kw)])


def frame(pair, payload, src=None, ttl=255, sender=None):
    """An Ethernet frame to fw2's sync interface carrying payload (bytes
    or a pfsync layer) as IP protocol 240, from src (default: fw1's sync
    address, the allowed peer)."""
    sender = sender or pair.attacker
    src = labmod.check_addr(src or pair.fw1.sync_ip)
    ip = IP(src=src, dst=pair.fw2.sync_ip, ttl=ttl, tos=PFSYNC_TOS,
        flags="DF", proto=PFSYNC_PROTO)
    return bytes(Ether(src=sender.mac("sync0"), dst=pair.fw2.mac("sync0")) /
        ip / Raw(load=bytes(payload)))


def send(pair, payloads, sender=None, **kw):
    sender = sender or pair.attacker
    frames = [frame(pair, p, sender=sender, **kw) for p in payloads]
    return labmod.send_frames(sender, "sync0", frames, inter=0.01)


# counter, what, payload builder (i -> bytes), frame options
CASES = [
    ("hdrops", "12 bytes: shorter than the pfsync header",
        lambda i: bytes(ins(i))[:12], {}),
    ("badlen", "truncated: the header's len is past the end",
        lambda i: bytes(ins(i))[:200], {}),
    ("badver", "version 5", lambda i: bytes(PfsyncHeader(version=5) /
        PfsyncSubheader(action=ACT_INS, msgs=[forged(i)])), {}),
    ("badact", "unknown action 200 with len 0, then the INS",
        lambda i: bytes(PfsyncHeader() / PfsyncSubheader(action=200, len=0,
        count=1) / PfsyncSubheader(action=ACT_INS, msgs=[forged(i)])), {}),
    ("badlen", "count 5 with one state in the packet",
        lambda i: bytes(PfsyncHeader() / PfsyncSubheader(action=ACT_INS,
        count=5, msgs=[forged(i)])), {}),
    ("badlen", "len 65 words, below a state's 66",
        lambda i: bytes(PfsyncHeader() / PfsyncSubheader(action=ACT_INS,
        len=65, count=1) / Raw(bytes(forged(i))[:260])), {}),
    ("badval", "timeout index 99", lambda i: bytes(ins(i, timeout=99)), {}),
    ("badval", "address family 7", lambda i: bytes(ins(i, af=7)), {}),
    ("badstate", "creator id 0", lambda i: bytes(ins(i, creatorid=0)), {}),
    ("badttl", "TTL 64", lambda i: bytes(ins(i)), {"ttl": 64}),
    ("badttl", "TTL 1", lambda i: bytes(ins(i)), {"ttl": 1}),
    ("badauth", "from 203.0.113.9, not the peer", lambda i: bytes(ins(i)),
        {"src": "203.0.113.9"}),
]


def forged_entries(host):
    return [e for e in conntrack(host) if e["orig"][0] == ROGUE]


def test_bad_packets_are_counted_and_create_nothing(fwpair_factory, carpd,
        pfsyncd):
    pair = fwpair_factory(attacker=True)
    carps, syncs = synced_scene(pair, carpd, pfsyncd)
    p2 = syncs[1]
    n = 5
    problems = []
    seq = 0
    for counter, what, build, opts in CASES:
        before = p2.stats()
        payloads = []
        for _ in range(n):
            payloads.append(build(seq))
            seq += 1
        send(pair, payloads, **opts)
        try:
            wait_until(lambda: p2.stats()[counter] - before[counter] >= n,
                5)
        except AssertionError:
            pass
        after = p2.stats()
        delta = {k: after[k] - before[k] for k in BAD}
        want = {k: (n if k == counter else 0) for k in BAD}
        if delta != want:
            problems.append("%s: expected +%d %s, counted %s" % (what, n,
                counter, {k: v for k, v in delta.items() if v}))
        if after["ipackets"] - before["ipackets"] < n:
            problems.append("%s: ipackets +%d" % (what, after["ipackets"] -
                before["ipackets"]))
        if not p2.alive():
            problems.append("%s: pfsyncd died" % what)
            break
    assert not problems, "\n".join(problems) + "\n" + p2.diag()
    assert not forged_entries(pair.fw2), forged_entries(pair.fw2)

    # Still syncing: new connections through fw1 reach fw2 with their NAT.
    h = HeldConns(pair, n=3, interval=0.5, maxtime=20)
    base = wait_until(h.baseline, 10, desc=lambda: h.logs())
    for local in base["local"]:
        synced_entry(pair, ("198.51.100.10", SERVER_IP,
            int(local.rsplit(":", 1)[1]), HOLD_PORT))
    h.stop()
    assert p2.alive() and syncs[0].alive()


def test_valid_ins_from_the_peer_creates_the_nat_entry_and_del_c_removes_it(
        fwpair_factory, carpd, pfsyncd):
    """The control for every case above: the same INS, valid, sent by fw1
    itself, is imported into fw2's kernel with its NAT."""
    pair = fwpair_factory(attacker=True)
    carps, syncs = synced_scene(pair, carpd, pfsyncd)
    p2 = syncs[1]
    before = p2.stats()
    # Two sections: an unknown action that can be skipped, then the INS.
    pkt = PfsyncHeader() / PfsyncSubheader(action=200, len=3, count=2,
        msgs=[Raw(b"\x07" * 12), Raw(b"\x07" * 12)]) / \
        PfsyncSubheader(action=ACT_INS, msgs=[forged(1)])
    send(pair, [bytes(pkt)], sender=pair.fw1)
    e = wait_until(lambda: entry(pair.fw2, orig_of(1)), 5,
        desc=lambda: "fw2 imports the INS: %s" % p2.diag())
    print(e["line"])
    assert e["reply"] == (SERVER_IP, IN_VIP, 80, 50001), e["line"]
    assert e["state"] == "ESTABLISHED", e["line"]
    after = p2.stats()
    assert after["skipped"] - before["skipped"] == 1
    assert all(after[k] == before[k] for k in BAD), after
    st = [s for s in p2.states() if s["creatorid"].lower() ==
        "%08x" % FORGER]
    assert len(st) == 1 and st[0]["peer"] is True, st
    assert int(st[0]["id"], 16) == 0xf0f0000000000001

    # DEL_C from the creator deletes it.
    delc = PfsyncHeader() / PfsyncSubheader(action=ACT_DEL_C,
        msgs=[PfsyncRef(id=0xf0f0000000000001, creatorid=FORGER)])
    send(pair, [bytes(delc)], sender=pair.fw1)
    wait_until(lambda: entry(pair.fw2, orig_of(1)) is None, 5,
        desc=lambda: "DEL_C removes the entry: %s" % p2.diag())
    assert p2.alive()


def test_ins_asking_for_an_ack_gets_an_ins_ack_at_once(fwpair_factory,
        carpd, pfsyncd):
    pair = fwpair_factory(attacker=True)
    carps, syncs = synced_scene(pair, carpd, pfsyncd)
    p2 = syncs[1]
    sid = 0xf0f0000000000002
    # fw2 answers its syncpeer, fw1: listen on fw1's sync interface.
    sn = Sniffer(pair.fw1, "sync0", seconds=4)
    pkt = ins(2, id=sid, state_flags=PFSTATE_SLOPPY | PFSTATE_ACK)
    send(pair, [bytes(pkt)])
    sn.wait()
    acks = []
    for raw in sn.packets():
        ip = IP(raw)
        if ip.src != pair.fw2.sync_ip:
            continue
        sub = ip.getlayer(PfsyncSubheader)
        while sub is not None and isinstance(sub, PfsyncSubheader):
            if sub.action == ACT_INS_ACK:
                acks += [(m.id, m.creatorid, ip.ttl, ip.tos)
                    for m in sub.msgs]
            sub = sub.payload
    assert (sid, FORGER, 255, PFSYNC_TOS) in acks, \
        "INS_ACKs seen from fw2: %s\n%s" % (acks, p2.diag())
    assert p2.show()["sent"]["ins_ack"] >= 1
    wait_until(lambda: entry(pair.fw2, orig_of(2)), 5,
        desc="the acked INS is imported too")
    hold(p2.alive, 0.5, desc="pfsyncd up")
