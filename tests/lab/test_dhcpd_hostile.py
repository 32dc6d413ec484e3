# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The hakit Authors
"""
Hand-made lease-sync datagrams and DHCP packets (specs/dhcpd-sync.md
sections 2.2-2.7), sent with scapy from an attacker x on the servers'
switch to s1's dhcpd, which listens for sync on eth1 and multicasts its
own (-y eth1 -Y eth1) with a known key.

The encoder (dhcp_lab.sync_datagram) is first checked against the spec's
worked example (2.5).  Then every malformed datagram carries an otherwise
valid lease, a free address of the range for a MAC no one uses, that
would show in the lease file had it been accepted: each is counted under
its own drop reason, once per datagram, and changes no lease; a valid one
does.  The merge rules: a newer `ends` supersedes (and reaches the file),
an older one is answered with the server's own lease, an equal one does
nothing, an address outside the ranges stays a dangling lease out of the
file (its full re-send rate-limited), and a MAC already bound to another
address is counted.  Malformed DHCP packets on the client segment are
counted by reason and the server goes on answering a real client.
"""

import time

from lab import hold, wait_until
from dhcp_lab import (ATTACKER_IP, DHCP_DROPS, SYNC_DROPS, SYNC_LEN,
    SyncSniffer, client_mac, dhcp_frame, dhcp_message, dhcpd_conf,
    end_tlv, in_range, lease_body, lease_tlv, send_dhcp, send_sync,
    sync_datagram, sync_decode, sync_key, sync_lease_datagram, tlv)

KEY_TEXT = "hakit lab hostile sync key\n" * 40
KEY = sync_key(KEY_TEXT)

# The spec's worked example (2.5): key file "test\n", 192.0.2.10 for
# 00:00:5e:00:53:01, starts = timestamp = 1700000000, ends = +3600.
SPEC_DATAGRAM = bytes.fromhex(
    "01020064" "00000000"
    "68782aeb74cd2f2f5610bac38d48a3a47e2f9479"
    "00000000"
    "00010040"
    "6553f100" "6553ff10" "6553f100"
    "04000000" "c000020a" + "00" * 12 +
    "0106" "00005e005301" + "00" * 10 +
    "00" * 10 +
    "00000004")
SPEC_NOKEY_HMAC = "534d51b7667e612d76ab2c831aef91e21be4c225"


def test_the_encoder_reproduces_the_specs_worked_example():
    key = sync_key("test\n")
    assert key == b"4e1243bd22c66e76c2ba9eddc1f91394e57f9f83"
    assert len(SPEC_DATAGRAM) == SYNC_LEN
    d = sync_lease_datagram("192.0.2.10", "00:00:5e:00:53:01", 1700000000,
        1700003600, key=key)
    assert d.hex() == SPEC_DATAGRAM.hex()
    n = sync_lease_datagram("192.0.2.10", "00:00:5e:00:53:01", 1700000000,
        1700003600, key=sync_key(None))
    assert n[8:28].hex() == SPEC_NOKEY_HMAC
    assert n[:8] + n[28:] == d[:8] + d[28:]
    dec = sync_decode(d, key)
    assert dec["hmac_ok"] is True
    assert dec["tlvs"] == [(1, 64), (0, 4)]
    assert dec["leases"] == [{"address": "192.0.2.10",
        "hardware": "00:00:5e:00:53:01", "htype": 1, "hlen": 6,
        "addrlen": 4, "starts": 1700000000, "ends": 1700003600,
        "timestamp": 1700000000}]
    assert sync_decode(d, sync_key("other\n"))["hmac_ok"] is False
    # The generic builder makes the same bytes from parts.
    body = lease_body("192.0.2.10", "00:00:5e:00:53:01", 1700000000,
        1700003600)
    assert sync_datagram([tlv(1, body), end_tlv()], key=key) == d


# --- the scene ---

def scene(dhcp_lan, dhcpd, clients=0):
    lan = dhcp_lan(servers=1, clients=clients, attacker=True)
    s1 = lan.servers[0]
    d = dhcpd(s1, dhcpd_conf(), listen="eth1", targets=["eth1"],
        key=KEY_TEXT)
    assert d.sync()["key"] is True
    return lan, s1, d


def send(lan, payloads):
    send_sync(lan.attacker, lan.servers[0], payloads)


def bait(i, now=None):
    """A lease the server would take: a free address of the range, for a
    MAC no one uses, ending in an hour."""
    now = int(now or time.time())
    ip = "192.0.2.%d" % (20 + i)
    assert in_range(ip)
    return ip, client_mac(0x80 + i), now, now + 3600


def bait_tlv(i, **kw):
    ip, mac, s, e = bait(i)
    return lease_tlv(ip, mac, s, e, **kw)


def valid(i):
    return sync_datagram([bait_tlv(i), end_tlv()], key=KEY)


def lease_state(d):
    """What a change of lease would change: show leases and the file."""
    return (sorted((l["address"], l["hardware"], l["state"],
        l["ends_epoch"]) for l in d.leases()), d.file_text())


# counter, what, datagram builder (i -> bytes)
CASES = [
    ("short", "20 bytes, shorter than the header",
        lambda i: valid(i)[:20]),
    ("version", "version 2",
        lambda i: sync_datagram([bait_tlv(i), end_tlv()], key=KEY,
        version=2)),
    ("af", "af 24 (AF_INET6)",
        lambda i: sync_datagram([bait_tlv(i), end_tlv()], key=KEY, af=24)),
    ("length", "length 200 in a 100-byte datagram",
        lambda i: sync_datagram([bait_tlv(i), end_tlv()], key=KEY,
        length=200)),
    ("length", "length 16, below the header",
        lambda i: sync_datagram([bait_tlv(i), end_tlv()], key=KEY,
        length=16)),
    ("hmac", "HMAC of another key",
        lambda i: sync_datagram([bait_tlv(i), end_tlv()],
        key=sync_key("not the key\n"))),
    ("hmac", "HMAC of the empty key",
        lambda i: sync_datagram([bait_tlv(i), end_tlv()], key=b"")),
    ("hmac", "one bit of the lease flipped after signing",
        lambda i: (lambda b: b[:45] + bytes([b[45] ^ 1]) + b[46:])(
        valid(i))),
    ("tlvlen", "a TLV of length 2 after the LEASE",
        lambda i: sync_datagram([bait_tlv(i), tlv(1, b"", length=2),
        end_tlv()], key=KEY)),
    ("tlvlen", "a LEASE TLV of length 200, past the datagram",
        lambda i: sync_datagram([bait_tlv(i, length=200), end_tlv()],
        key=KEY)),
    ("leaselen", "a LEASE of 40 bytes",
        lambda i: sync_datagram([tlv(1, lease_body(*bait(i))[:36]),
        end_tlv()], key=KEY)),
    ("tlvtype", "an unknown TLV type 7 after the LEASE",
        lambda i: sync_datagram([bait_tlv(i), tlv(7, bytes(4)), end_tlv()],
        key=KEY)),
    ("addrlen", "ip_addr.len 16",
        lambda i: sync_datagram([bait_tlv(i, addrlen=16), end_tlv()],
        key=KEY)),
    ("addrlen", "ip_addr.len 4 big-endian (a big-endian OpenBSD)",
        lambda i: sync_datagram([bait_tlv(i, addrlen=0x04000000),
        end_tlv()], key=KEY)),
    ("hlen", "hlen 17",
        lambda i: sync_datagram([bait_tlv(i, hlen=17), end_tlv()],
        key=KEY)),
]


def test_each_malformed_sync_datagram_has_its_counter_and_changes_nothing(
        dhcp_lan, dhcpd):
    lan, s1, d = scene(dhcp_lan, dhcpd)
    n = 3
    problems = []
    state0 = lease_state(d)
    for k, (counter, what, build) in enumerate(CASES):
        before = d.sync()
        send(lan, [build(k) for _ in range(n)])
        try:
            wait_until(lambda: d.sync()["drops"][counter] -
                before["drops"][counter] >= n, 5)
        except AssertionError:
            pass
        time.sleep(0.2)  # a stray extra count would show now
        after = d.sync()
        dd = {c: after["drops"][c] - before["drops"][c] for c in SYNC_DROPS}
        want = {c: (n if c == counter else 0) for c in SYNC_DROPS}
        if dd != want:
            problems.append("%s: expected +%d %s, counted %s" % (what, n,
                counter, {c: v for c, v in dd.items() if v}))
        if after["received"] - before["received"] != n:
            problems.append("%s: received +%d" % (what, after["received"] -
                before["received"]))
        for c in ("leases", "superseded", "dangling", "ours_newer"):
            if after[c] != before[c]:
                problems.append("%s: %s +%d" % (what, c, after[c] -
                    before[c]))
        if not d.alive():
            problems.append("%s: dhcpd died" % what)
            break
    assert not problems, "\n".join(problems) + "\n" + d.diag()
    assert lease_state(d) == state0, d.diag()

    # The control: the same bait, valid, is taken and written.
    p = valid(0)
    l = sync_decode(p, KEY)["leases"][0]
    ip, mac, e = l["address"], l["hardware"], l["ends"]
    before = d.sync()
    send(lan, [p])
    wait_until(lambda: d.holds(ip, mac), 5,
        desc=lambda: "the valid datagram's lease: %s" % d.diag())
    after = d.sync()
    assert after["superseded"] - before["superseded"] == 1, after
    assert d.file_lease(ip)["ends"] == e


def test_newer_supersedes_older_is_answered_and_equal_does_nothing(
        dhcp_lan, dhcpd):
    lan, s1, d = scene(dhcp_lan, dhcpd)
    ip, mac = "192.0.2.40", client_mac(0xa0)
    now = int(time.time())
    ends = now + 3000

    # Newer than ours (the address was never used): superseded, on disk.
    before = d.sync()
    send(lan, [sync_lease_datagram(ip, mac, now, ends, key=KEY)])
    wait_until(lambda: d.holds(ip, mac), 5, desc=lambda: d.diag())
    after = d.sync()
    assert after["superseded"] - before["superseded"] == 1, after
    assert after["leases"] - before["leases"] == 1, after
    f = d.file_lease(ip)
    assert (f["starts"], f["ends"]) == (now, ends), f
    assert d.lease(ip)["ends_epoch"] == ends

    # Older: the server sends its own lease back to its targets.
    sn = SyncSniffer(lan.attacker, seconds=4)
    before = d.sync()
    send(lan, [sync_lease_datagram(ip, mac, now - 1000, ends - 1000,
        key=KEY)])
    wait_until(lambda: d.sync()["ours_newer"] > before["ours_newer"], 5,
        desc=lambda: d.diag())
    sn.wait()
    after = d.sync()
    assert after["ours_newer"] - before["ours_newer"] == 1, after
    assert after["sent"] > before["sent"], after
    replies = []
    for src, dst, p in sn.datagrams():
        if src != s1.ip4:
            continue
        dec = sync_decode(p, KEY)
        assert dec["hmac_ok"], dec
        replies += [l for l in dec["leases"] if l["address"] == ip]
    assert replies, "no reply with %s seen: %s" % (ip, sn.datagrams())
    assert all(l["ends"] == ends and l["hardware"] == mac for l in replies), \
        replies
    assert d.file_lease(ip)["ends"] == ends

    # Equal: nothing at all.
    before = d.sync()
    text = d.file_text()
    send(lan, [sync_lease_datagram(ip, mac, now, ends, key=KEY)])
    wait_until(lambda: d.sync()["equal"] > before["equal"], 5,
        desc=lambda: d.diag())
    time.sleep(0.3)
    after = d.sync()
    for c in ("superseded", "ours_newer", "conflict", "dangling"):
        assert after[c] == before[c], (c, before, after)
    assert d.file_text() == text
    assert d.lease(ip)["ends_epoch"] == ends


def test_a_lease_outside_the_ranges_is_dangling_and_stays_out_of_the_file(
        dhcp_lan, dhcpd):
    lan, s1, d = scene(dhcp_lan, dhcpd)
    now = int(time.time())
    outside = [("192.0.2.200", client_mac(0xb0)),
        ("198.51.100.7", client_mac(0xb1))]
    before = d.sync()
    for ip, mac in outside:
        send(lan, [sync_lease_datagram(ip, mac, now, now + 3600, key=KEY)])
    wait_until(lambda: d.sync()["dangling"] - before["dangling"] >= 2, 5,
        desc=lambda: d.diag())
    after = d.sync()
    assert after["dangling"] - before["dangling"] == 2, after
    # The full re-send it triggers is rate-limited: two within 10 s make
    # at most one.
    rs = after["resend"] - before["resend"]
    rl = after["resend_limited"] - before["resend_limited"]
    assert rs <= 1 and rl >= 1, after
    for ip, mac in outside:
        l = d.lease(ip)
        assert l is not None and l["dangling"] is True, d.diag()
        assert l["hardware"] == mac, l
        assert ip not in d.file_leases(), d.file_text()
    # Still out of the file after whatever rewrite the re-send made.
    hold(lambda: not any(ip in d.file_leases() for ip, _ in outside), 1,
        desc="no dangling lease in the file")


def test_a_mac_already_bound_to_another_address_is_counted(dhcp_lan,
        dhcpd):
    lan, s1, d = scene(dhcp_lan, dhcpd)
    now = int(time.time())
    mac = client_mac(0xc0)
    first, second = "192.0.2.41", "192.0.2.42"
    send(lan, [sync_lease_datagram(first, mac, now, now + 1800, key=KEY)])
    wait_until(lambda: d.holds(first, mac), 5, desc=lambda: d.diag())
    before = d.sync()
    send(lan, [sync_lease_datagram(second, mac, now, now + 3600,
        key=KEY)])
    wait_until(lambda: d.sync()["mac_other_ip"] > before["mac_other_ip"],
        5, desc=lambda: d.diag())
    after = d.sync()
    assert after["mac_other_ip"] - before["mac_other_ip"] == 1, after
    # hakit's choice (dhcpd.8): the address the peer granted takes the
    # lease and the client's older one ends; one client, one address.
    wait_until(lambda: d.active_for(mac) == [second], 5,
        desc=lambda: "only %s active for %s: %s" % (second, mac, d.diag()))
    assert d.holds(second, mac), d.diag()
    f1 = d.file_lease(first)
    assert f1["ends"] is not None and f1["ends"] <= time.time() + 1, f1


def test_malformed_dhcp_packets_are_counted_and_the_server_still_answers(
        dhcp_lan, dhcpd, udhcpc):
    lan, s1, d = scene(dhcp_lan, dhcpd, clients=1)
    x, c1 = lan.attacker, lan.clients[0]
    xmac = x.mac("eth1")
    cmac = client_mac(0xd0)

    def disc(**kw):
        return dhcp_message(cmac, msgtype=1, **kw)

    def frame(payload):
        return dhcp_frame(xmac, payload)

    def ip_truncated():
        f = frame(disc())
        return f[:len(f) - 60]
    cases = [
        ("short", "100 bytes of BOOTP", lambda: frame(disc()[:100])),
        ("optlen", "a hostname option of 200 bytes in 3",
            lambda: frame(disc(options=bytes([53, 1, 1, 12, 200]) +
            b"abc"))),
        ("overload", "option 52 = 7",
            lambda: frame(disc(options=bytes([53, 1, 1, 52, 1, 7, 255])))),
        ("overload", "option 52 of 2 bytes",
            lambda: frame(disc(options=bytes([53, 1, 1, 52, 2, 1, 1,
            255])))),
        ("msgtype", "message type 9",
            lambda: frame(disc(options=bytes([53, 1, 9, 255])))),
        ("hlen", "hlen 17", lambda: frame(disc(hlen=17))),
        ("op", "a BOOTREPLY to port 67", lambda: frame(disc(op=2))),
        ("ip", "IP total length past the frame", ip_truncated),
    ]
    n = 3
    problems = []
    for name, what, build in cases:
        before = d.show()
        send_dhcp(x, [build() for _ in range(n)])
        try:
            wait_until(lambda: d.drops()[name] - before["drops"][name] >= n,
                5)
        except AssertionError:
            pass
        time.sleep(0.2)
        after = d.show()
        dd = {k: after["drops"][k] - before["drops"][k]
            for k in after["drops"]}
        want = {k: (n if k == name else 0) for k in after["drops"]}
        if dd != want:
            problems.append("%s: expected +%d %s, counted %s" % (what, n,
                name, {k: v for k, v in dd.items() if v}))
        if after["stats"]["offer"] != before["stats"]["offer"]:
            problems.append("%s: answered with an offer" % what)
        if not d.alive():
            problems.append("%s: dhcpd died" % what)
            break
    assert not problems, "\n".join(problems) + "\n" + d.diag()
    assert set(DHCP_DROPS) <= set(d.drops()), d.drops()
    assert cmac not in [l["hardware"] for l in d.leases()]

    # A real client is served as before.
    r = udhcpc(c1).run()
    assert r.ip is not None and in_range(r.ip), r.describe()
    assert r.serverid == s1.ip4
    assert d.file_lease(r.ip)["hardware"] == c1.hwaddr
    assert ATTACKER_IP not in [l["address"] for l in d.leases()]
