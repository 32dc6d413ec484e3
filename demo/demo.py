#!/usr/bin/python3
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The hakit Authors
"""
The demo's network, failover shown live (run through demo/demo.sh).

    client 198.51.100.10 --- outside --- fw1 .2 / fw2 .3, VIP 198.51.100.1
    server 192.0.2.10 ------ inside ---- fw1 .2 / fw2 .3, VIP 192.0.2.1
    fw1 sync0 203.0.113.1 -- sync link -- fw2 sync0 203.0.113.2

Two stateful NAT firewalls (nftables: new TCP flows only on a SYN,
DNAT of 198.51.100.1:8080 to the server's port 80, SNAT to the inside
VIP with random ports), carpd on both sides, pfsyncd on the sync link.
A TCP stream runs from the client to the server through fw1; fw1 dies
(kill -9, links down); fw2 takes both VIPs and the stream goes on, every
byte checked; sasyncd has copied an IPsec tunnel's policies to fw2.
Then the same scene without pfsyncd: the stream dies.  Then relayd on
both firewalls in front of two web servers: a web server dies, then
fw1 dies, and every client request is answered.  Last, where Debian's
linux.uml is installed, an ESP tunnel through a failover with sasyncd
(this kernel has no ESP).

The network and traffic tools are the lab tests' (tests/lab/lab.py and
tests/lab/pfsync_lab.py), so the demo shows what the tests check.
"""

import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.dont_write_bytecode = True	# nothing written into the tree
sys.path.insert(0, os.path.join(REPO, "tests", "lab"))

import lab as labmod		# noqa: E402
import pfsync_lab as pl		# noqa: E402
import sasync_lab as sl		# noqa: E402
import relayd_lab as rdl	# noqa: E402

MB = 1 << 20
NUP = 24 * MB			# client -> server, 2 MB/s: 12 s
UPRATE = 2 * MB
NDOWN = 6 * MB			# server -> client, 0.5 MB/s
DOWNRATE = MB // 2
MAXTIME = 40			# every stream stops by itself
# CARP timers: advbase 0, so the interval is advskew/256 s: fw1 advertises
# every 47 ms, fw2's master-down is 3 x 195 ms.
CARP = {"advbase": 0, "skews": (12, 50)}

TTY = sys.stdout.isatty()


def bold(s):
	return "\033[1m%s\033[0m" % s if TTY else s


def say(msg=""):
	print(msg, flush=True)


def step(msg):
	say()
	say(bold("==> " + msg))


def show(host, d, *args, head=None):
	r = d.ctl(*args, check=False)
	say("%s# %s %s%s" % (host.name, os.path.basename(d.CTL),
	    " ".join(args), " | head -%d" % head if head else ""))
	for line in (r.stdout or r.stderr).rstrip("\n").splitlines()[:head]:
		say("    " + line)


def show_entry(fw, orig):
	e = pl.entry(fw, orig)
	say("%s# conntrack -L | grep sport=%d" % (fw.name, orig[2]))
	say("    " + (e["line"] if e else "(no entry)"))


# An ESP tunnel from the inside network to a remote site behind the
# client: its policies (and SAs, where the kernel has ESP) are what
# sasyncd copies from the master to the backup.
REMOTE_NET = "203.0.113.128/25"
SA_KEY = "0x00112233445566778899aabbccddeeff"
TUNNEL = [
	["policy", "add", "src", pl.IN_NET, "dst", REMOTE_NET, "dir", "out",
	    "tmpl", "src", pl.OUT_VIP, "dst", pl.CLIENT_IP, "proto", "esp",
	    "mode", "tunnel"],
	["policy", "add", "src", REMOTE_NET, "dst", pl.IN_NET, "dir", "fwd",
	    "tmpl", "src", pl.CLIENT_IP, "dst", pl.OUT_VIP, "proto", "esp",
	    "mode", "tunnel"],
	["policy", "add", "src", REMOTE_NET, "dst", pl.IN_NET, "dir", "in",
	    "tmpl", "src", pl.CLIENT_IP, "dst", pl.OUT_VIP, "proto", "esp",
	    "mode", "tunnel"],
]
TUNNEL_SAS = [
	["state", "add", "src", a, "dst", b, "proto", "esp", "spi", spi,
	    "mode", "tunnel", "replay-window", "32", "enc", "cbc(aes)",
	    "0x" + "5a" * 16, "auth", "hmac(sha1)", "0x" + "a5" * 20]
	for a, b, spi in ((pl.OUT_VIP, pl.CLIENT_IP, "0x1001"),
	    (pl.CLIENT_IP, pl.OUT_VIP, "0x2001"))
]


def xfrm_lines(host, what):
	"""One line per policy or SA, as ip prints it (first two lines)."""
	out = host.run(["ip", "xfrm", what, "list"]).stdout
	ents = []
	for l in out.splitlines():
		if l and not l[0].isspace():
			ents.append([l.strip()])
		elif l.strip() and ents and len(ents[-1]) < 2:
			ents[-1].append(l.strip())
	return [" ".join(e) for e in ents]


def start_sasyncd(sc):
	"""sasyncd on both firewalls over the sync link, following carp0."""
	ds = []
	for fw, carp in zip(sc.pair.fws, sc.carps):
		conf = "interface carp0\nlisten on %s\npeer %s\n" \
		    "sharedkey %s\n" % (fw.sync_ip, fw.peer_sync_ip, SA_KEY)
		ds.append(sl.Sasyncd(fw, conf, args=["-C", carp.sock]).start())
	labmod.wait_until(lambda: all(d.peer()["connection"] in
	    ("incoming", "outgoing") for d in ds), 10,
	    desc="the two sasyncd connected")
	return ds


def tunnel_on(fw):
	"""The tunnel's policies on fw, and its SAs if this kernel can hold
	ESP SAs; returns whether it could."""
	for cmd in TUNNEL:
		say("%s# ip xfrm %s" % (fw.name, " ".join(cmd)))
		fw.run(["ip", "xfrm"] + cmd)
	sas = True
	for cmd in TUNNEL_SAS:
		r = fw.run(["ip", "xfrm"] + cmd, check=False)
		if r.returncode != 0:
			sas = False
			say("%s# ip xfrm state add ... : %s" % (fw.name,
			    r.stderr.strip()))
			say("    (this kernel has no ESP: the SAs are left out; "
			    "the UML tier of make check covers them)")
			break
		say("%s# ip xfrm %s" % (fw.name, " ".join(cmd[:10]) + " ..."))
	return sas


def ms(t):
	return "%.0f ms" % (t * 1000)


class Scene:
	"""One firewall pair, with or without pfsyncd."""

	def __init__(self, with_pfsync):
		self.lab = labmod.Lab()
		self.with_pfsync = with_pfsync
		self.pair = None
		self.carps = (None, None)
		self.syncs = (None, None)

	def carpd(self, host, conf):
		return labmod.Carpd(host, conf).start()

	def pfsyncd(self, host, conf):
		return pl.Pfsyncd(host, conf).start()

	def build(self):
		self.pair = pl.FwPair(self.lab)
		if self.with_pfsync:
			self.carps, self.syncs = pl.synced_scene(self.pair,
			    self.carpd, self.pfsyncd, **CARP)
		else:
			self.carps = pl.start_carp(self.pair, self.carpd, **CARP)

	def stream(self):
		st = pl.Stream(self.pair, nup=NUP, uprate=UPRATE, ndown=NDOWN,
		    downrate=DOWNRATE, maxtime=MAXTIME)
		labmod.wait_until(lambda: st.up_bytes() >= 3 * MB, 10,
		    desc=lambda: "3 MB through fw1: %s" % st.logs())
		cport = int(st.client_progress()["local"].rsplit(":", 1)[1])
		return st, (pl.CLIENT_IP, pl.OUT_VIP, cport, pl.DNAT_PORT)

	def kill_fw1(self):
		fw1 = self.pair.fw1
		pids = fw1.pids()
		say("fw1# kill -9 %s; every link down" %
		    " ".join(str(p) for p in pids))
		return pl.failover(self.pair, self.carps, self.syncs)

	def teardown(self):
		self.lab.teardown()


def progress(st, t_kill, until):
	"""Prints the stream's progress every half second until until()
	is true or the stream ends."""
	last = None
	while True:
		c, s = st.client_progress(), st.server_progress()
		up = s.get("received", 0)
		down = (c.get("down") or {}).get("received", 0)
		if (up, down) != last:
			say("    %+6.1f s  client -> server %5.1f MB,  "
			    "server -> client %4.1f MB" % (time.time() - t_kill,
			    up / MB, down / MB))
			last = (up, down)
		if until() or c.get("done") or s.get("done") or \
		    c.get("error") or s.get("error"):
			return
		time.sleep(0.5)


def act_pfsync():
	sc = Scene(True)
	try:
		step("The network: client -- fw1/fw2 -- server, in network "
		    "namespaces")
		say(__doc__.split("\n\n")[1].rstrip())
		sc.build()
		pair = sc.pair
		say("carpd on both firewalls (advbase 0; fw1 advskew %d, fw2 "
		    "advskew %d: master-down %.0f ms; preempt), pfsyncd on the "
		    "sync link;" % (CARP["skews"] + (3 * CARP["skews"][1] *
		    1000 / 256,)))
		say("both bulk updates done, fw1 MASTER of both VIPs:")
		show(pair.fw1, sc.carps[0], "show")
		show(pair.fw2, sc.syncs[1], "show", head=5)

		step("An IPsec tunnel on the master; sasyncd copies it to fw2")
		sas = start_sasyncd(sc)
		has_sas = tunnel_on(pair.fw1)
		n = len(TUNNEL)
		labmod.wait_until(lambda: len(xfrm_lines(pair.fw2, "policy")) ==
		    n and (not has_sas or len(xfrm_lines(pair.fw2, "state")) ==
		    len(TUNNEL_SAS)), 10, desc="the tunnel on fw2")
		say("fw2# ip xfrm policy list   (put there by sasyncd)")
		for l in xfrm_lines(pair.fw2, "policy"):
			say("    " + l)
		show(pair.fw2, sas[1], "show", head=2)

		step("A TCP stream client -> 198.51.100.1:8080 (DNAT to the "
		    "server, SNAT to 192.0.2.1), %d MB up, %d MB down" %
		    (NUP // MB, NDOWN // MB))
		st, orig = sc.stream()
		e1 = pl.synced_entry(pair, orig)
		say("The flow's state on fw1, and the copy pfsyncd put into "
		    "fw2's kernel (same NAT port):")
		show_entry(pair.fw1, orig)
		show_entry(pair.fw2, orig)

		step("fw1 dies in the middle of the stream")
		t_kill, t_master = sc.kill_fw1()
		say("fw2's carpd is MASTER of both VIPs %s after the kill" %
		    ms(t_master - t_kill))
		labmod.wait_until(lambda: sas[1].show()["state"] == "MASTER",
		    5, desc="fw2's sasyncd MASTER")
		say("fw2's sasyncd follows carp0 and holds the tunnel: %d "
		    "policies in fw2's kernel" % len(xfrm_lines(pair.fw2,
		    "policy")))
		show(pair.fw2, sas[1], "show", head=1)
		progress(st, t_kill, lambda: False)
		cli, srv = st.wait()

		step("What the client and the server saw")
		down = cli.get("down") or {}
		ok = srv.get("error") is None and cli.get("error") is None \
		    and srv.get("received") == NUP and \
		    srv.get("sha256") == cli.get("sent_sha256") and \
		    down.get("received") == NDOWN and \
		    down.get("sha256") == srv.get("sent_sha256")
		say("client -> server: %d of %d bytes, sha256 %s" % (
		    srv.get("received", 0), NUP, "equal" if
		    srv.get("sha256") == cli.get("sent_sha256") else "DIFFERS"))
		say("server -> client: %d of %d bytes, sha256 %s" % (
		    down.get("received", 0), NDOWN, "equal" if
		    down.get("sha256") == srv.get("sent_sha256") else
		    "DIFFERS"))
		say("the server saw one peer for the whole stream: %s (fw1's "
		    "NAT port %d, kept by fw2)" % (srv.get("peer"),
		    e1["reply"][3]))
		if ok:
			say(bold("The stream survived the failover: no reset, "
			    "no byte lost or reordered; longest stall %s up, "
			    "%s down." % (ms(srv.get("gap", 0)),
			    ms(down.get("gap", 0)))))
		else:
			say(bold("The stream did NOT survive: client %s, "
			    "server %s" % (cli.get("error"), srv.get("error"))))
		show(pair.fw2, sc.syncs[1], "show", head=5)
		return ok
	finally:
		sc.teardown()


def act_control():
	sc = Scene(False)
	try:
		step("The control: the same network and stream, without "
		    "pfsyncd")
		sc.build()
		st, orig = sc.stream()
		show_entry(sc.pair.fw2, orig)
		t_kill, t_master = sc.kill_fw1()
		say("fw2's carpd is MASTER of both VIPs %s after the kill, "
		    "but fw2 has no state for the flow" % ms(t_master - t_kill))

		def stuck():
			s = st.server_progress()
			c = st.client_progress()
			last = max(s.get("last") or 0,
			    (c.get("down") or {}).get("last") or 0, t_master)
			return time.time() - last >= 5
		progress(st, t_kill, stuck)
		c, s = st.client_progress(), st.server_progress()
		got = s.get("received", 0)
		st.client.stop()
		st.server.stop()
		why = c.get("error") or s.get("error") or \
		    "no byte moved for 5 s: fw2 drops the flow's packets"
		say(bold("Without pfsyncd the stream died at the failover: "
		    "%d of %d bytes arrived (%s)." % (got, NUP, why)))
		return got < NUP
	finally:
		sc.teardown()


def act_uml():
	"""The ESP tunnel itself through a failover, where a kernel with ESP
	is at hand: Debian's User-Mode Linux (tests/uml)."""
	sys.path.insert(0, os.path.join(REPO, "tests", "uml"))
	import uml
	step("An ESP tunnel through a failover, with sasyncd")
	progs = ("carpd", "carpctl", "sasyncd", "sasyncctl")
	why = uml.skip_reason() or next((p for p in (uml.program_problem(n)
	    for n in progs) if p), None)
	if why:
		say("Not shown: %s" % why)
		return True
	say("This host's kernel has no ESP, so this act runs in a "
	    "User-Mode Linux guest (Debian's linux.uml): gw1 and gw2 share "
	    "the VIP 192.0.2.10 with carpd and run sasyncd over a sync link; "
	    "a remote peer 192.0.2.20 pings through an ESP tunnel to the "
	    "VIP, 10 a second; gw1 holds the SAs (set by hand, as an IKE "
	    "daemon would) and is killed in the middle.")
	env = uml.program_env(*progs)
	env["SYNC"] = "sasyncd"
	r = uml.run(os.path.join(REPO, "tests", "uml",
	    "scenario_failover.sh"), env=env, name="demo")
	if r.timed_out or r.rc != 0 or r.get("done") != "1":
		say("The guest's scenario failed:\n%s" % r.tail(20))
		return False
	say("gw2 got the SAs and %s policies from sasyncd; before the kill "
	    "the peer had seen ESP sequence numbers up to %s from gw1, and "
	    "gw2's copy of the SA stood at %s (replay margin 1000)" % (
	    r.get("gw2_policies"), r.get("before_peer_in_seq"),
	    r.get("synced_gw2_out_oseq")))
	say("gw1 killed; gw2 MASTER %s s later" % r.get("takeover_s"))
	say("the peer: %s of %s pings answered, the last 20 all; its "
	    "inbound SA's replay failures: %s (window) and %s (replay); "
	    "XfrmInStateSeqError %s" % (r.get("pings_answered"),
	    r.get("pings_sent"), r.get("peer_in_replay_window"),
	    r.get("peer_in_replay"), r.get("peer_seqerr")))
	ok = r.int("pings_last20") == 20 and \
	    r.int("peer_in_replay_window") == 0 and \
	    r.int("peer_in_replay") == 0
	say(bold("The tunnel survived the failover without a new IKE "
	    "exchange and without a replayed sequence number." if ok else
	    "The tunnel did NOT survive the failover cleanly."))
	return ok


RELAY_PORT = 8000
WEB_IPS = ("192.0.2.11", "192.0.2.12")


def relayd_conf(fw):
	"""A relay on the outside VIP (IP_FREEBIND: the backup listens on
	it too) in front of the two web servers."""
	return "\n".join([
	    "interval 1", "timeout 500", "log state changes", "",
	    "table <web> { %s }" % ", ".join(WEB_IPS), "",
	    'http protocol "web" {',
	    '\tmatch request header append "X-Forwarded-For" '
	    'value "$REMOTE_ADDR"',
	    '\tmatch response header set "X-Relay" value "%s"' % fw.name,
	    "}", "",
	    'relay "www" {',
	    "\tlisten on %s port %d" % (pl.OUT_VIP, RELAY_PORT),
	    '\tprotocol "web"',
	    '\tforward to <web> port %d mode roundrobin check http "/" '
	    "code 200 retry 2" % rdl.HTTP_PORT,
	    "}", ""])


def act_relayd():
	sc = Scene(False)
	try:
		step("A load balancer on the firewall pair: relayd in front of "
		    "two web servers")
		lab = sc.lab
		rdl.ensure_user()
		os.chmod(lab.workdir, 0o711)
		sc.build()
		pair = sc.pair
		webs = []
		ca, cert, key = rdl.make_certs(lab)
		for i, ip in enumerate(WEB_IPS):
			h = lab.add_host("s%d" % (i + 1))
			lab.connect(h, pair.sw_in, "eth1", [ip + "/24"])
			h.ip4 = ip
			webs.append(rdl.Websrv(h, cert, key).start())
		ds = [rdl.Relayd(fw, relayd_conf(fw)).start() for fw in pair]
		for d in ds:
			d.wait_states({ip: "up" for ip in WEB_IPS}, 15)
		say("relayd on fw1 and fw2; relay www on %s:%d (fw2 listens "
		    "too, on an address it does not hold yet)" % (pl.OUT_VIP,
		    RELAY_PORT))
		show(pair.fw1, ds[0], "show", "summary")

		def requests(n, what):
			f = rdl.fetch(pair.client, n, interval=0.05, maxtime=30,
			    port=RELAY_PORT, dst=pl.OUT_VIP)
			say("client: %d requests %s: %s" % (n, what, ", ".join(
			    "%d answered by %s" % (c, k) for k, c in
			    sorted(f.counts.items()))))
			return f

		ok = not requests(40, "through fw1's relay").errors
		step("Web server s1 dies; the client goes on asking")
		webs[0].kill()
		f = requests(60, "while s1 is dead (relayd retries another "
		    "host at once and its checks mark s1 down)")
		ok = ok and not f.errors
		ds[0].wait_states({WEB_IPS[0]: "down"}, 10)
		show(pair.fw1, ds[0], "show", "summary")
		step("fw1 dies: carpd moves the VIP, fw2's relayd serves")
		t_kill, t_master = sc.kill_fw1()
		say("fw2 MASTER %s after the kill" % ms(t_master - t_kill))
		f = requests(40, "through fw2's relay")
		ok = ok and not f.errors and set(f.counts) == {"s2"}
		show(pair.fw2, ds[1], "show", "summary")
		say(bold("Every request was answered: a dead web server and a "
		    "dead firewall cost the client nothing." if ok else
		    "Some requests failed."))
		return ok
	finally:
		sc.teardown()


def main():
	if os.geteuid() != 0:
		sys.exit("demo: must run as root")
	for b in (labmod.CARPD, labmod.CARPCTL, pl.PFSYNCD, pl.PFSYNCCTL,
	    sl.SASYNCD, sl.SASYNCCTL, rdl.RELAYD, rdl.RELAYCTL):
		if not os.access(b, os.X_OK):
			sys.exit("demo: %s missing: run make" % b)
	labmod.cleanup_stale()
	ok = False
	try:
		ok = act_pfsync()
		ok = act_control() and ok
		ok = act_relayd() and ok
		ok = act_uml() and ok
	except KeyboardInterrupt:
		say()
		say("demo: interrupted")
	except (labmod.LabError, AssertionError) as e:
		say("demo: %s" % e)
	finally:
		step("Cleaning up: processes stopped, namespaces deleted")
		labmod.Lab.teardown_all()
	sys.exit(0 if ok else 1)


if __name__ == "__main__":
	main()
