#!/usr/bin/python3
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The hakit Authors
"""
SA sync benchmark: how fast sasyncd gives a backup the master's SAs and
policies, by snapshot and live, against the kernel's own install rate.

Topology (namespaces; one veth):

	master eth0 192.0.2.1 -------- backup eth0 192.0.2.2
	kernel (no link): the kernel baseline, ip -batch alone

Both daemons run with a locked role (`mode master`, `mode slave`), so no
carpd is involved; -C names a socket that does not exist.  The daemons
are a release build (-O2, the Makefile's release flags without -Werror)
compiled by this script into a temporary directory from the tree's
sources, unless --sasyncd/--sasyncctl name binaries.

Measures (N = --count, 10,000 by default):

  mem snapshot  in-memory backend (-M): the master holds N SAs (one
		`sasyncctl mem sa-add count=N`) before the backup starts;
		backup start -> its applied_sas reaches N.  Split: start ->
		TCP connected (its log line), connected -> first SA applied
		(the protocol's 2 s snapshot delay is in here), first -> last
		SA applied.  The backup is restarted for every trial.
  mem live      the pair connected, both stores emptied (a flush-sa on
		the master, passed on); `mem sa-add count=N` on the master,
		timed until the backup's applied_sas rose by N.  The ctl
		call's own duration (the master storing N SAs) is shown.
  xfrm snapshot the real kernel's XFRM: N policies on the master by
		`ip -batch` (`xfrm policy add src 10.x.y.0/24 dst
		10.200.0.0/16 dir out tmpl ... proto esp mode tunnel`), the
		backup's policies flushed, backup started; start -> its
		applied_policies reaches N (each counted after the kernel's
		ACK); the backup's `ip xfrm policy count` checked after.
  xfrm live     the pair connected, the master's SPD flushed (passed on);
		`ip -batch` of the N policies on the master, timed from its
		start until the backup applied N.
  kernel        `ip -batch` of the same N policies into an empty
		namespace: what the backup's kernel needs at least.

The kernel here cannot hold ESP SAs (NEWSA: "Requested type not
found"), hence policies for the kernel measures.

Run as root: /usr/bin/python3 bench/sa_sync.py
"""

import argparse
import datetime
import json
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.dont_write_bytecode = True	# nothing written into the tree
sys.path.insert(0, HERE)

import netlab			# noqa: E402
from netlab import LabError	# noqa: E402

RESULTS = os.path.join(HERE, "RESULTS.md")
BEGIN = "<!-- sa_sync: begin -->"
END = "<!-- sa_sync: end -->"

MASTER_IP = "192.0.2.1"
BACKUP_IP = "192.0.2.2"
KEYHEX = "0x" + bytes(range(16)).hex()
SA_SRC = "198.51.100.1"
SA_DST = "203.0.113.1"

PKGS = ("libevent libbsd-overlay libmnl jansson libcrypto libssl libcap "
    "libnetfilter_conntrack libnftables libtls").split()
WARN = ("-Wall -Wextra -Wformat=2 -Wshadow -Wpointer-arith -Wcast-qual "
    "-Wstrict-prototypes -Wmissing-prototypes -Wmissing-declarations "
    "-Wsign-compare -Wvla -Wnull-dereference -fno-common").split()
RELEASE = ("-O2 -fstack-protector-strong -D_FORTIFY_SOURCE=2 "
    "-fPIE").split()

START_BOUND = 10	# a daemon to answer on its control socket
CONNECT_BOUND = 10	# the pair to connect (or disconnect)
POLL = 0.005		# seconds between two counter reads


def log(msg):
	print(msg, flush=True)


def pkg(flag):
	r = netlab.run(["pkg-config", flag] + PKGS)
	return r.stdout.split()


def build_release(out):
	"""sasyncd and sasyncctl compiled with the release flags into out;
	returns (sasyncd, sasyncctl, warning lines)."""
	cflags = ["-std=c11", "-D_GNU_SOURCE", "-g"] + WARN + ["-Ilib"] + \
	    pkg("--cflags") + RELEASE
	ldflags = ["-pie", "-Wl,-z,relro,-z,now"]
	libs = pkg("--libs")
	lib = sorted("lib/" + f for f in os.listdir(os.path.join(REPO, "lib"))
	    if f.endswith(".c"))
	daemon = sorted("sasyncd/" + f for f in
	    os.listdir(os.path.join(REPO, "sasyncd")) if f.endswith(".c"))
	ctl = sorted("sasyncctl/" + f for f in
	    os.listdir(os.path.join(REPO, "sasyncctl")) if f.endswith(".c"))
	parse = os.path.join(out, "parse.c")
	netlab.run(["byacc", "-o", parse, os.path.join(REPO, "sasyncd",
	    "parse.y")])
	jobs = [
	    ["cc"] + cflags + ["-Isasyncd", "-o", os.path.join(out,
	    "sasyncd")] + daemon + [parse] + lib + ldflags + libs,
	    ["cc"] + cflags + ["-o", os.path.join(out, "sasyncctl")] + ctl +
	    lib + ldflags + libs]
	procs = [subprocess.Popen(j, cwd=REPO, stdout=subprocess.PIPE,
	    stderr=subprocess.STDOUT, text=True) for j in jobs]
	warnings = []
	for p in procs:
		text, _ = p.communicate(timeout=300)
		if p.returncode != 0:
			raise LabError("release build failed:\n%s" % text[-2000:])
		warnings += [l for l in text.splitlines() if "warning:" in l]
	return (os.path.join(out, "sasyncd"), os.path.join(out, "sasyncctl"),
	    warnings)


def ctl_call(sock, req, timeout=5):
	"""One request on a control socket (a JSON line), its reply."""
	s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
	s.settimeout(timeout)
	try:
		s.connect(sock)
		s.sendall((json.dumps(req) + "\n").encode())
		buf = b""
		while not buf.endswith(b"\n") and len(buf) < (64 << 20):
			d = s.recv(1 << 16)
			if not d:
				break
			buf += d
	finally:
		s.close()
	return json.loads(buf)


def policy_count(ns):
	out = ns.run("ip xfrm policy count").stdout
	m = re.search(r"SPD IN\s+(\d+)\s+OUT\s+(\d+)\s+FWD\s+(\d+)", out)
	if not m:
		raise LabError("ip xfrm policy count: %r" % out)
	return sum(int(x) for x in m.groups())


class Daemon:
	def __init__(self, bench, ns, role, memory, tag):
		self.b = bench
		self.ns = ns
		me, peer = (MASTER_IP, BACKUP_IP) if role == "master" else \
		    (BACKUP_IP, MASTER_IP)
		self.conf = bench.lab.write("%s.conf" % tag,
		    "# sa_sync bench\n"
		    "listen on %s\n"
		    "peer %s\n"
		    "sharedkey %s\n"
		    "mode %s\n" % (me, peer, KEYHEX, role), 0o600)
		self.sock = bench.lab.path("%s.sock" % tag)
		argv = [bench.sasyncd, "-d", "-c", self.conf, "-s", self.sock,
		    "-C", bench.lab.path("no-carpd.sock")]
		if memory:
			argv.append("-M")
		self.t_start = time.monotonic_ns()
		self.proc = ns.spawn(argv, log=bench.lab.path("%s.log" % tag))
		netlab.wait_until(self.ready, START_BOUND, interval=0.01,
		    desc="sasyncd %s answering" % tag)

	def ready(self):
		if not self.proc.alive():
			raise LabError("sasyncd exited: %s" %
			    self.proc.text()[-500:])
		return os.path.exists(self.sock) and self.show()["ok"]

	def show(self):
		return ctl_call(self.sock, {"cmd": "show"})

	def counters(self):
		return self.show()["counters"]

	def connection(self):
		return self.show()["peers"][0]["connection"]

	def mem(self, *args):
		"""sasyncctl mem ... (the brief's injection path)."""
		return netlab.run([self.b.sasyncctl, "-s", self.sock, "mem"] +
		    list(args), timeout=600)

	def cpu(self):
		try:
			return netlab.cpu_seconds(self.proc.pid)[1]
		except OSError:
			return None

	def stop(self):
		self.proc.stop()


def watch(d, key, base, n, bound, until_first=None):
	"""Polls d's counter key until it is base + n; returns (mono s of
	the first read above base, mono s of the read that saw base + n,
	last value)."""
	first = None
	deadline = time.monotonic() + bound
	v = base
	while True:
		v = d.counters()[key]
		now = time.monotonic()
		if v > base and first is None:
			first = now
		if v >= base + n:
			return first, now, v
		if now >= deadline:
			raise LabError("%s: %d of %d after %.0f s" % (key,
			    v - base, n, bound))
		time.sleep(POLL)


class Bench:
	def __init__(self, args, sasyncd, sasyncctl):
		self.args = args
		self.sasyncd = sasyncd
		self.sasyncctl = sasyncctl
		self.lab = netlab.Lab("hksa", workdir=args.logs)
		self.notes = []
		self.res = {}		# measure -> [dict]
		self.n = args.count
		self.batch = None

	def build(self):
		self.m = netlab.Ns(self.lab, "master")
		self.b = netlab.Ns(self.lab, "backup")
		self.k = netlab.Ns(self.lab, "kernel")
		netlab.veth(self.m, "eth0", self.b, "eth0")
		self.m.run(["ip", "addr", "add", MASTER_IP + "/24", "dev",
		    "eth0"])
		self.b.run(["ip", "addr", "add", BACKUP_IP + "/24", "dev",
		    "eth0"])
		lines = []
		for i in range(self.n):
			lines.append("xfrm policy add src 10.%d.%d.0/24 dst "
			    "10.200.0.0/16 dir out tmpl src %s dst %s proto esp "
			    "mode tunnel\n" % (i // 256, i % 256, SA_SRC, SA_DST))
		self.batch = self.lab.write("policies.batch", "".join(lines))

	def add(self, measure, r):
		self.res.setdefault(measure, []).append(r)
		log("  %-14s %s" % (measure, "  ".join("%s %s" % (k,
		    "%.3f" % v if isinstance(v, float) else v)
		    for k, v in r.items())))

	def wait_conn(self, d, want):
		netlab.wait_until(lambda: (d.connection() in
		    ("incoming", "outgoing")) == want, CONNECT_BOUND,
		    interval=0.01, desc="master's peer %s" %
		    ("connected" if want else "gone"))

	def ip_batch(self, ns):
		t0 = time.monotonic()
		ns.run(["ip", "-batch", self.batch], timeout=120)
		return time.monotonic() - t0

	# --- snapshot: a fresh backup per trial

	def snapshot_trial(self, master, memory, tag):
		key = "applied_sas" if memory else "applied_policies"
		if not memory:
			self.b.run("ip xfrm policy flush")
		d = Daemon(self, self.b, "slave", memory, tag)
		try:
			t0 = d.t_start / 1e9
			first, last, _ = watch(d, key, 0, self.n,
			    self.args.bound)
			conn = d.proc.first_line(r"connected \(")
			r = {"start_to_all": last - t0,
			    "start_to_conn": conn / 1e9 - t0 if conn else None,
			    "conn_to_first": first - conn / 1e9 if conn
			    else None,
			    "first_to_last": last - first,
			    "cpu_s": d.cpu()}
			if not memory:
				r["kernel_count"] = policy_count(self.b)
			self.add(("mem" if memory else "xfrm") + " snapshot", r)
		finally:
			d.stop()
			self.wait_conn(master, False)

	# --- live: the pair connected

	def live_trial_mem(self, master, backup):
		c = backup.counters()
		master.mem("flush-sa")
		watch(backup, "applied_flushes", c["applied_flushes"], 1,
		    CONNECT_BOUND)
		base = backup.counters()["applied_sas"]
		done = {}

		def inject():
			try:
				master.mem("sa-add", "src=" + SA_SRC,
				    "dst=" + SA_DST, "spi=0x1000",
				    "count=%d" % self.n)
			except LabError as e:
				done["err"] = e
			done["t"] = time.monotonic()
		t0 = time.monotonic()
		th = threading.Thread(target=inject, daemon=True)
		th.start()
		try:
			first, last, _ = watch(backup, "applied_sas", base,
			    self.n, self.args.bound)
		finally:
			th.join(self.args.bound)
		if "err" in done:
			raise done["err"]
		self.add("mem live", {"start_to_all": last - t0,
		    "ctl_call": done["t"] - t0,
		    "ctl_end_to_all": last - done["t"],
		    "first_to_last": last - first,
		    "rate": self.n / (last - t0)})

	def live_trial_xfrm(self, master, backup):
		c = backup.counters()
		self.m.run("ip xfrm policy flush")
		watch(backup, "applied_flushes", c["applied_flushes"], 1,
		    CONNECT_BOUND)
		netlab.wait_until(lambda: policy_count(self.b) == 0,
		    CONNECT_BOUND, desc="backup's SPD flushed")
		base = backup.counters()["applied_policies"]
		ended = {}
		t0 = time.monotonic()
		p = subprocess.Popen(self.m.argv(["ip", "-batch", self.batch]),
		    stdout=subprocess.PIPE, stderr=subprocess.STDOUT)

		def reap():
			p.communicate(timeout=self.args.bound)
			ended["t"] = time.monotonic()
		th = threading.Thread(target=reap, daemon=True)
		th.start()
		try:
			first, last, _ = watch(backup, "applied_policies", base,
			    self.n, self.args.bound)
			th.join(self.args.bound)
		finally:
			if p.poll() is None:
				p.kill()
				p.wait(5)
		if p.returncode != 0 or "t" not in ended:
			raise LabError("ip -batch on the master: exit %s" %
			    p.returncode)
		self.add("xfrm live", {"start_to_all": last - t0,
		    "batch": ended["t"] - t0,
		    "batch_end_to_all": last - ended["t"],
		    "first_to_last": last - first,
		    "rate": self.n / (last - t0),
		    "kernel_count": policy_count(self.b)})

	# --- the whole sequence

	def run_mem(self):
		master = Daemon(self, self.m, "master", True, "mem-master")
		try:
			t0 = time.monotonic()
			master.mem("sa-add", "src=" + SA_SRC, "dst=" + SA_DST,
			    "spi=0x1000", "count=%d" % self.n)
			self.fill_mem = time.monotonic() - t0
			log("master holds %d SAs (in-memory), stored in %.1f s" %
			    (self.n, self.fill_mem))
			for i in range(self.args.trials):
				self.snapshot_trial(master, True,
				    "mem-backup%d" % i)
			# An empty master: the live backup's snapshot is
			# quick, and every live trial starts from nothing.
			master.mem("flush-sa")
			backup = Daemon(self, self.b, "slave", True,
			    "mem-backup-live")
			try:
				netlab.wait_until(lambda: backup.show()["peers"][0]
				    ["snapshots_received"] >= 1, CONNECT_BOUND +
				    5, desc="the live backup's snapshot")
				for i in range(self.args.live_trials):
					self.live_trial_mem(master, backup)
			finally:
				backup.stop()
		finally:
			master.stop()

	def run_xfrm(self):
		self.m.run("ip xfrm policy flush")
		self.ip_batch(self.m)
		if policy_count(self.m) != self.n:
			raise LabError("master's SPD holds %d policies" %
			    policy_count(self.m))
		master = Daemon(self, self.m, "master", False, "xfrm-master")
		try:
			for i in range(self.args.trials):
				self.snapshot_trial(master, False,
				    "xfrm-backup%d" % i)
			self.b.run("ip xfrm policy flush")
			backup = Daemon(self, self.b, "slave", False,
			    "xfrm-backup-live")
			try:
				watch(backup, "applied_policies", 0, self.n,
				    self.args.bound)
				for i in range(self.args.trials):
					self.live_trial_xfrm(master, backup)
				self.xfrm_backup = backup.counters()
			finally:
				backup.stop()
			self.xfrm_master = master.counters()
		finally:
			master.stop()

	def run_kernel(self):
		for i in range(self.args.trials):
			self.k.run("ip xfrm policy flush")
			t = self.ip_batch(self.k)
			n = policy_count(self.k)
			self.add("kernel", {"batch": t, "rate": self.n / t,
			    "kernel_count": n})
		self.k.run("ip xfrm policy flush")


def strongswan_check():
	"""(lines for the report): why strongSwan's HA plugin is not run."""
	out = []
	r = subprocess.run(["dpkg-query", "-W", "-f",
	    "${Package} ${Status}\\n", "libcharon-extra-plugins",
	    "strongswan-charon", "charon-systemd"], capture_output=True,
	    text=True)
	txt = " ".join((r.stdout + r.stderr).split())
	out.append("`dpkg-query -W libcharon-extra-plugins strongswan-charon "
	    "charon-systemd`: %s" % (txt or "(no output)"))
	r = subprocess.run(["apt-cache", "policy", "libcharon-extra-plugins"],
	    capture_output=True, text=True)
	m = re.search(r"Installed: (\S+)", r.stdout)
	c = re.search(r"Candidate: (\S+)", r.stdout)
	out.append("`apt-cache policy libcharon-extra-plugins`: Installed %s, "
	    "Candidate %s (not installed by this bench)" % (
	    m.group(1) if m else "?", c.group(1) if c else "?"))
	r = subprocess.run(["modprobe", "-n", "-v", "ipt_CLUSTERIP"],
	    capture_output=True, text=True)
	out.append("`modprobe -n -v ipt_CLUSTERIP`: exit %d, %s" % (
	    r.returncode, " ".join((r.stderr + r.stdout).split()) or
	    "(no output)"))
	out.append("`/proc/net/ipt_CLUSTERIP`: %s" % ("present" if
	    os.path.exists("/proc/net/ipt_CLUSTERIP") else "absent"))
	try:
		cfg = subprocess.run(["sh", "-c", "zcat /proc/config.gz | grep "
		    "-E 'CLUSTERIP|CONFIG_INET_ESP[= ]'"], capture_output=True,
		    text=True, timeout=10).stdout
		out.append("`zcat /proc/config.gz | grep -E "
		    "'CLUSTERIP|CONFIG_INET_ESP[= ]'`: %s" % (
		    "; ".join(cfg.split("\n")).strip("; ") or "no match"))
	except (OSError, subprocess.SubprocessError):
		pass
	return out


def esp_probe(ns):
	r = ns.run(["ip", "xfrm", "state", "add", "src", "192.0.2.200", "dst",
	    "192.0.2.201", "proto", "esp", "spi", "0x99", "mode", "tunnel",
	    "enc", "cbc(aes)", "0x" + "11" * 16, "auth", "hmac(sha1)",
	    "0x" + "22" * 20], check=False)
	if r.returncode == 0:
		ns.run("ip xfrm state flush")
		return "accepted"
	return (r.stderr + r.stdout).strip()


def med(xs):
	xs = [x for x in xs if x is not None]
	return statistics.median(xs) if xs else None


def spread(xs, nd=3):
	xs = [x for x in xs if x is not None]
	if not xs:
		return "–"
	return "%.*f (%.*f–%.*f)" % (nd, statistics.median(xs), nd, min(xs),
	    nd, max(xs))


def col(res, measure, key):
	return [r.get(key) for r in res.get(measure, [])]


def report(b, args, build, elapsed, load0, ss, esp):
	k = platform.uname()
	n = args.count
	res = b.res
	L = []
	L.append("## sasyncd: SA sync\n")
	L.append("- date: %s" % datetime.datetime.now().astimezone()
	    .strftime("%Y-%m-%d %H:%M %Z"))
	L.append("- kernel: Linux %s (%s), %d CPUs, load average %s at the "
	    "start, %s at the end (other work shares the machine)" % (
	    k.release, k.machine, os.cpu_count() or 0, load0,
	    netlab.loadavg()))
	L.append("- command: `%s`, as root" % " ".join(
	    ["/usr/bin/python3", "bench/sa_sync.py"] + sys.argv[1:]))
	L.append("- binaries: %s" % build)
	L.append("- %d SAs / policies per measure; %d snapshot trials, %d "
	    "live trials in memory, %d live trials on the kernel; counters "
	    "read every %d ms over the control socket; whole bench %.0f s" % (
	    n, args.trials, args.live_trials, args.trials, POLL * 1000,
	    elapsed))
	L.append("- ESP SA probe (`ip xfrm state add ... proto esp ...`): %s;"
	    " the kernel measures use policies" % esp)
	L.append("")
	L.append("### Figures\n")
	L.append("Seconds, median (min–max) over the trials.\n")
	L.append("| measure | start → all applied | start → connected | "
	    "connected → first applied | first → last applied | rate, "
	    "per s (N / start → all) | backup CPU s |")
	L.append("|---|---|---|---|---|---|---|")

	def row(name, m, rate=None):
		if m not in res:
			L.append("| %s | not measured | | | | | |" % name)
			return
		sa = col(res, m, "start_to_all")
		rates = col(res, m, "rate") if rate is None else rate
		L.append("| %s | %s | %s | %s | %s | %s | %s |" % (name,
		    spread(sa), spread(col(res, m, "start_to_conn")),
		    spread(col(res, m, "conn_to_first")),
		    spread(col(res, m, "first_to_last")),
		    spread(rates, 0), spread(col(res, m, "cpu_s"), 2)))
	snap_rate = lambda m: [n / x for x in col(res, m, "start_to_all")
	    if x]
	row("in-memory snapshot, %d SAs" % n, "mem snapshot",
	    snap_rate("mem snapshot"))
	row("in-memory live, %d SAs" % n, "mem live")
	row("kernel snapshot, %d policies" % n, "xfrm snapshot",
	    snap_rate("xfrm snapshot"))
	row("kernel live, %d policies (from `ip -batch` start)" % n,
	    "xfrm live")
	if "kernel" in res:
		L.append("| kernel alone: `ip -batch` of the %d policies into "
		    "an empty namespace | %s | | | | %s | |" % (n,
		    spread(col(res, "kernel", "batch")),
		    spread(col(res, "kernel", "rate"), 0)))
	L.append("")
	L.append("### Reading the figures\n")
	kb = med(col(res, "kernel", "batch"))
	if "mem snapshot" in res:
		L.append("- In-memory snapshot: the backup has all %d SAs %.1f s "
		    "after it starts; of that, connected → first SA (the 2 s "
		    "snapshot delay the protocol mandates, plus the master's "
		    "dump) %.2f s, first → last SA %.1f s." % (n,
		    med(col(res, "mem snapshot", "start_to_all")),
		    med(col(res, "mem snapshot", "conn_to_first")) or 0,
		    med(col(res, "mem snapshot", "first_to_last"))))
	if getattr(b, "fill_mem", None) is not None:
		L.append("- The master stored the %d SAs of one `mem sa-add "
		    "count=%d` in %.3f s (no peer connected, nothing sent): "
		    "the in-memory store (hash-indexed) is not what the "
		    "snapshot figures measure." % (n, n, b.fill_mem))
	if "mem live" in res:
		L.append("- In-memory live: %.0f SAs/s from the ctl call's "
		    "start (%.1f s), of which the master's ctl call (storing) "
		    "%.1f s; the backup finished %.1f s after the call "
		    "returned (the master's event loop sends only once the "
		    "call is over)." % (med(col(res, "mem live", "rate")),
		    med(col(res, "mem live", "start_to_all")),
		    med(col(res, "mem live", "ctl_call")),
		    med(col(res, "mem live", "ctl_end_to_all"))))
	if "xfrm snapshot" in res and kb:
		fl = med(col(res, "xfrm snapshot", "first_to_last"))
		sa = med(col(res, "xfrm snapshot", "start_to_all"))
		L.append("- Kernel snapshot: %d policies on the backup %.2f s "
		    "after it starts, first → last %.3f s; the kernel alone "
		    "takes %.3f s (`ip -batch`).  Ratio sasyncd / kernel "
		    "(rates): %.2f for the apply phase (first → last), %.2f "
		    "with the start-up and the 2 s delay." % (n, sa, fl, kb,
		    kb / fl if fl else 0, kb / sa if sa else 0))
	if "xfrm live" in res and kb:
		sa = med(col(res, "xfrm live", "start_to_all"))
		L.append("- Kernel live: the backup held all %d policies %.3f s "
		    "after the master's `ip -batch` started (%.0f policies/s); "
		    "that `ip -batch` itself ran %.3f s (to its exit), and "
		    "the backup's last apply came %+.3f s (median; %+.3f to "
		    "%+.3f) from that exit, so the backup kept pace with the "
		    "master's kernel.  The same `ip -batch` alone takes %.3f "
		    "s: ratio sasyncd / kernel %.2f.  The master's `ip "
		    "-batch` is the source and shares the %d CPUs with both "
		    "daemons, so this rate is bounded by the source, not by "
		    "sasyncd." % (n, sa, n / sa,
		    med(col(res, "xfrm live", "batch")),
		    med(col(res, "xfrm live", "batch_end_to_all")),
		    min(col(res, "xfrm live", "batch_end_to_all")),
		    max(col(res, "xfrm live", "batch_end_to_all")), kb,
		    kb / sa, os.cpu_count() or 0))
	kc = [r.get("kernel_count") for m in ("xfrm snapshot", "xfrm live")
	    for r in res.get(m, [])]
	if kc:
		L.append("- The backup's `ip xfrm policy count` after each "
		    "kernel trial: %s (expected %d)." % (", ".join(str(x)
		    for x in kc), n))
	for tag, attr in (("master", "xfrm_master"), ("backup",
	    "xfrm_backup")):
		c = getattr(b, attr, None)
		if c:
			L.append("- Kernel %s counters at the end: events %d, "
			    "events_lost %d, apply_errors %d, slow_peer %d." % (
			    tag, c["events"], c["events_lost"],
			    c["apply_errors"], c["slow_peer"]))
	L.append("- strongSwan's HA plugin is not compared: it installs "
	    "ESP CHILD_SAs (this kernel has no ESP: the probe above), its "
	    "package is not installed, and its active/active mode needs "
	    "ClusterIP, absent here (gone from mainline after 6.1):")
	for s in ss:
		L.append("  - %s" % s)
	if b.notes:
		L.append("- Notes: %s." % "; ".join(b.notes))
	L.append("")
	L.append(METHOD)
	return "\n".join(L)


METHOD = """How it is measured:

- Namespaces master (192.0.2.1) and backup (192.0.2.2) on one veth;
  sasyncd in each with `mode master` / `mode slave` (locked: no carpd),
  the shared key of the lab tests, flushmode startup (the default).
- Times are the bench's monotonic clock: "start" is just before the
  backup's sasyncd is spawned; "connected" is the stamp of its
  "connected (outgoing|incoming)" log line; "first applied" and "all
  applied" are the first counter reads (applied_sas / applied_policies,
  `show` over the control socket every 5 ms) above 0 and at N.  A
  policy is counted after the kernel acknowledged it.
- Snapshot trials restart the backup each time (an empty store; for the
  kernel its SPD is flushed first); the master keeps its N entries.
  Live trials keep the pair connected; before each one the master's
  store is flushed and the flush reaches the backup.
- Backup CPU s: the backup sasyncd's schedstat run time at the end of
  a snapshot trial (its whole life).
"""


def main():
	ap = argparse.ArgumentParser(description=__doc__,
	    formatter_class=argparse.RawDescriptionHelpFormatter)
	ap.add_argument("--count", type=int, default=10000,
	    help="SAs / policies per measure (default 10000)")
	ap.add_argument("--trials", type=int, default=5,
	    help="snapshot trials, and kernel live trials (default 5)")
	ap.add_argument("--live-trials", type=int, default=2,
	    help="in-memory live trials (default 2: about 45 s each)")
	ap.add_argument("--bound", type=int, default=90,
	    help="seconds one trial may take (default 90)")
	ap.add_argument("--parts", default="mem,xfrm,kernel")
	ap.add_argument("--sasyncd", metavar="PATH",
	    help="use this binary instead of a release build")
	ap.add_argument("--sasyncctl", metavar="PATH")
	ap.add_argument("--logs", metavar="DIR",
	    help="keep configs and logs under DIR")
	ap.add_argument("--no-write", action="store_true",
	    help="print the section only, leave RESULTS.md alone")
	args = ap.parse_args()
	if os.geteuid() != 0:
		sys.exit("sa_sync: must run as root")
	if not 1 <= args.count <= 60000 or not 1 <= args.trials <= 10 or \
	    not 0 <= args.live_trials <= 10 or not 5 <= args.bound <= 600:
		sys.exit("sa_sync: count 1-60000, trials 1-10, live-trials "
		    "0-10, bound 5-600")
	parts = [p for p in args.parts.split(",") if p]
	for p in parts:
		if p not in ("mem", "xfrm", "kernel"):
			sys.exit("sa_sync: unknown part %s" % p)
	if args.logs:
		os.makedirs(args.logs, exist_ok=True)

	start = time.monotonic()
	load0 = netlab.loadavg()
	tmp = tempfile.mkdtemp(prefix="sa_sync-build-")
	try:
		if args.sasyncd:
			sasyncd = args.sasyncd
			sasyncctl = args.sasyncctl or os.path.join(REPO,
			    "sasyncctl", "sasyncctl")
			asan = "asan" in netlab.run(["sh", "-c", "nm -D %s | "
			    "grep -m1 __asan_init || true" % sasyncd]).stdout
			build = "`%s` as given (%s)" % (sasyncd,
			    "an ASan build" if asan else "no ASan symbols")
		else:
			log("building a release sasyncd into %s" % tmp)
			sasyncd, sasyncctl, warns = build_release(tmp)
			build = ("release build of the tree's sources made by the "
			    "bench in a temporary directory (cc -O2 "
			    "-fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIE, "
			    "the Makefile's warnings without -Werror; %d compiler "
			    "warnings%s)" % (len(warns), (": " + "; ".join(
			    re.sub(r"^.*?(\w+\.c:\d+):\d+: warning: ", r"\1: ",
			    w) for w in warns[:4])) if warns else ""))

		netlab.install_cleanup()
		netlab.cleanup_stale("hksa")
		b = Bench(args, sasyncd, sasyncctl)
		ss = strongswan_check()
		esp = "?"
		try:
			b.build()
			esp = esp_probe(b.k)
			for part, fn in (("kernel", b.run_kernel),
			    ("xfrm", b.run_xfrm), ("mem", b.run_mem)):
				if part not in parts:
					continue
				log("%s" % part)
				try:
					fn()
				except (LabError, OSError,
				    subprocess.SubprocessError) as e:
					b.notes.append("%s aborted: %s" % (part, e))
					log("  %s aborted: %s" % (part, e))
		finally:
			b.lab.teardown()
	finally:
		subprocess.run(["rm", "-rf", tmp])
	elapsed = time.monotonic() - start
	section = report(b, args, build, elapsed, load0, ss, esp)
	print()
	print(section)
	if not args.no_write:
		netlab.write_results(RESULTS, BEGIN, END, section)
		log("wrote %s" % RESULTS)


if __name__ == "__main__":
	main()
