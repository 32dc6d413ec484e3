# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The hakit Authors
"""
dhcpd as its users see it (specs/dhcpd-sync.md section 1): real clients,
busybox udhcpc and ISC dhclient, in namespaces get an address of the
range with the configured options; the lease is in the lease file (in
OpenBSD's format, on disk before the ACK) and in `dhcpctl show leases`;
a fixed host gets its address; a release ends the lease, a spoofed one
does not; an address that answers ping is abandoned and not handed out;
a server killed with SIGKILL comes back with its leases; and the -A/-C/-L
nftables sets follow grant, abandon, release and expiry.

Each test asserts what the client gets, and the counter that explains it.
"""

import time

from lab import hold, wait_until
from dhcp_lab import (DNS, DOMAIN, FIXED_IP, FIXED_MAC, LEASE_TIME, MASK,
    RANGE, ROUTER, SERVER_IPS, dhcp_frame, dhcp_message, dhcpd_conf,
    in_range, nft_set, no_echo_replies, send_dhcp)

S1 = SERVER_IPS[0]


def delta(after, before, keys=None):
    keys = keys or after.keys()
    return {k: after[k] - before.get(k, 0) for k in keys
        if isinstance(after[k], int) and after[k] != before.get(k, 0)}


def check_options(r, lease_time=LEASE_TIME):
    """The options a client of the lab subnet must be given."""
    b = r.bound
    assert b is not None, r.describe()
    assert in_range(b["ip"]), "%s is outside %s-%s" % ((b["ip"],) + RANGE)
    assert b["subnet"] == MASK, b
    assert b["router"].split() == [ROUTER], b
    assert b["dns"].split() == list(DNS), b
    assert b["domain"] == DOMAIN, b
    assert int(b["lease"]) == lease_time, b
    assert b["serverid"] == S1, b


def test_udhcpc_gets_an_address_of_the_range_with_the_configured_options(
        dhcp_lan, dhcpd, udhcpc):
    lan = dhcp_lan(servers=1, clients=1)
    s1, c1 = lan.servers[0], lan.clients[0]
    d = dhcpd(s1, dhcpd_conf())
    before = d.stats()
    r = udhcpc(c1).run(hostname="pc1")
    check_options(r)
    ip = r.ip
    # The client can use it: the address is on its interface and the
    # server answers from the same subnet.
    assert c1.has_addr(ip) == "eth1"
    assert c1.ping(S1), "%s cannot reach the server from %s" % (c1.name, ip)
    # The first OFFER waits for the probe of an unused address (1 s).
    st = d.stats()
    dd = delta(st, before)
    assert dd.get("discover", 0) >= 1 and dd.get("offer", 0) >= 1, dd
    assert dd.get("request", 0) >= 1 and dd.get("ack", 0) == 1, dd
    assert dd.get("probes", 0) >= 1, "no ICMP probe before the offer: %s" \
        % dd
    assert st["nak"] == 0 and st["no_address"] == 0, st
    assert r.elapsed >= 0.9, "offered in %.2f s: no 1 s probe?" % r.elapsed

    # The lease file: OpenBSD's block, written before the ACK left.
    f = d.file_lease(ip)
    assert f is not None, d.file_text()
    assert f["hardware"] == c1.hwaddr, f
    assert f["uid"] == "01:" + c1.hwaddr, f
    assert f["client_hostname"] == "pc1", f
    assert f["ends"] - f["starts"] == LEASE_TIME, f
    assert abs(f["starts"] - time.time()) < 30, f
    text = d.file_text()
    assert "lease %s {" % ip in text
    assert "hardware ethernet %s;" % c1.hwaddr in text
    assert " UTC;" in text, "times must be written in UTC: %s" % text
    assert st["fsync"] >= 1, st

    # show leases says the same.
    l = d.lease(ip)
    assert l is not None, d.diag()
    assert l["state"] == "active" and l["hardware"] == c1.hwaddr, l
    assert l["ends_epoch"] == f["ends"] and l["starts_epoch"] == f["starts"]
    assert l.get("client_hostname") == "pc1", l
    assert l["dangling"] is False, l
    assert d.show()["leases"] >= 1


def test_a_bound_client_renews_with_its_server_at_t1(dhcp_lan, dhcpd,
        udhcpc):
    """udhcpc stays up; from T1 (half the lease) it asks its server to
    extend the lease, the server's ACK comes back through the kernel's
    UDP path (checksum offload on veth), and the lease goes on."""
    lease = 30   # busybox takes no less: T1 15 s
    lan = dhcp_lan(servers=1, clients=1)
    s1, c1 = lan.servers[0], lan.clients[0]
    d = dhcpd(s1, dhcpd_conf(lease_time=lease, max_lease_time=lease))
    cl = udhcpc(c1)
    cl.start()
    b = wait_until(cl.bound_events, 15, desc="udhcpc bound")[0]
    ip = b["ip"]
    before = d.show()
    ev = wait_until(lambda: cl.bound_events()[1:], lease + 4,
        desc=lambda: "a renewal: %s\n%s" % (cl.bound_events(),
        d.diag()))[0]
    dt = ev["time"] - b["time"]
    print("renewed %.2f s after binding" % dt)
    after = d.show()
    assert ev["ip"] == ip and ev["serverid"] == S1, (b, ev)
    assert after["drops"]["udpcsum"] == before["drops"]["udpcsum"], \
        "the unicast renewal was dropped as a bad UDP checksum:\n%s" % \
        d.diag()
    # Before T2: busybox renews at T1 and retries every few seconds; a
    # reply it missed (seen once under load) costs one retry, not the
    # lease.  The checksum assertion above is what the unicast path needs.
    assert lease / 2 - 1 < dt < lease * 7 / 8, \
        "renewed %.1f s after binding, not between T1 and T2" % dt
    assert after["stats"]["ack"] > before["stats"]["ack"]
    f = d.file_lease(ip)
    assert f["hardware"] == c1.hwaddr and f["ends"] >= ev["time"] + lease - 2
    cl.proc.stop()


def test_a_host_with_hardware_ethernet_gets_its_fixed_address(dhcp_lan,
        dhcpd, udhcpc):
    lan = dhcp_lan(servers=1, clients=0)
    s1 = lan.servers[0]
    fx = lan.add_client("fx", FIXED_MAC)
    lan.wait_links()
    d = dhcpd(s1, dhcpd_conf(hosts=[("printer", FIXED_MAC, FIXED_IP)]))
    before = d.stats()
    r = udhcpc(fx).run()
    assert r.ip == FIXED_IP, r.describe()
    b = r.bound
    assert b["router"].split() == [ROUTER] and b["dns"].split() == list(DNS)
    assert b["serverid"] == S1 and b["subnet"] == MASK, b
    assert fx.has_addr(FIXED_IP) == "eth1"
    assert delta(d.stats(), before).get("ack", 0) == 1
    # Fixed-address hosts get no lease entries (spec 1.3).
    assert FIXED_IP not in d.file_leases(), d.file_text()
    assert not [l for l in d.leases() if l["address"] == FIXED_IP and
        l["state"] == "active"], d.leases()

    # A client of another MAC gets a dynamic address, not the fixed one.
    c1 = lan.add_client("c1", "00:00:5e:00:53:01")
    lan.wait_links()
    r2 = udhcpc(c1).run(request=FIXED_IP)
    assert r2.ip is not None and in_range(r2.ip), r2.describe()


def test_dhclient_gets_a_lease_and_stops_without_releasing_it(dhcp_lan,
        dhcpd, dhclient):
    lan = dhcp_lan(servers=1, clients=1)
    s1, c1 = lan.servers[0], lan.clients[0]
    d = dhcpd(s1, dhcpd_conf())
    dc = dhclient(c1)
    rc = dc.start()
    assert rc == 0, "dhclient exit %s:\n%s\n%s" % (rc, dc.log_text()[-2000:],
        d.diag())
    pid = wait_until(dc.pid, 5, desc="dhclient's pid file")
    leases = wait_until(dc.leases, 5, desc="dhclient's lease file")
    l = leases[-1]
    ip = l["fixed-address"]
    assert in_range(ip), l
    assert l["option subnet-mask"] == MASK, l
    assert l["option routers"] == ROUTER, l
    assert l["option domain-name-servers"].replace(" ", "") == ",".join(DNS)
    assert l["option domain-name"] == DOMAIN, l
    assert l["option dhcp-server-identifier"] == S1, l
    assert int(l["option dhcp-lease-time"]) == LEASE_TIME, l
    assert "DHCPACK" in dc.log_text() and "bound to %s" % ip in \
        dc.log_text(), dc.log_text()
    srv = d.lease(ip)
    assert srv["state"] == "active" and srv["hardware"] == c1.hwaddr, srv
    assert d.file_lease(ip)["hardware"] == c1.hwaddr

    # Stopped by its pid: no DHCPRELEASE, the lease stays active.
    assert dc.stop(), "dhclient %d was not running" % pid
    hold(lambda: d.lease(ip)["state"] == "active", 1.5,
        desc="the lease active after dhclient stops")
    assert d.stats()["release"] == 0, d.stats()


def test_a_release_makes_the_lease_expire(dhcp_lan, dhcpd, udhcpc):
    lan = dhcp_lan(servers=1, clients=1)
    s1, c1 = lan.servers[0], lan.clients[0]
    d = dhcpd(s1, dhcpd_conf())
    # The server pings a released address (a reply means a spoofed
    # release): this client is gone once it has released.
    no_echo_replies(c1)
    r = udhcpc(c1).run(release=True)
    assert r.ip is not None, r.describe()
    assert r.events[-1]["event"] == "deconfig", r.events
    ip = r.ip
    t_rel = time.time()
    l = wait_until(lambda: (d.lease(ip) or {}).get("state") == "expired" and
        d.lease(ip), 5, desc=lambda: "%s expired: %s" % (ip, d.diag()))
    assert l["hardware"] == c1.hwaddr, l
    assert l["ends_epoch"] <= time.time(), l
    st = d.stats()
    assert st["release"] == 1, st
    # The file's last word on the address is the release.
    f = wait_until(lambda: (d.file_lease(ip) or {}).get("ends", 1 << 40) <=
        t_rel + 5 and d.file_lease(ip), 5, desc=lambda: d.file_text())
    assert f["count"] >= 2, "the release was not appended: %s" % (
        d.file_text())
    assert f["ends"] < f["starts"] + LEASE_TIME, f


def test_a_spoofed_release_is_ignored_while_the_address_answers(dhcp_lan,
        dhcpd, udhcpc):
    lan = dhcp_lan(servers=1, clients=1, attacker=True)
    s1, c1, x = lan.servers[0], lan.clients[0], lan.attacker
    d = dhcpd(s1, dhcpd_conf())
    r = udhcpc(c1).run()
    ip = r.ip
    assert ip is not None and c1.has_addr(ip), r.describe()
    before = d.stats()
    # x forges c1's release, unicast to the server from c1's address.
    # With the client identifier udhcpc sends (01 and the MAC), so the
    # server takes it for c1's own release.
    cid = bytes([1]) + bytes.fromhex(c1.hwaddr.replace(":", ""))
    msg = dhcp_message(c1.hwaddr, msgtype=7, ciaddr=ip, flags=0,
        options=bytes([53, 1, 7, 54, 4]) + bytes(map(int, S1.split("."))) +
        bytes([61, len(cid)]) + cid + bytes([255]))
    # The Ethernet source is x's own: with c1's, the switch would learn
    # c1's MAC on x's port and the server's probe would go to x, a race
    # with c1's next frame that made this test fail now and then.
    send_dhcp(x, [dhcp_frame(x.mac("eth1"), msg, src_ip=ip, dst_ip=S1,
        dst_mac=s1.mac("eth1"))])
    wait_until(lambda: d.stats()["probes_answered"] >
        before["probes_answered"], 5,
        desc=lambda: "the release probe answered: %s" % d.diag())
    hold(lambda: d.lease(ip)["state"] == "active", 1.5,
        desc="the lease active after a spoofed release")
    assert d.file_lease(ip)["ends"] > time.time() + LEASE_TIME / 2


def test_an_address_that_answers_ping_is_abandoned_and_not_handed_out(
        dhcp_lan, dhcpd, udhcpc):
    taken, spare = "192.0.2.10", "192.0.2.11"
    lan = dhcp_lan(servers=1, clients=1)
    s1, c1 = lan.servers[0], lan.clients[0]
    q = lan.add_squatter(taken)
    d = dhcpd(s1, dhcpd_conf(ranges=[(taken, spare)]))
    # The client asks for the squatted address: the server probes it.
    r = udhcpc(c1).run(request=taken)
    assert r.ip != taken, "handed out an address that answers ping: %s" \
        % r.describe()
    if r.ip is not None:
        assert r.ip == spare, r.describe()
    st = d.stats()
    assert st["probes_answered"] >= 1 and st["abandoned"] >= 1, st
    l = d.lease(taken)
    assert l is not None and l["state"] == "abandoned", d.diag()
    # The squatter keeps its address to itself.
    assert q.has_addr(taken) and c1.has_addr(taken) is None
    # Asked again, the abandoned address stays out of reach.
    r2 = udhcpc(c1).run(request=taken, tries=3)
    assert r2.ip != taken, r2.describe()


def test_a_server_killed_and_restarted_keeps_the_lease(dhcp_lan, dhcpd,
        udhcpc):
    lan = dhcp_lan(servers=1, clients=1)
    s1, c1 = lan.servers[0], lan.clients[0]
    d = dhcpd(s1, dhcpd_conf())
    cl = udhcpc(c1)
    r = cl.run(hostname="pc1")
    ip = r.ip
    assert ip is not None, r.describe()
    before = d.file_lease(ip)
    assert before is not None and before["hardware"] == c1.hwaddr
    # SIGKILL: every acknowledged lease was on disk before its ACK.
    d.kill9()
    d.start()
    l = d.lease(ip)
    assert l is not None and l["state"] == "active", d.diag()
    assert l["hardware"] == c1.hwaddr and l["ends_epoch"] == before["ends"]
    after = d.file_lease(ip)
    for k in ("hardware", "uid", "starts", "ends", "client_hostname"):
        assert after[k] == before[k], (k, before, after)
    # The same client is offered the same address, unasked.
    r2 = cl.run()
    assert r2.ip == ip, r2.describe()
    f = d.file_lease(ip)
    assert f["hardware"] == c1.hwaddr and f["ends"] >= before["ends"], f
    assert d.stats()["nak"] == 0


def test_tables_follow_grant_abandon_and_release(dhcp_lan, dhcpd, udhcpc,
        dhcp_nft):
    taken, spare = "192.0.2.10", "192.0.2.11"
    lan = dhcp_lan(servers=1, clients=1)
    s1, c1 = lan.servers[0], lan.clients[0]
    lan.add_squatter(taken)
    d = dhcpd(s1, dhcpd_conf(ranges=[(taken, spare)]),
        extra=["-A", "lab_abandoned", "-C", "lab_changed", "-L",
        "lab_leased"])
    for name in ("lab_abandoned", "lab_changed", "lab_leased"):
        assert nft_set(s1, name) == [], name
    no_echo_replies(c1)
    cl = udhcpc(c1)
    r = cl.run(request=taken)
    assert r.ip == spare, r.describe()
    wait_until(lambda: nft_set(s1, "lab_leased") == [spare], 3,
        desc=lambda: "-L holds %s: %s" % (spare, d.diag()))
    wait_until(lambda: nft_set(s1, "lab_abandoned") == [taken], 3,
        desc=lambda: "-A holds %s: %s" % (taken, d.diag()))
    t = d.show()["tables"]
    assert t["L"] >= 1 and t["A"] >= 1 and t["errors"] == 0, t
    assert d.stats()["table_errors"] == 0

    # The release takes the address out of -L.
    r2 = cl.run(request=spare, release=True)
    assert r2.ip == spare, r2.describe()
    wait_until(lambda: spare not in nft_set(s1, "lab_leased"), 5,
        desc=lambda: "%s out of -L after the release: %s" % (spare,
        d.diag()))
    assert d.show()["tables"]["R"] >= 1
    assert nft_set(s1, "lab_abandoned") == [taken]


def test_an_expired_lease_leaves_the_leased_table(dhcp_lan, dhcpd, udhcpc,
        dhcp_nft):
    lan = dhcp_lan(servers=1, clients=1)
    s1, c1 = lan.servers[0], lan.clients[0]
    d = dhcpd(s1, dhcpd_conf(lease_time=4, max_lease_time=4),
        extra=["-L", "lab_leased"])
    r = udhcpc(c1, configure=False).run()
    assert r.ip is not None and int(r.bound["lease"]) == 4, r.describe()
    t0 = time.time()
    wait_until(lambda: r.ip in nft_set(s1, "lab_leased"), 2,
        desc="-L holds the lease")
    wait_until(lambda: r.ip not in nft_set(s1, "lab_leased"), 10,
        desc=lambda: "-L drops %s after its 4 s: %s" % (r.ip, d.diag()))
    print("left -L %.1f s after the ACK" % (time.time() - t0))
    assert d.lease(r.ip)["state"] == "expired"


def test_clients_arriving_together_each_get_an_address_at_once(dhcp_lan,
        dhcpd, udhcpc):
    # Every address is pinged before its first offer; the address under
    # test is reserved, so the next client is offered another one and
    # nobody waits for someone else's ping.
    n = 6
    lan = dhcp_lan(servers=1, clients=n)
    d = dhcpd(lan.servers[0], dhcpd_conf())
    us = [udhcpc(c) for c in lan.clients]
    t0 = time.time()
    for u in us:
        u.start()
    bound = wait_until(lambda: all(u.bound_events() for u in us) and
        [u.bound_events()[0] for u in us], 8, desc=lambda: "all %d bound: "
        "%s\n%s" % (n, [u.bound_events() for u in us], d.diag()))
    ips = [b["ip"] for b in bound]
    assert len(set(ips)) == n and all(in_range(ip) for ip in ips), ips
    slowest = max(b["time"] for b in bound) - t0
    print("%d clients bound in %.1f s" % (n, slowest))
    assert slowest < 4, "a client waited for another's ping"
    assert d.stats()["probes"] >= n
