# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The hakit Authors
"""
More of dhcpd as its users see it (specs/dhcpd-sync.md section 1): a
client behind a relay agent on another subnet, DHCPDECLINE, DHCPINFORM,
BOOTP (fixed host and dynamic-bootp range), a SIGHUP reload with a good
and a broken file, and the -C set and conntrack kill of the address
tables.

Messages a stock client does not send (decline, inform, BOOTP) are built
with scapy and sent from the client's own interface; the replies are
sniffed on that interface.  Each test asserts what the user sees and the
dhcpctl counter that explains it.
"""

import json
import shutil

import pytest

from lab import PYTHON, wait_until
from dhcp_lab import (DNS, DOMAIN, FIXED_IP, FIXED_MAC, MASK, ROUTER,
    SERVER_IPS, DhcpRelay, DhcpSniffer, client_mac, conntrack_list,
    dhcp_frame, dhcp_message, dhcp_options, dhcpd_conf, in_range,
    ip_bytes, nft_set, no_echo_replies, opt_addrs, send_dhcp)

S1 = SERVER_IPS[0]


def delta(after, before):
    return {k: after[k] - before.get(k, 0) for k in after
        if isinstance(after[k], int) and after[k] != before.get(k, 0)}


def decline(host, ip, xid=0x5eed0d01):
    """A DHCPDECLINE of ip from host's eth1 MAC (no client identifier),
    broadcast on the segment as RFC 2131 4.4.1 says."""
    msg = dhcp_message(host.hwaddr, msgtype=4, xid=xid, flags=0,
        options=dhcp_options((53, [4]), (50, ip), (54, S1)))
    send_dhcp(host, [dhcp_frame(host.hwaddr, msg)])


# --- 1. A client behind a relay agent ---

REMOTE_NET = "198.51.100.0"
REMOTE_GW = "198.51.100.1"
REMOTE_RANGE = ("198.51.100.10", "198.51.100.20")
RELAY_IP = "192.0.2.1"


def test_a_client_behind_a_relay_agent_gets_an_address_of_its_subnet(
        lab, dhcp_lan, dhcpd, udhcpc):
    """
    c1 -- sw2 -- r (eth2 198.51.100.1/24 | eth1 192.0.2.1/24) -- sw -- s1
    The relay sets giaddr 198.51.100.1; s1 picks the 198.51.100.0/24
    subnet from it and answers the relay, which broadcasts the reply to
    the client.
    """
    lan = dhcp_lan(servers=1, clients=0)
    s1 = lan.servers[0]
    sw2 = lab.add_switch("sw2")
    r = lab.add_host("r")
    lab.connect(r, lan.sw, "eth1", [RELAY_IP + "/24"])
    lab.connect(r, sw2, "eth2", [REMOTE_GW + "/24"])
    c1 = lab.add_host("c1")
    lab.connect(c1, sw2, "eth1", mac=client_mac(1))
    c1.hwaddr = client_mac(1)
    lan.wait_links()
    s1.run(["ip", "route", "add", REMOTE_NET + "/24", "via", RELAY_IP])

    conf = dhcpd_conf() + (
        "subnet %s netmask 255.255.255.0 {\n"
        "\trange %s %s;\n"
        "\toption routers %s;\n"
        "}\n" % ((REMOTE_NET,) + REMOTE_RANGE + (REMOTE_GW,)))
    d = dhcpd(s1, conf)
    relay = DhcpRelay(r, "eth2", REMOTE_GW, S1)
    before = d.stats()
    res = udhcpc(c1).run()
    assert res.ip is not None, "%s\nrelay log:\n%s\n%s" % (res.describe(),
        relay.log_text(), d.diag())
    b = res.bound
    assert in_range(res.ip, REMOTE_RANGE), res.describe()
    assert b["router"].split() == [REMOTE_GW], b
    assert b["subnet"] == "255.255.255.0", b
    assert b["serverid"] == S1, b
    # The remote subnet's options only: the name servers belong to the
    # lab subnet.
    assert b["dns"].split() == [], b
    assert c1.has_addr(res.ip) == "eth1"
    # Both legs went through the relay.
    assert relay.lines("req") and relay.lines("rep"), relay.log_text()
    st = d.stats()
    dd = delta(st, before)
    assert dd.get("discover", 0) >= 1 and dd.get("offer", 0) >= 1, dd
    assert dd.get("request", 0) >= 1 and dd.get("ack", 0) == 1, dd
    assert st["nak"] == 0 and st["send_failed"] == 0, st
    # The server's lease file and table hold it.
    f = d.file_lease(res.ip)
    assert f is not None and f["hardware"] == c1.hwaddr, d.file_text()
    assert d.holds(res.ip, c1.hwaddr), d.diag()
    relay.stop()


# --- 2. DHCPDECLINE ---

def test_a_declined_address_is_abandoned_and_the_client_gets_another(
        dhcp_lan, dhcpd, udhcpc, dhcp_nft):
    lan = dhcp_lan(servers=1, clients=1)
    s1, c1 = lan.servers[0], lan.clients[0]
    d = dhcpd(s1, dhcpd_conf(), extra=["-A", "lab_ab", "-L", "lab_le"])
    cl = udhcpc(c1)
    r = cl.run()
    ip = r.ip
    assert ip is not None, r.describe()
    wait_until(lambda: nft_set(s1, "lab_le") == [ip], 3,
        desc="-L holds the lease")
    before = d.stats()
    decline(c1, ip)
    l = wait_until(lambda: (d.lease(ip) or {}).get("state") ==
        "abandoned" and d.lease(ip), 5,
        desc=lambda: "%s abandoned: %s" % (ip, d.diag()))
    dd = delta(d.stats(), before)
    assert dd.get("decline") == 1 and dd.get("abandoned") == 1, dd
    assert "declined" in d.log_text(), d.log_text()[-2000:]
    wait_until(lambda: nft_set(s1, "lab_ab") == [ip], 3,
        desc=lambda: "-A holds %s: %s" % (ip, d.diag()))
    assert ip not in nft_set(s1, "lab_le")
    t = d.show()["tables"]
    assert t["A"] >= 1 and t["errors"] == 0, t
    # On disk too: the abandon is appended.
    f = wait_until(lambda: (d.file_lease(ip) or {}).get("abandoned") and
        d.file_lease(ip), 3, desc=lambda: d.file_text())
    assert f["abandoned"] is True, f

    # The same client asks again: another address.
    r2 = cl.run()
    assert r2.ip is not None and r2.ip != ip, r2.describe()
    assert in_range(r2.ip)
    assert d.lease(ip)["state"] == "abandoned", d.lease(ip)
    assert d.holds(r2.ip, c1.hwaddr), d.diag()


# --- 3. DHCPINFORM ---

def test_an_inform_gets_the_options_without_a_lease(dhcp_lan, dhcpd):
    static = "192.0.2.77"   # outside the range: configured by hand
    lan = dhcp_lan(servers=1, clients=1)
    s1, c1 = lan.servers[0], lan.clients[0]
    c1.add_addr("eth1", static + "/24")
    d = dhcpd(s1, dhcpd_conf())
    before = d.stats()
    sn = DhcpSniffer(c1)
    xid = 0x1f0e0001
    msg = dhcp_message(c1.hwaddr, msgtype=8, xid=xid, ciaddr=static,
        flags=0, options=dhcp_options((53, [8]), (55, [1, 3, 6, 15, 51])))
    send_dhcp(c1, [dhcp_frame(c1.hwaddr, msg, src_ip=static)])
    p = sn.wait_for(lambda p: p["xid"] == xid, 10,
        desc=lambda: "the DHCPACK to the INFORM: %s" % d.diag())
    sn.stop()
    assert p["op"] == 2 and p["msgtype"] == 5, p          # DHCPACK
    assert p["dst"] == static and p["dst_mac"] == c1.hwaddr, p
    assert p["ciaddr"] == static and p["yiaddr"] == "0.0.0.0", p
    o = p["options"]
    assert opt_addrs(o[54]) == [S1], o
    assert opt_addrs(o[3]) == [ROUTER], o
    assert opt_addrs(o[6]) == list(DNS), o
    assert o[15].rstrip(b"\0") == DOMAIN.encode(), o
    assert o[1] == ip_bytes(MASK), o
    # RFC 2131 4.3.5: no lease time, nor T1/T2, even when asked for.
    assert not {51, 58, 59} & set(o), o
    dd = delta(d.stats(), before)
    assert dd.get("inform") == 1 and dd.get("ack") == 1, dd
    # No lease anywhere.
    assert d.lease(static) is None, d.lease(static)
    assert not d.active_for(c1.hwaddr), d.leases()
    assert static not in d.file_leases() and \
        c1.hwaddr not in d.file_text(), d.file_text()


# --- 4. BOOTP ---

def bootp_request(mac, xid):
    """A BOOTREQUEST: no cookie, a 64-byte vendor area of zeros."""
    return dhcp_message(mac, xid=xid, flags=0, cookie=b"",
        options=bytes(64))


def test_bootp_gets_the_fixed_address_and_dynamic_bootp_a_range_address(
        dhcp_lan, dhcpd):
    dyn = ("192.0.2.60", "192.0.2.62")
    lan = dhcp_lan(servers=1, clients=0)
    s1 = lan.servers[0]
    fx = lan.add_client("fx", FIXED_MAC)
    bp = lan.add_client("bp", client_mac(0x21))
    lan.wait_links()
    d = dhcpd(s1, dhcpd_conf(hosts=[("printer", FIXED_MAC, FIXED_IP)],
        extra=["range dynamic-bootp %s %s;" % dyn]))

    # The declared host: its fixed address, a plain BOOTREPLY.
    before = d.stats()
    sn = DhcpSniffer(fx)
    send_dhcp(fx, [dhcp_frame(FIXED_MAC, bootp_request(FIXED_MAC,
        0xb0070001))])
    p = sn.wait_for(lambda p: p["xid"] == 0xb0070001, 10,
        desc=lambda: "the BOOTREPLY: %s" % d.diag())
    sn.stop()
    assert p["op"] == 2 and p["yiaddr"] == FIXED_IP, p
    assert p["chaddr"] == FIXED_MAC and p["msgtype"] == 0, p
    assert not p["cookie"], "a BOOTP client got DHCP options: %s" % p
    dd = delta(d.stats(), before)
    assert dd.get("bootp") == 1 and dd.get("bootreply") == 1, dd
    assert FIXED_IP not in d.file_leases(), d.file_text()

    # An unknown MAC: an address of the dynamic-bootp range, for good.
    before = d.stats()
    sn = DhcpSniffer(bp)
    send_dhcp(bp, [dhcp_frame(bp.hwaddr, bootp_request(bp.hwaddr,
        0xb0070002))])
    p = sn.wait_for(lambda p: p["xid"] == 0xb0070002, 10,
        desc=lambda: "the dynamic BOOTREPLY: %s" % d.diag())
    sn.stop()
    ip = p["yiaddr"]
    assert p["op"] == 2 and in_range(ip, dyn), p
    assert p["chaddr"] == bp.hwaddr, p
    dd = delta(d.stats(), before)
    assert dd.get("bootp") == 1 and dd.get("bootreply") == 1, dd
    assert dd.get("no_address", 0) == 0, dd
    f = d.file_lease(ip)
    assert f is not None and f["hardware"] == bp.hwaddr, d.file_text()
    assert f["dynamic_bootp"] is True, f
    # dynamic-bootp-lease-length unset: the lease never ends, written as
    # the largest 32-bit time (dhcpd.leases(5), OpenBSD's MAX_TIME).
    assert f["ends"] == 0x7fffffff, f
    assert "ends 2 2038/01/19 03:14:07 UTC;" in d.file_text(), d.file_text()
    l = d.lease(ip)
    assert l is not None and l["state"] == "active" and \
        l["hardware"] == bp.hwaddr, d.diag()


# --- 5. Reload ---

NEW_DNS = "192.0.2.99"


def test_sighup_applies_a_valid_file_and_keeps_the_old_one_on_error(
        dhcp_lan, dhcpd, udhcpc):
    lan = dhcp_lan(servers=1, clients=3)
    s1 = lan.servers[0]
    c1, c2, c3 = lan.clients
    conf = dhcpd_conf()
    d = dhcpd(s1, conf)
    r1 = udhcpc(c1).run()
    assert r1.ip and r1.bound["dns"].split() == list(DNS), r1.describe()
    l1 = d.lease(r1.ip)
    assert l1["state"] == "active", l1

    # A valid change: another name server.
    new = conf.replace("option domain-name-servers %s;" % ", ".join(DNS),
        "option domain-name-servers %s;" % NEW_DNS)
    assert new != conf
    d.reload(new)
    wait_until(lambda: "applied" in d.log_text(), 5,
        desc=lambda: "reload applied: %s" % d.log_text()[-1500:])
    r2 = udhcpc(c2).run()
    assert r2.ip and r2.ip != r1.ip, r2.describe()
    assert r2.bound["dns"].split() == [NEW_DNS], r2.describe()
    assert r2.bound["router"].split() == [ROUTER], r2.describe()
    # Leases kept, times and all.
    k = d.lease(r1.ip)
    assert k["state"] == "active" and k["hardware"] == c1.hwaddr, k
    assert k["ends_epoch"] == l1["ends_epoch"], (l1, k)
    assert d.holds(r1.ip, c1.hwaddr) and d.holds(r2.ip, c2.hwaddr)

    # A broken file: the running configuration stays.
    mark = len(d.log_text())
    broken = new.replace("option domain-name-servers %s;" % NEW_DNS,
        "option domain-name-servers 192.0.2.98") + "}\n"
    d.reload(broken)
    wait_until(lambda: "running configuration stays" in
        d.log_text()[mark:], 5,
        desc=lambda: "reload refused: %s" % d.log_text()[mark:])
    tail = d.log_text()[mark:]
    print(tail)
    assert d.conf.split("/")[-1] in tail, tail
    assert d.alive()
    r3 = udhcpc(c3).run()
    assert r3.ip and r3.ip not in (r1.ip, r2.ip), r3.describe()
    assert r3.bound["dns"].split() == [NEW_DNS], r3.describe()
    assert d.holds(r1.ip, c1.hwaddr) and d.holds(r2.ip, c2.hwaddr)
    assert d.stats()["nak"] == 0


# --- 6. -C set and the conntrack kill ---

ONE = "192.0.2.10"
TABLES = ["-A", "lab_ab", "-C", "lab_ch", "-L", "lab_le"]


def test_a_new_mac_on_an_address_takes_it_out_of_the_changed_set(
        dhcp_lan, dhcpd, udhcpc, dhcp_nft):
    lan = dhcp_lan(servers=1, clients=1)
    s1, c1 = lan.servers[0], lan.clients[0]
    # One address: the server has no other to offer.
    d = dhcpd(s1, dhcpd_conf(ranges=[(ONE, ONE)]), extra=TABLES)
    # Another rule's doing: whoever held ONE overloaded the firewall.
    s1.run(["nft", "add", "element", "ip", "hakit_dhcpd", "lab_ch",
        "{ %s }" % ONE])
    assert nft_set(s1, "lab_ch") == [ONE]
    t0 = d.show()["tables"]

    r = udhcpc(c1).run()
    assert r.ip == ONE, r.describe()
    wait_until(lambda: nft_set(s1, "lab_le") == [ONE], 3,
        desc=lambda: "%s in -L: %s" % (ONE, d.diag()))
    wait_until(lambda: nft_set(s1, "lab_ch") == [], 3,
        desc=lambda: "%s out of -C after the grant to %s: %s" % (ONE,
        c1.hwaddr, d.diag()))
    t1 = d.show()["tables"]
    assert t1["C"] == t0["C"] + 1 and t1["L"] >= t0["L"] + 1, (t0, t1)
    assert t1["errors"] == 0, t1


def test_an_address_changing_hands_leaves_the_changed_set(dhcp_lan, dhcpd,
        udhcpc, dhcp_nft):
    """c1 holds ONE and releases it; ONE lands in -C; c2 gets it."""
    lan = dhcp_lan(servers=1, clients=2)
    s1 = lan.servers[0]
    c1, c2 = lan.clients
    d = dhcpd(s1, dhcpd_conf(ranges=[(ONE, ONE)]), extra=TABLES)
    no_echo_replies(c1)     # gone after its release: the probe is silent
    r1 = udhcpc(c1).run(release=True)
    assert r1.ip == ONE, r1.describe()
    wait_until(lambda: (d.lease(ONE) or {}).get("state") == "expired", 5,
        desc=lambda: "%s released: %s" % (ONE, d.diag()))
    s1.run(["nft", "add", "element", "ip", "hakit_dhcpd", "lab_ch",
        "{ %s }" % ONE])
    t0 = d.show()["tables"]

    r2 = udhcpc(c2).run()
    assert r2.ip == ONE, r2.describe()
    assert d.holds(ONE, c2.hwaddr), d.diag()
    wait_until(lambda: nft_set(s1, "lab_ch") == [], 3,
        desc=lambda: "%s out of -C after it went from %s to %s: %s" % (ONE,
        c1.hwaddr, c2.hwaddr, d.diag()))
    t1 = d.show()["tables"]
    assert t1["C"] == t0["C"] + 1, (t0, t1)


def test_abandoning_an_address_kills_its_conntrack_states(dhcp_lan, dhcpd,
        udhcpc, dhcp_nft):
    if shutil.which("conntrack") is None:
        pytest.skip("conntrack not installed")
    lan = dhcp_lan(servers=1, clients=1)
    s1, c1 = lan.servers[0], lan.clients[0]
    d = dhcpd(s1, dhcpd_conf(ranges=[(ONE, ONE)]), extra=TABLES)
    r = udhcpc(c1).run()
    assert r.ip == ONE, r.describe()
    wait_until(lambda: nft_set(s1, "lab_le") == [ONE], 3,
        desc=lambda: "%s in -L: %s" % (ONE, d.diag()))
    t1 = d.show()["tables"]

    # States from and to ONE, one with ONE only in its reply tuple (as a
    # DNAT to ONE makes), and an unrelated one.
    ct = [["-s", ONE, "-d", S1, "-p", "udp", "--sport", "1000",
        "--dport", "2000"],
        ["-s", S1, "-d", "203.0.113.5", "-r", ONE, "-q", S1, "-p", "udp",
        "--sport", "1001", "--dport", "2001", "--reply-port-src", "2001",
        "--reply-port-dst", "1001"],
        ["-s", "192.0.2.77", "-d", S1, "-p", "udp", "--sport", "1002",
        "--dport", "2002"]]
    for c in ct:
        s1.run(["conntrack", "-I"] + c + ["-t", "60"])
    lines = conntrack_list(s1)
    assert len([l for l in lines if ONE in l]) == 2, lines

    before = d.stats()
    decline(c1, ONE)
    wait_until(lambda: nft_set(s1, "lab_ab") == [ONE], 5,
        desc=lambda: "%s in -A: %s" % (ONE, d.diag()))
    assert nft_set(s1, "lab_le") == []
    dd = delta(d.stats(), before)
    assert dd.get("decline") == 1 and dd.get("abandoned") == 1, dd
    assert d.lease(ONE)["state"] == "abandoned"
    lines = wait_until(lambda: (lambda ls: ls if not [l for l in ls
        if ONE in l] else None)(conntrack_list(s1)), 3,
        desc=lambda: "the states of %s gone: %s" % (ONE, conntrack_list(s1)))
    assert [l for l in lines if "src=192.0.2.77" in l], \
        "the unrelated state was killed too: %s" % lines
    t2 = d.show()["tables"]
    assert t2["A"] == t1["A"] + 1 and t2["ct_killed"] >= 2, (t1, t2)
    assert t2["errors"] == 0, t2


# --- 7. -u: requests from a link the packet sockets do not serve ---

U_CLIENT = r'''
import json, socket, struct, sys
msg = bytes.fromhex(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[2], 68))
s.settimeout(5)
s.sendto(msg, (sys.argv[3], 67))
try:
    data, src = s.recvfrom(2048)
except socket.timeout:
    print(json.dumps(None))
    sys.exit(0)
opts, i = {}, 240
while i < len(data) and data[i] != 255:
    if data[i] == 0:
        i += 1
        continue
    opts[data[i]] = data[i + 2:i + 2 + data[i + 1]].hex()
    i += 2 + data[i + 1]
print(json.dumps({"src": src[0], "op": data[0], "xid": struct.unpack(
    "!I", data[4:8])[0], "ciaddr": socket.inet_ntoa(data[12:16]),
    "opts": opts}))
'''


def test_with_u_an_inform_over_udp_from_an_unserved_link_is_answered(
        dhcp_lan, dhcpd):
    lan = dhcp_lan(servers=1, clients=0)
    s1 = lan.servers[0]
    sw = lan.lab.add_switch("u")
    lan.lab.connect(s1, sw, "eth2", ["198.51.100.2/24"])
    c = lan.lab.add_host("cu")
    lan.lab.connect(c, sw, "eth1", ["198.51.100.20/24"])
    wait_until(lambda: all(l.get("operstate") == "UP" for h in (s1, c)
        for n, l in h.links().items() if n != "lo"), 5, desc="links up")
    conf = dhcpd_conf() + ("subnet 198.51.100.0 netmask 255.255.255.0 {\n"
        "\toption routers 198.51.100.1;\n}\n")
    # only eth1 has a packet socket; eth2's requests come over UDP
    d = dhcpd(s1, conf, extra=["-u"])
    before = d.stats()
    xid = 0x1f0e00a1
    msg = dhcp_message("00:00:5e:00:53:a1", msgtype=8, xid=xid,
        ciaddr="198.51.100.20", flags=0,
        options=dhcp_options((53, [8]), (55, [1, 3])))
    out = c.run([PYTHON, "-c", U_CLIENT, msg.hex(), "198.51.100.20",
        "198.51.100.2"], timeout=15).stdout
    r = json.loads(out)
    assert r is not None, "no reply to the INFORM: %s" % d.diag()
    assert r["op"] == 2 and r["xid"] == xid, r
    assert r["opts"]["53"] == "05", r                   # DHCPACK
    assert r["opts"]["3"] == ip_bytes("198.51.100.1").hex(), r
    assert r["ciaddr"] == "198.51.100.20", r
    dd = delta(d.stats(), before)
    assert dd.get("inform") == 1 and dd.get("ack") == 1, dd
