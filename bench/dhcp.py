#!/usr/bin/python3
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The hakit Authors
"""
DHCP benchmark: hakit's dhcpd (with and without lease sync) against Kea
(memfile), driven by perfdhcp, in one run.

Each setting gets its own topology, built afresh (namespaces):

	client eth0 192.0.2.2/24 ------ server eth0 192.0.2.1/24
	  (perfdhcp)                      (kea-dhcp4 or dhcpd)
	                                server sy0 203.0.113.1/30 ----+
	                                                              |
	                       peer sy0 203.0.113.2/30 ---------------+
	                       peer lan0 192.0.2.1/24 (its served
	                            subnet, on a veth pair of its own)

Pool 192.0.2.10 - 192.0.2.250, lease time 600 s, on both servers.

Settings:
  kea              kea-dhcp4, memfile (persist true, lfc-interval 0,
		   no fsync), single-threaded, INFO log to a file
  hakit            dhcpd, no sync
  hakit-sync       dhcpd -Y 203.0.113.2, the peer dhcpd -y 203.0.113.2
  hakit-disk       as hakit, lease files on /var/tmp (a real disk)
  hakit-sync-disk  as hakit-sync, both lease files on /var/tmp
The first three keep every file (lease files, logs) on tmpfs (/dev/shm).

For each rate of the ladder: `perfdhcp -4 -l eth0 -B -R 200 -r RATE -p
10` in the client (no -r: unthrottled), after a warm-up run.  Figures:
achieved 4-way exchanges/s, DISCOVER and REQUEST drops, avg/max delay,
the daemon's CPU; for dhcpd the fsyncs per ACK (group commit) from its
control socket; with sync, the peer's backlog and lag (its counters
polled every 10 ms) and whether it holds the server's leases.

The first dhcpd setting starts with an empty lease file and checks two
things that shape the others: whether dhcpd takes frames with a partial
UDP checksum (else the client's TX offload is turned off), and how fast
new clients get addresses while dhcpd pings (if slowly, every dhcpd
starts with a lease file holding perfdhcp's 200 clients).

Run as root: /usr/bin/python3 bench/dhcp.py  (or: make bench); options:
--rates, --period, --settings, --dhcpd (another binary), --logs DIR,
--no-write.  About 7 minutes; --budget bounds it (570 s).
"""

import argparse
import calendar
import ctypes
import datetime
import fcntl
import json
import math
import os
import platform
import re
import shutil
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import textwrap
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.dont_write_bytecode = True	# nothing written into the tree
sys.path.insert(0, HERE)

import netlab			# noqa: E402
from netlab import LabError	# noqa: E402

DHCPD = os.path.join(REPO, "dhcpd", "dhcpd")
DHCPCTL = os.path.join(REPO, "dhcpctl", "dhcpctl")
KEA = "/usr/sbin/kea-dhcp4"
PERFDHCP = "/usr/sbin/perfdhcp"
RESULTS = os.path.join(HERE, "RESULTS.md")

TMPFS = "/dev/shm"
DISK = "/var/tmp"

SERVER = "192.0.2.1"
CLIENT = "192.0.2.2"
SY_SERVER = "203.0.113.1"
SY_PEER = "203.0.113.2"
POOL = ("192.0.2.10", "192.0.2.250")
POOL_SIZE = 241
LEASE_TIME = 600
CLIENTS = 200			# perfdhcp -R
IFNAME = "eth0"

RATES = (1000, 2000, 4000, 8000, 10000, 12000, 16000, 20000, 0)
SETTINGS = ("kea", "hakit", "hakit-sync", "hakit-disk", "hakit-sync-disk")
LABELS = {
	"kea": "Kea memfile",
	"hakit": "dhcpd",
	"hakit-sync": "dhcpd + sync",
	"hakit-disk": "dhcpd, disk",
	"hakit-sync-disk": "dhcpd + sync, disk",
}
KEA_QUOTED = 8000		# the spec's baseline
TARGET = 1.5			# hakit with sync >= 1.5 x Kea
LOSS_OK = 0.01			# % of drops that still count as no loss
STOP_LOSS = 1.0			# two steps in a row over it end the ladder

# Bounds (seconds).
READY_BOUND = 15		# a daemon to start and answer
PERF_SLACK = 20			# perfdhcp past its -p period
DRAIN_BOUND = 10		# the peer to catch up after a run
STABLE = 0.2			# counters unchanged this long = settled
SETTLED = 1.0			# ... and this long if they do not match
POLL = 0.01			# sync counters, during and after a run
WARMUP_TRIES = 4		# warm-up runs until one has no drop
BUDGET = 570			# the whole bench

BEGIN = "<!-- dhcp: begin -->"
END = "<!-- dhcp: end -->"


def log(msg):
	print(msg, flush=True)


def mono():
	return time.monotonic()


def fstype(path):
	"""The file system holding path: `stat -f` names ext4 "ext2/ext3",
	so findmnt's type is preferred."""
	try:
		r = netlab.run(["findmnt", "-n", "-o", "FSTYPE", "-T", path],
		    check=False)
		t = r.stdout.split()
		if r.returncode == 0 and t:
			return t[0]
	except (OSError, subprocess.SubprocessError):
		pass
	r = netlab.run(["stat", "-f", "-c", "%T", path], check=False)
	return r.stdout.strip() or "?"


def fsdesc(path):
	"""'tmpfs' or 'ext4 on /dev/vda' (real disk or not)."""
	t = fstype(path)
	try:
		r = netlab.run(["findmnt", "-n", "-o", "SOURCE", "-T", path],
		    check=False)
		src = r.stdout.split()
	except (OSError, subprocess.SubprocessError):
		src = []
	if src and src[0].startswith("/dev/"):
		return "%s on %s" % (t, src[0])
	return t


# --- Processes with their output in a file ------------------------------

class FileProc:
	"""
	A process in a namespace whose output goes straight to a file:
	dhcpd logs a line per reply and Kea two, tens of thousands a
	second, which a Python reader thread would pay for in CPU the
	daemons share.  Registered with the lab, so teardown stops it by
	pid like netlab.Proc.
	"""

	def __init__(self, ns, cmd, log, env=None):
		self.ns = ns
		self.argv = ns.argv(cmd)
		self.log = log
		e = dict(os.environ)
		if env:
			e.update(env)
		with open(log, "ab") as lf:
			self.popen = subprocess.Popen(self.argv,
			    stdin=subprocess.DEVNULL, stdout=lf,
			    stderr=subprocess.STDOUT, env=e,
			    start_new_session=True)
		self.pid = self.popen.pid
		ns.lab.procs.append(self)

	def __repr__(self):
		return "<FileProc %d %s in %s>" % (self.pid,
		    os.path.basename(self.argv[4]), self.ns.name)

	def alive(self):
		return self.popen.poll() is None

	def wait(self, timeout):
		try:
			return self.popen.wait(timeout=timeout)
		except subprocess.TimeoutExpired:
			return None

	def stop(self, timeout=netlab.STOP_TIMEOUT):
		if self.popen.poll() is None:
			self.popen.terminate()
			if self.wait(timeout) is None:
				self.kill_group()
		self.kill_group()
		return self.popen.returncode

	def kill_group(self):
		try:
			os.killpg(self.pid, 9)
		except (ProcessLookupError, PermissionError):
			pass
		self.wait(netlab.STOP_TIMEOUT)

	def text(self):
		try:
			with open(self.log, "rb") as f:
				return f.read().decode(errors="replace")
		except OSError:
			return ""

	def tail(self, n=5, rx=None):
		"""The last n lines (matching rx), read from the file's end."""
		try:
			with open(self.log, "rb") as f:
				f.seek(0, 2)
				size = f.tell()
				f.seek(max(0, size - (1 << 20)))
				lines = f.read().decode(
				    errors="replace").splitlines()
		except OSError:
			return []
		if rx is not None:
			lines = [l for l in lines if re.search(rx, l)]
		return lines[-n:]


# --- dhcpd's control socket ----------------------------------------------

class Ctl:
	"""
	The JSON line protocol dhcpctl speaks (lib/ctl.h), on one
	connection kept open: `dhcpctl -s SOCK show -j` prints the same
	object, but a fork per 10 ms poll would cost the CPUs the
	daemons run on.
	"""

	def __init__(self, path):
		self.path = path
		self.s = None
		self.buf = b""

	def close(self):
		if self.s is not None:
			self.s.close()
			self.s = None
		self.buf = b""

	def call(self, cmd, timeout=3):
		try:
			if self.s is None:
				self.s = socket.socket(socket.AF_UNIX,
				    socket.SOCK_STREAM)
				self.s.settimeout(timeout)
				self.s.connect(self.path)
			self.s.sendall(json.dumps({"cmd": cmd}).encode() +
			    b"\n")
			deadline = mono() + timeout
			while mono() < deadline:
				while b"\n" in self.buf:
					line, self.buf = self.buf.split(b"\n",
					    1)
					r = json.loads(line)
					if "event" in r:
						continue
					if not r.get("ok"):
						raise LabError("%s: %s" % (cmd,
						    r.get("error")))
					return r
				b = self.s.recv(1 << 20)
				if not b:
					raise LabError("control socket closed")
				self.buf += b
			raise LabError("control socket: no reply in %d s" %
			    timeout)
		except (OSError, ValueError) as e:
			self.close()
			raise LabError("control socket %s: %s" % (self.path, e))

	def show(self):
		return self.call("show")

	def leases(self):
		return self.call("leases")["leases"]


def sync_done(show):
	"""Leases the peer has merged: every outcome of a received one."""
	s = show["sync"]
	return sum(s.get(k, 0) for k in ("superseded", "equal",
	    "ours_newer", "conflict", "dangling"))


# --- perfdhcp ------------------------------------------------------------

def perf_argv(rate, period):
	cmd = [PERFDHCP, "-4", "-l", IFNAME, "-B", "-R", CLIENTS]
	if rate:
		cmd += ["-r", rate]
	return cmd + ["-p", period]


def perf_cmd(rate="RATE", period=10):
	return " ".join(str(c) for c in perf_argv(rate, period))


def parse_perf(text):
	"""perfdhcp's final report: {rate, do: {...}, ra: {...}}."""
	r = {}
	m = re.search(r"Rate:\s*([0-9.]+)\s+4-way exchanges/second", text)
	if m is None:
		m = re.search(r"Rate:\s*([0-9.]+)", text)
	if m is None:
		raise LabError("perfdhcp: no rate in its report: %s" %
		    " | ".join(text.strip().splitlines()[-5:]))
	r["rate"] = float(m.group(1))
	for key, title in (("do", "DISCOVER-OFFER"), ("ra", "REQUEST-ACK")):
		m = re.search(r"\*\*\*Statistics for: %s\*\*\*(.*?)"
		    r"(?:\*\*\*|\Z)" % title, text, re.S)
		if m is None:
			raise LabError("perfdhcp: no %s statistics" % title)
		sec = m.group(1)
		d = {}
		for name, rx in (("sent", r"sent packets:\s*(\d+)"),
		    ("received", r"received packets:\s*(\d+)"),
		    ("drops", r"drops:\s*(\d+)"),
		    ("orphans", r"orphans:\s*(\d+)"),
		    ("min", r"min delay:\s*([0-9.]+) ms"),
		    ("avg", r"avg delay:\s*([0-9.]+) ms"),
		    ("max", r"max delay:\s*([0-9.]+) ms")):
			mm = re.search(rx, sec)
			d[name] = float(mm.group(1)) if mm else None
		sent = d["sent"] or 0
		d["pct"] = 100.0 * (d["drops"] or 0) / sent if sent else \
		    (100.0 if key == "do" else 0.0)
		r[key] = d
	return r


# --- One topology, one setting ---------------------------------------------

class Bench:
	seq = 0

	def __init__(self, setting, args, deadline):
		self.setting = setting
		self.args = args
		self.deadline = deadline
		self.kea = setting == "kea"
		self.sync = "sync" in setting
		self.disk = setting.endswith("disk")
		Bench.seq += 1
		self.dir = tempfile.mkdtemp(prefix="hkd-", dir=args.tmpfs)
		self.lab = netlab.Lab("hkd", workdir=self.dir)
		self.ddir = None
		if self.disk:
			self.ddir = tempfile.mkdtemp(prefix="hkd-",
			    dir=args.disk_dir)
		self.ctl = self.pctl = None
		self.srv = self.peer_proc = None
		self.rungs = []
		self.warm = []
		self.notes = []
		self.errors = []
		self.filecheck = None
		self.csum = None
		self.newcl = None

	def leasedir(self):
		return self.ddir if self.disk else self.dir

	# Topology

	def build(self):
		lab = self.lab
		self.client = netlab.Ns(lab, "client")
		self.server = netlab.Ns(lab, "server")
		hosts = [self.client, self.server]
		if self.sync:
			self.peer = netlab.Ns(lab, "peer")
			hosts.append(self.peer)
		for h in hosts:
			h.sysctl("net.ipv6.conf.all.disable_ipv6", 1)
			h.sysctl("net.ipv6.conf.default.disable_ipv6", 1)
		netlab.veth(self.client, IFNAME, self.server, IFNAME)
		self.client.run(["ip", "addr", "add", CLIENT + "/24", "dev",
		    IFNAME])
		self.server.run(["ip", "addr", "add", SERVER + "/24", "dev",
		    IFNAME])
		if self.sync:
			netlab.veth(self.server, "sy0", self.peer, "sy0")
			self.server.run(["ip", "addr", "add", SY_SERVER + "/30",
			    "dev", "sy0"])
			self.peer.run(["ip", "addr", "add", SY_PEER + "/30",
			    "dev", "sy0"])
			# The peer's served interface: a veth pair of its
			# own (this kernel has no dummy driver).
			self.peer.run("ip link add lan0 type veth peer name "
			    "lan1")
			self.peer.run(["ip", "addr", "add", SERVER + "/24",
			    "dev", "lan0"])
			self.peer.run("ip link set lan1 up")
			self.peer.run("ip link set lan0 up")
			netlab.wait_until(lambda: self.server.run(["ping",
			    "-c", "1", "-W", "1", SY_PEER],
			    check=False).returncode == 0, 5,
			    desc="the peer to answer on the sync link")
		netlab.wait_until(lambda: self.client.run(["ping", "-c", "1",
		    "-W", "1", SERVER], check=False).returncode == 0, 5,
		    desc="the server to answer the client")

	# Daemons

	def start(self):
		if self.kea:
			self.start_kea()
		else:
			self.start_dhcpd()

	def start_kea(self):
		d = self.dir
		conf = {"Dhcp4": {
			"interfaces-config": {"interfaces": [IFNAME],
			    "dhcp-socket-type": "raw"},
			"lease-database": {"type": "memfile", "persist": True,
			    "name": os.path.join(d, "kea-leases4.csv"),
			    "lfc-interval": 0},
			"multi-threading": {"enable-multi-threading": False},
			"valid-lifetime": LEASE_TIME,
			"subnet4": [{"id": 1, "subnet": "192.0.2.0/24",
			    "pools": [{"pool": "%s - %s" % POOL}]}],
			"loggers": [{"name": "kea-dhcp4", "severity": "INFO",
			    "output_options": [{"output": os.path.join(d,
			    "kea.log")}]}],
		}}
		cf = self.lab.write("kea-dhcp4.conf", json.dumps(conf,
		    indent=2) + "\n")
		netlab.run([KEA, "-t", cf], timeout=20)
		self.srv = FileProc(self.server, [KEA, "-c", cf],
		    self.lab.path("kea-stdout.log"), env={
		    "KEA_PIDFILE_DIR": d, "KEA_LOCKFILE_DIR": d})
		klog = self.lab.path("kea.log")

		def ready():
			if not self.srv.alive():
				self.dead(self.srv)
			with open(klog) as f:
				return "DHCP4_STARTED" in f.read()
		netlab.wait_until(ready, READY_BOUND, interval=0.05,
		    desc="kea-dhcp4 to start")

	def dhcpd_conf(self, name):
		return self.lab.write("%s-dhcpd.conf" % name,
		    "# dhcp bench: %s\n"
		    "subnet 192.0.2.0 netmask 255.255.255.0 {\n"
		    "\trange %s %s;\n"
		    "\tdefault-lease-time %d;\n"
		    "\tmax-lease-time %d;\n"
		    "}\n" % ((name,) + POOL + (LEASE_TIME, LEASE_TIME)))

	def spawn_dhcpd(self, ns, name, ifname, sync_args):
		cf = self.dhcpd_conf(name)
		sock = self.lab.path("%s.sock" % name)
		lf = os.path.join(self.leasedir(), "%s.leases" % name)
		with open(lf, "w") as f:
			if self.args.seed:
				f.write(seed_leases(time.time()))
		argv = [self.args.dhcpd, "-d", "-c", cf, "-s", sock, "-l", lf,
		    "-k", self.keyfile] + sync_args + [ifname]
		p = FileProc(ns, argv, self.lab.path("%s-dhcpd.log" % name))
		p.sock = sock
		p.leasefile = lf
		return p

	def start_dhcpd(self):
		self.keyfile = self.lab.path("dhcpd.key")
		fd = os.open(self.keyfile, os.O_WRONLY | os.O_CREAT |
		    os.O_TRUNC, 0o600)
		with os.fdopen(fd, "wb") as f:
			f.write(os.urandom(2048))
		os.chmod(self.keyfile, 0o600)
		if self.sync:
			self.start_peer()
		self.start_server()
		if self.sync:
			sy = self.ctl.show()["sync"]
			if not sy.get("send"):
				raise LabError("server: sync not sending: %s" %
				    json.dumps(sy))
		# dhcpctl itself, once: the tool the figures could be
		# read with answers too.
		r = netlab.run([DHCPCTL, "-s", self.srv.sock, "show", "-j"],
		    check=False)
		try:
			json.loads(r.stdout)["stats"]["ack"]
		except (ValueError, KeyError, TypeError):
			self.notes.append("`dhcpctl -s SOCK show -j` gave no "
			    "stats.ack (exit %d: %s)" % (r.returncode,
			    (r.stderr or r.stdout).strip()[:120]))

	def start_peer(self):
		self.peer_proc = self.spawn_dhcpd(self.peer, "peer", "lan0",
		    ["-y", SY_PEER])
		self.pctl = Ctl(self.peer_proc.sock)
		self.wait_ready(self.peer_proc, self.pctl)

	def start_server(self):
		self.srv = self.spawn_dhcpd(self.server, "server", IFNAME,
		    ["-Y", SY_PEER] if self.sync else [])
		self.ctl = Ctl(self.srv.sock)
		self.wait_ready(self.srv, self.ctl)

	def wait_ready(self, p, c):
		def ready():
			if not p.alive():
				self.dead(p)
			return bool(c.show().get("interfaces"))
		netlab.wait_until(ready, READY_BOUND, interval=0.05,
		    desc="%r to answer" % p)

	def dead(self, p):
		raise LabError("%r exited (%s): %s" % (p, p.popen.returncode,
		    " | ".join(p.tail(5))))

	def check_alive(self):
		for p in (self.srv, self.peer_proc):
			if p is not None and not p.alive():
				self.dead(p)

	# One perfdhcp run

	def perf(self, rate, period, tag):
		out = self.lab.path("perfdhcp-%s.out" % tag)
		s0 = self.ctl.show() if self.ctl else None
		p0 = self.pctl.show() if self.pctl else None
		cpu0 = netlab.cpu_seconds(self.srv.pid)
		pcpu0 = netlab.cpu_seconds(self.peer_proc.pid) if \
		    self.peer_proc else None
		udp0 = udp_errors(self.peer) if self.sync else None
		t0 = mono()
		pd = FileProc(self.client, perf_argv(rate, period), out)
		samples = []		# (t, server sent, peer merged)
		deadline = t0 + period + PERF_SLACK
		while pd.alive() and mono() < deadline:
			if self.sync:
				t = mono()
				a = self.ctl.show()["sync"]["sent"]
				b = sync_done(self.pctl.show())
				samples.append((t, a - s0["sync"]["sent"],
				    b - sync_done(p0)))
				time.sleep(max(0.0, t + POLL - mono()))
			else:
				time.sleep(0.05)
		t1 = mono()
		if pd.alive():
			pd.stop()
			raise LabError("perfdhcp still running after %d s" %
			    (period + PERF_SLACK))
		self.check_alive()
		r = parse_perf(pd.text())
		r["offered"] = rate
		r["secs"] = t1 - t0
		r["exit"] = pd.popen.returncode
		if self.sync:
			r.update(self.drain(s0, p0, samples, t1))
			udp1 = udp_errors(self.peer)
			r["peer_rcvbuf"] = udp1[0] - udp0[0]
			r["peer_inerr"] = udp1[1] - udp0[1]
			r["sync_sendfail"] = self.ctl.show()["sync"].get(
			    "send_failed", 0) - s0["sync"].get("send_failed", 0)
		cpu1 = netlab.cpu_seconds(self.srv.pid)
		r["cpu"] = cpu_used(cpu0, cpu1)
		if pcpu0 is not None:
			r["pcpu"] = cpu_used(pcpu0, netlab.cpu_seconds(
			    self.peer_proc.pid))
		if self.ctl:
			s1 = self.ctl.show()
			st0, st1 = s0["stats"], s1["stats"]
			r["acks"] = st1["ack"] - st0["ack"]
			r["fsync"] = st1["fsync"] - st0["fsync"]
			r["file_errors"] = st1.get("file_errors", 0) - \
			    st0.get("file_errors", 0)
			r["send_failed"] = st1.get("send_failed", 0) - \
			    st0.get("send_failed", 0)
			r["probes"] = st1.get("probes", 0) - \
			    st0.get("probes", 0)
		return r

	def drain(self, s0, p0, samples, t_end):
		"""
		After perfdhcp exited: polls until the peer has merged every
		datagram the server sent and neither count moved for STABLE
		seconds (bounded).  From the run's samples, the backlog (sent
		but not yet merged) and the lag: for each sample, the time
		until the peer's count reached the server's.
		"""
		base_a = s0["sync"]["sent"]
		base_b = sync_done(p0)
		last = None
		last_change = mono()
		matched = None
		deadline = mono() + DRAIN_BOUND
		while mono() < deadline:
			t = mono()
			a = self.ctl.show()["sync"]["sent"] - base_a
			b = sync_done(self.pctl.show()) - base_b
			samples.append((t, a, b))
			if (a, b) != last:
				last = (a, b)
				last_change = t
			if b >= a and matched is None:
				matched = t
			elif b < a:
				matched = None
			if matched is not None and t - last_change >= STABLE:
				break
			if matched is None and t - last_change >= SETTLED:
				break		# datagrams lost: no more coming
			time.sleep(max(0.0, t + POLL - mono()))
		a, b = last
		r = {"sync_sent": a, "sync_merged": b,
		    "drain": (matched - t_end) * 1000 if matched is not None
		    and b >= a else None,
		    "sync_lost": max(0, a - b)}
		backlog = [x - y for _, x, y in samples]
		r["backlog_max"] = max(backlog) if backlog else 0
		lags = []
		j = 0
		for i, (t, x, _) in enumerate(samples):
			if i and x == samples[i - 1][1]:
				continue	# nothing new sent
			j = max(j, i)
			while j < len(samples) and samples[j][2] < x:
				j += 1
			if j == len(samples):
				break
			lags.append((samples[j][0] - t) * 1000)
		if r["sync_lost"]:
			lags = []	# counts offset by the loss: no lag
		r["lag_med"] = statistics.median(lags) if lags else None
		r["lag_max"] = max(lags) if lags else None
		# The leases: does the peer hold what the server holds?
		srv = {l["address"]: l for l in self.ctl.leases()
		    if l["state"] == "active"}
		peer = {l["address"]: l for l in self.pctl.leases()
		    if l["state"] == "active"}
		r["srv_leases"] = len(srv)
		r["peer_leases"] = len(peer)
		r["peer_same"] = sum(1 for a, l in srv.items()
		    if a in peer and peer[a]["ends_epoch"] == l["ends_epoch"]
		    and peer[a]["hardware"] == l["hardware"])
		return r

	def warmup(self, period):
		"""
		dhcpd pings an address untouched for 60 s before offering it
		and waits 1 s: the first exchange of each of the 200 clients
		is that slow.  Warm-up runs until one has no drop (bounded);
		Kea gets the same runs.
		"""
		for i in range(WARMUP_TRIES):
			r = self.perf(1000, period, "warmup%d" % i)
			self.warm.append(r)
			log("    warm-up %d: %s" % (i + 1, rung_text(r)))
			if r["do"]["drops"] == 0 and r["ra"]["drops"] == 0:
				return
		self.notes.append("warm-up: drops in each of %d runs" %
		    WARMUP_TRIES)

	def ladder(self, rates):
		"""
		The rates in order.  The throttled ones stop after a step
		achieving under 80 % of its rate or after two steps in a row
		losing more than STOP_LOSS %: higher steps add nothing to the
		figures and the unthrottled run shows the ceiling.
		"""
		period = self.args.period
		saturated = False
		lossy = 0
		for rate in rates:
			if saturated and rate:
				self.rungs.append({"offered": rate,
				    "skipped": "saturated"})
				continue
			if mono() + period + 8 > self.deadline:
				self.rungs.append({"offered": rate,
				    "skipped": "time budget"})
				self.notes.append("rate %s skipped: the "
				    "bench's time budget" % (rate or "max"))
				continue
			r = self.perf(rate, period, str(rate or "max"))
			self.rungs.append(r)
			log("    %s: %s" % (rate or "unthrottled",
			    rung_text(r)))
			lossy = 0 if lossless(r, STOP_LOSS) else lossy + 1
			if rate and (r["rate"] < 0.8 * rate or lossy >= 2):
				saturated = True

	def check_file(self):
		"""Every active lease in dhcpd's memory is in its lease file
		(the last occurrence of its address) with the same ends."""
		mem = {l["address"]: l for l in self.ctl.leases()
		    if l["state"] == "active"}
		with open(self.srv.leasefile) as f:
			disk = parse_leases(f.read())
		same = sum(1 for a, l in mem.items() if a in disk and
		    disk[a] == l["ends_epoch"])
		self.filecheck = (same, len(mem))

	def csum_check(self):
		"""
		With the veth's TX checksum offload on (its default),
		perfdhcp's frames reach the server with a partial UDP
		checksum (CHECKSUM_PARTIAL: the sum of the pseudo-header
		only).  Counts what dhcpd does with them, in 1 s at 100/s.
		"""
		s0 = self.ctl.show()
		r = self.perf(100, 1, "csum")
		s1 = self.ctl.show()
		sent = int(r["do"]["sent"] or 0)
		self.csum = (s1["drops"].get("udpcsum", 0) -
		    s0["drops"].get("udpcsum", 0), sent,
		    s1["stats"]["discover"] - s0["stats"]["discover"])
		log("    TX checksum offload on: %d of %d DISCOVERs dropped "
		    "as bad UDP checksums, %d taken in" % self.csum)

	def newclient_check(self):
		"""
		From an empty lease file: how many of perfdhcp's clients
		hold an address after 3 s at 1000/s (each new address is
		pinged first, 1 s).
		"""
		p0 = self.ctl.show()["stats"].get("probes", 0)
		r = self.perf(1000, 3, "new")
		n = sum(1 for l in self.ctl.leases() if l["state"] in
		    ("active", "offered"))
		probes = self.ctl.show()["stats"].get("probes", 0) - p0
		self.newcl = (n, CLIENTS, r["secs"], probes)
		log("    from an empty lease file: %d of %d clients hold an "
		    "address after %.1f s at 1000/s (%d probes)" % self.newcl)

	def precheck(self):
		"""
		Once per bench, in the first dhcpd setting (it started with
		an empty lease file): the checksum and new-client checks,
		which decide the client's offload and the seeded lease file
		for every dhcpd setting; then the server starts afresh.
		"""
		self.args.precheck = False
		self.csum_check()
		self.args.csum_off = self.csum[0] > 0
		if self.args.csum_off:
			tx_csum_off(self.client, IFNAME)
		self.newclient_check()
		self.args.seed = self.newcl[0] < 0.9 * CLIENTS
		self.srv.stop()
		self.ctl.close()
		if self.sync:
			# The peer learnt the check's leases: it starts afresh
			# too, or it refuses the seeded ones ("conflict").
			self.peer_proc.stop()
			self.pctl.close()
			self.start_peer()
		self.start_server()

	def run(self, rates):
		self.build()
		pre = self.args.precheck and not self.kea
		if pre:
			self.args.seed = False
		self.start()
		self.fs = fstype(self.leasedir())
		if pre:
			self.precheck()
		elif self.args.csum_off and not self.kea:
			# perfdhcp's frames would leave with a partial UDP
			# checksum, which this dhcpd drops (csum_check).
			tx_csum_off(self.client, IFNAME)
		self.warmup(min(3, self.args.period))
		self.ladder(rates)
		if not self.kea:
			self.check_file()
			log("    lease file: %d of %d active leases with the "
			    "same ends" % self.filecheck)
			for p in (self.srv, self.peer_proc):
				odd = unusual_lines(p.log) if p else None
				if not odd:
					continue
				self.notes.append("%s's dhcpd log: %s" % (
				    p.ns.name, "; ".join("%d × \"%s\"" % (n, t)
				    for t, n in odd)))

	def teardown(self):
		for c in (self.ctl, self.pctl):
			if c is not None:
				c.close()
		self.lab.teardown()
		if self.args.logs:
			dst = os.path.join(self.args.logs, "%d-%s" % (Bench.seq,
			    self.setting))
			shutil.copytree(self.dir, dst, dirs_exist_ok=True)
			if self.ddir:
				shutil.copytree(self.ddir, dst,
				    dirs_exist_ok=True)
		shutil.rmtree(self.dir, ignore_errors=True)
		if self.ddir:
			shutil.rmtree(self.ddir, ignore_errors=True)


def perf_macs():
	"""
	The hardware addresses perfdhcp -R N uses: its base MAC
	00:0c:01:02:03:04 plus 0..N-1 (seen in Kea's log: 200 clients,
	00:0c:01:02:03:04 to :cb); its client identifier is 01 + MAC.
	"""
	base = 0x000c01020304
	out = []
	for k in range(CLIENTS):
		v = base + k
		out.append(":".join("%02x" % (v >> s & 0xff) for s in
		    range(40, -8, -8)))
	return out


def seed_leases(now):
	"""
	A lease file (dhcpd.leases(5)) holding a lease for each of
	perfdhcp's clients: see the warm-up in READING.
	"""
	fmt = "%w %Y/%m/%d %H:%M:%S UTC"
	st = time.strftime(fmt, time.gmtime(now))
	en = time.strftime(fmt, time.gmtime(now + LEASE_TIME))
	a = [int(x) for x in POOL[0].split(".")]
	out = ["# dhcp bench: perfdhcp's clients, written before the start\n"]
	for k, mac in enumerate(perf_macs()):
		out.append("lease %d.%d.%d.%d {\n\tstarts %s;\n\tends %s;\n"
		    "\thardware ethernet %s;\n\tuid 01:%s;\n}\n" % (a[0], a[1],
		    a[2], a[3] + k, st, en, mac, mac))
	return "".join(out)


SIOCETHTOOL = 0x8946
ETHTOOL_GTXCSUM = 0x16
ETHTOOL_STXCSUM = 0x17


def ethtool_value(ns, ifname, cmd, data=0):
	"""One struct ethtool_value ioctl on ifname in namespace ns."""
	val = ctypes.create_string_buffer(struct.pack("II", cmd, data), 8)
	ifr = struct.pack("16sP16x", ifname.encode(), ctypes.addressof(val))
	fcntl.ioctl(ns._netns_socket().fileno(), SIOCETHTOOL, ifr)
	return struct.unpack("II", val.raw)[1]


def tx_csum_off(ns, ifname):
	"""`ethtool -K IF tx off`, without ethtool."""
	ethtool_value(ns, ifname, ETHTOOL_STXCSUM, 0)
	if ethtool_value(ns, ifname, ETHTOOL_GTXCSUM) != 0:
		raise LabError("%s: tx checksum offload stays on" % ifname)


ROUTINE = re.compile(r"^(DHCPOFFER|DHCPACK) on |^listening on |^startup: |"
    r"^sync: (not )?listening|^terminating")


def unusual_lines(path, keep=5):
	"""
	The lines of a dhcpd log other than its routine ones (a reply
	each, start, stop), numbers and addresses folded: [(text, count)],
	the most frequent first.
	"""
	seen = {}
	try:
		with open(path, errors="replace") as f:
			for line in f:
				line = line.strip()
				if not line or ROUTINE.search(line):
					continue
				t = re.sub(r"\d+", "N", line)[:160]
				seen[t] = seen.get(t, 0) + 1
	except OSError:
		return []
	return sorted(seen.items(), key=lambda x: -x[1])[:keep]


def udp_errors(ns):
	"""(RcvbufErrors, InErrors) of UDP in namespace ns."""
	text = ns.run(["cat", "/proc/net/snmp"]).stdout
	rows = [l.split() for l in text.splitlines() if l.startswith("Udp:")]
	if len(rows) < 2:
		return (0, 0)
	d = dict(zip(rows[0][1:], rows[1][1:]))
	return (int(d.get("RcvbufErrors", 0)), int(d.get("InErrors", 0)))


def cpu_used(a, b):
	"""CPU seconds between two netlab.cpu_seconds() readings."""
	if a[1] is not None and b[1] is not None:
		return b[1] - a[1]
	return b[0] - a[0]


LEASE_RX = re.compile(r"lease\s+([0-9.]+)\s*\{(.*?)\}", re.S)
ENDS_RX = re.compile(r"ends\s+\d\s+(\d+)/(\d+)/(\d+)\s+(\d+):(\d+):(\d+)")


def parse_leases(text):
	"""{address: ends (epoch)} from a lease file, the last block of an
	address winning (dhcpd.leases(5))."""
	out = {}
	for m in LEASE_RX.finditer(text):
		e = ENDS_RX.search(m.group(2))
		if e is None:
			continue
		out[m.group(1)] = calendar.timegm(tuple(int(x) for x in
		    e.groups()))
	return out


# --- Figures -----------------------------------------------------------------

def pct(v):
	if v is None:
		return "–"
	if v == 0:
		return "0"
	if v < 0.1:
		return "%.3f" % v
	if v < 10:
		return "%.2f" % v
	return "%.0f" % v


def ms(v):
	if v is None:
		return "–"
	if v >= 100:
		return "%.0f" % v
	if v >= 10:
		return "%.1f" % v
	return "%.2f" % v


def rung_text(r):
	t = "%.0f/s (offered %s), drops DISCOVER %s %%, REQUEST %s %%, " \
	    "delay avg %s ms / max %s ms" % (r["rate"], r["offered"] or
	    "max", pct(r["do"]["pct"]), pct(r["ra"]["pct"]),
	    ms(r["ra"]["avg"]), ms(r["ra"]["max"]))
	if "acks" in r and r["acks"]:
		t += ", %.2f fsync/ACK" % (r["fsync"] / r["acks"])
	if "sync_sent" in r:
		t += ", sync %d/%d merged, backlog max %d, drain %s" % (
		    r["sync_merged"], r["sync_sent"], r["backlog_max"],
		    "%s ms" % ms(r["drain"]) if r["drain"] is not None else
		    "never")
		if r["sync_lost"] or r["peer_rcvbuf"] or r["sync_sendfail"]:
			t += " (lost %d: peer UDP rcvbuf errors %d, server " \
			    "send failures %d)" % (r["sync_lost"],
			    r["peer_rcvbuf"], r["sync_sendfail"])
	return t


def cpu_per_k(r):
	"""The server's CPU, ms per 1000 completed exchanges."""
	n = r["ra"]["received"]
	return "%.0f" % (r["cpu"] * 1e6 / n) if n else "–"


def lossless(r, limit):
	"""No drop in either exchange (limit 0), or below limit %."""
	if "skipped" in r:
		return False
	if limit == 0:
		return r["do"]["drops"] == 0 and r["ra"]["drops"] == 0
	return r["do"]["pct"] <= limit and r["ra"]["pct"] <= limit


def best(b, limit):
	"""The run with the highest achieved rate within the loss limit."""
	ok = [r for r in b.rungs if lossless(r, limit)]
	return max(ok, key=lambda r: r["rate"]) if ok else None


def step(r):
	"""The rate a lossless run stands for: its offered rate when it
	achieved it (within 1 %), else (unthrottled) the achieved one."""
	if r["offered"] and r["rate"] >= 0.99 * r["offered"]:
		return float(r["offered"])
	return r["rate"]


def ceiling(b):
	ran = [r for r in b.rungs if "skipped" not in r]
	return max(ran, key=lambda r: r["rate"]) if ran else None


def ratio(a, b):
	if a is None or b is None or not b:
		return "–"
	return "%.2f" % (a / b)


def summary(benches, args):
	out = ["### Against the issue's figures", ""]
	if "ASan" in build_kind(args.dhcpd) and any(not b.kea for b in
	    benches.values()):
		out.append("- The dhcpd measured is an ASan debug build: these "
		    "are not release figures (build with `make`, then run "
		    "this bench).")
	kea = benches.get("kea")
	kb = best(kea, LOSS_OK) if kea else None
	kz = step(kb) if kb else None
	for st in ("hakit-sync", "hakit-sync-disk"):
		b = benches.get(st)
		if b is None:
			continue
		hb = best(b, LOSS_OK)
		h = step(hb) if hb else None
		where = "tmpfs" if st == "hakit-sync" else "disk (%s)" % \
		    getattr(b, "fs", "?")
		if h is None:
			out.append("- dhcpd with sync, lease file on %s: no "
			    "rate without loss." % where)
			continue
		txt = "- dhcpd with sync, lease file on %s: %.0f leases/s " \
		    "without loss (drops ≤ %s %%; achieved %.1f/s)" % (where,
		    h, LOSS_OK, hb["rate"])
		for k, what in ((kz, "Kea measured here"), (KEA_QUOTED,
		    "the quoted Kea")):
			if not k:
				continue
			txt += "; %s %.0f/s: %.2f ×, target ≥ %.1f × = " \
			    "%.0f/s: %s" % (what, k, h / k, TARGET, TARGET * k,
			    "met" if h >= TARGET * k else "MISS")
		out.append(txt + ".")
		fs = [r["fsync"] / r["acks"] for r in b.rungs
		    if r.get("acks")]
		if fs:
			out.append("  fsyncs per ACK: %.3f at the highest "
			    "lossless rate, %.3f to %.3f over the ladder "
			    "(below 1: one fsync covered several ACKs)." % (
			    hb["fsync"] / hb["acks"] if hb.get("acks") else
			    float("nan"), min(fs), max(fs)))
		lost = [(r["offered"], r["sync_lost"], r["peer_rcvbuf"])
		    for r in b.rungs if r.get("sync_lost")]
		out.append("  Sync: %s." % ("every datagram the server sent "
		    "was merged by the peer, at every rate" if not lost else
		    "the peer missed %s" % ", ".join("%d datagrams at %s "
		    "(its UDP receive buffer overflowed %d times)" % (n,
		    "%d/s" % o if o else "the unthrottled rate", e)
		    for o, n, e in lost)))
		if b.filecheck:
			out.append("  Lease file after the ladder: %d of %d "
			    "active leases on file with the same end time." %
			    b.filecheck)
	if kea is not None:
		c = ceiling(kea)
		out.append("- Kea memfile, quoted at about %d/s without loss: "
		    "measured %s/s (drops ≤ %s %%%s), ceiling %s/s." % (
		    KEA_QUOTED, "%.0f" % kz if kz else "none", LOSS_OK,
		    "; achieved %.1f/s" % kb["rate"] if kb else "",
		    "%.0f" % c["rate"] if c else "–"))
	out.append("- Rates here are ladder steps run without loss (the "
	    "offered rate, which the achieved one matches within 1 %; "
	    "unthrottled: the achieved rate), so the true limits lie "
	    "between a step and the next.")
	out.append("")
	return "\n".join(out)


CSUM_DROP = (
    "With the client's TX checksum offload on (a veth's default), dhcpd "
    "dropped %d of %d DISCOVERs as bad UDP checksums (`drops.udpcsum`) "
    "and took in %d (1 s at 100/s): the frames of a sender on the same "
    "host carry a partial checksum, which the kernel flags "
    "(PACKET_AUXDATA, TP_STATUS_CSUMNOTREADY); a client in a container "
    "or a VM on a bridge would get no answer.  Kea answers such frames.  "
    "The bench turned the offload off in the client namespace of every "
    "dhcpd setting (`ethtool -K eth0 tx off`, done with "
    "ETHTOOL_STXCSUM).")
CSUM_OK = (
    "With the client's TX checksum offload on (a veth's default: the "
    "frames carry a partial checksum), dhcpd dropped %d of %d DISCOVERs "
    "as bad UDP checksums and took in %d (its `discover` counter); the "
    "offload stays on in every setting.")
NEWCL = (
    "From an empty lease file, %d of the %d clients held an address "
    "after %.1f s of perfdhcp at 1000/s (%d pings).")
NEWCL_SLOW = (
    "New clients get addresses about one per second while dhcpd pings: "
    "every new client's DISCOVER is given the same free address (the "
    "one with the oldest end), the ping does not reserve it, and the "
    "next client's DISCOVER for that address is taken for a "
    "retransmission of the first and dropped.  OpenBSD records the "
    "offer for its client (ends = now + 120 s) before it pings, so the "
    "next client is given the next address.  Hence the seeded lease "
    "files (see the warm-up above).")
NEWCL_OK = (
    "The lease files start empty and the warm-up runs until a run has "
    "no drop.")


def dhcpd_notes(benches, args):
	"""What the first dhcpd setting's checks found."""
	out = []
	for b in benches.values():
		if b.csum is not None:
			out.append((CSUM_DROP if b.csum[0] else CSUM_OK) %
			    b.csum)
		if b.newcl is not None:
			out.append(NEWCL % b.newcl + "  " + (NEWCL_SLOW if
			    args.seed else NEWCL_OK))
	if not out:
		return ""
	return "\n### dhcpd checks\n\n" + "".join("- %s\n" % wrap(t, 2)
	    for t in out)


def overview(benches, order):
	kea = benches.get("kea")
	kb = best(kea, LOSS_OK) if kea else None
	kz = step(kb) if kb else None
	kc = ceiling(kea) if kea else None
	out = ["| setting | lease file | leases/s, drops ≤ %s %% | leases/s, "
	    "no drop at all | ratio to Kea (≤ %s %%) | ceiling (highest "
	    "achieved) /s | ratio to Kea (ceiling) | avg / max delay at the "
	    "≤ %s %% rate, ms | fsync per ACK there | daemon CPU, ms per "
	    "1000 exchanges there | sync: peer backlog max / drain after the "
	    "run |" % (LOSS_OK, LOSS_OK, LOSS_OK),
	    "|---|---|---|---|---|---|---|---|---|---|---|"]
	for st in order:
		b = benches[st]
		hb = best(b, LOSS_OK)
		h0 = best(b, 0)
		c = ceiling(b)
		cell = lambda r: "%.0f (at %s)" % (r["rate"],	# noqa: E731
		    r["offered"] or "max") if r else "none"
		delay = "%s / %s" % (ms(hb["ra"]["avg"]), ms(max(
		    hb["ra"]["max"] or 0, hb["do"]["max"] or 0))) if hb \
		    else "–"
		fs = "%.3f" % (hb["fsync"] / hb["acks"]) if hb and \
		    hb.get("acks") else "–"
		cpu = cpu_per_k(hb) if hb else "–"
		sy = "–"
		if hb and "sync_sent" in hb:
			sy = "%d / %s" % (hb["backlog_max"], "%s ms" %
			    ms(hb["drain"]) if hb["drain"] is not None else
			    "%d lost" % hb["sync_lost"])
		out.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s "
		    "| %s |" % (LABELS[st], b.fs_label, cell(hb), cell(h0),
		    ratio(step(hb) if hb else None, kz) if st != "kea" else
		    "–", cell(c), ratio(c["rate"] if c else None, kc["rate"]
		    if kc else None) if st != "kea" else "–", delay, fs, cpu,
		    sy))
	return "\n".join(out) + "\n"


def ladder_table(b):
	sync = b.sync
	hk = not b.kea
	head = ["offered /s", "achieved 4-way /s", "DISCOVER drops %",
	    "REQUEST drops %", "DO avg / max ms", "RA avg / max ms",
	    "CPU ms / 1000"]
	if hk:
		head += ["ACKs", "fsync / ACK"]
	if sync:
		head += ["sync sent / merged", "backlog max", "lag med / max "
		    "ms", "drain ms", "peer holds (same ends) / server's "
		    "active"]
	out = ["| " + " | ".join(head) + " |",
	    "|" + "---|" * len(head)]
	for r in b.rungs:
		off = str(r["offered"] or "unthrottled")
		if "skipped" in r:
			out.append("| %s | skipped (%s) |%s" % (off,
			    r["skipped"], " |" * (len(head) - 2)))
			continue
		cpu = cpu_per_k(r)
		row = [off, "%.1f" % r["rate"], pct(r["do"]["pct"]),
		    pct(r["ra"]["pct"]), "%s / %s" % (ms(r["do"]["avg"]),
		    ms(r["do"]["max"])), "%s / %s" % (ms(r["ra"]["avg"]),
		    ms(r["ra"]["max"])), cpu]
		if hk:
			row += [str(r["acks"]), "%.3f" % (r["fsync"] /
			    r["acks"]) if r["acks"] else "–"]
		if sync:
			row += ["%d / %d" % (r["sync_sent"], r["sync_merged"]),
			    str(r["backlog_max"]), "%s / %s" % (
			    ms(r["lag_med"]), ms(r["lag_max"])),
			    ms(r["drain"]) if r["drain"] is
			    not None else "never: %d lost (%d peer rcvbuf "
			    "errors, %d send failures)" % (r["sync_lost"],
			    r["peer_rcvbuf"], r["sync_sendfail"]),
			    "%d (%d) / %d" % (r["peer_leases"], r["peer_same"],
			    r["srv_leases"])]
		out.append("| " + " | ".join(row) + " |")
	w = b.warm
	if w:
		out.append("")
		out.append("Warm-up (1000/s, %d s each, before the ladder): %s."
		    % (round(w[0]["secs"]) if w else 0, "; ".join(
		    "DISCOVER drops %s %%, REQUEST drops %s %%" % (
		    pct(r["do"]["pct"]), pct(r["ra"]["pct"])) +
		    (" (%d probes)" % r["probes"] if r.get("probes") else "")
		    for r in w)))
	return "\n".join(out) + "\n"


def build_kind(path):
	"""'ASan (debug)' when the binary carries AddressSanitizer."""
	try:
		with open(path, "rb") as f:
			data = f.read()
	except OSError:
		return "?"
	if b"__asan_init" in data or b"AddressSanitizer" in data:
		return "ASan debug build"
	return "release build" if b".debug_info" not in data else \
	    "build with debug info"


def header(args, elapsed, load0, fs):
	k = platform.uname()
	py = "/usr/bin/python3 bench/dhcp.py" + "".join(
	    " " + (a if re.match(r"^[\w.,=/-]+$", a) else "'%s'" % a)
	    for a in sys.argv[1:])
	cmd = "`make bench` (runs `%s`)" % py if \
	    os.environ.get("MAKELEVEL") else "`%s`" % py
	return (
	    "## DHCP: dhcpd vs Kea\n\n"
	    "- date: %s\n"
	    "- kernel: %s %s (%s), %d CPUs, load average %s at the start, "
	    "%s at the end (other work shares the machine)\n"
	    "- command: %s, as root\n"
	    "- load: `ip netns exec CLIENT %s` per rate, %d s each, after a "
	    "warm-up\n"
	    "- peers: kea-dhcp4 %s (memfile), perfdhcp %s (Debian "
	    "kea-admin)\n"
	    "- dhcpd: %s (%s)\n"
	    "- lease files: %s; whole bench %.0f s\n" % (
	    datetime.datetime.now().astimezone().strftime(
	    "%Y-%m-%d %H:%M %Z"), k.system, k.release, k.machine,
	    os.cpu_count() or 0, load0, netlab.loadavg(), cmd, perf_cmd(
	    period=args.period), args.period,
	    netlab.version([KEA, "-v"], r"([0-9]+(?:\.[0-9]+)+)"),
	    netlab.version([PERFDHCP, "-v"], r"([0-9]+(?:\.[0-9]+)+)"),
	    os.path.relpath(args.dhcpd, REPO) if args.dhcpd.startswith(
	    REPO) else args.dhcpd, build_kind(args.dhcpd), fs, elapsed))


SEED_TXT = (
    "This dhcpd serves new clients one at a time while it pings (see "
    "the dhcpd checks), so 200 new clients would need about 200 s: each "
    "dhcpd therefore starts with a lease file holding a lease for each "
    "of perfdhcp's 200 clients (MAC 00:0c:01:02:03:04 plus 0 to 199, "
    "client identifier 01 + MAC, 600 s from the start), a server "
    "restarted under its clients, which renew without a ping.  Kea "
    "starts empty (it does not ping).",
    "The lease files start empty, as Kea's.")


READING = """
### Reading the figures

- One exchange is perfdhcp's 4-way DISCOVER-OFFER-REQUEST-ACK.  With
  `-R 200`, 200 clients share the 241-address pool, so after the
  warm-up nearly every exchange renews a lease its client holds: for
  dhcpd one lease appended to the file and fsynced before the ACK
  leaves, and with sync one 100-byte datagram to the peer.  "Without
  loss" is the highest achieved rate whose DISCOVER and REQUEST drops
  are both at most %(loss)s %% (the spec's Kea baseline, 7998.6/s, had
  0.003 %% REQUEST drops; one exchange cut off by perfdhcp's exit is
  0.01 %% of a 10 s run at 1000/s); "no drop at all" asks for none.
  The ladder's steps bound the figure: the true limit lies between the
  last lossless step and the next.
- Group commit: dhcpd appends the leases of one batch of requests (what
  one wake-up reads from the socket) and fsyncs once before their ACKs
  leave; "fsync per ACK" below 1 means one fsync covered several ACKs.
  On tmpfs an fsync costs next to nothing; on the disk runs it is the
  bound.  Kea's memfile appends without fsync.
- Warm-up: dhcpd pings an address untouched for 60 s before offering it
  to a new client and waits 1 s for an answer (perfdhcp's drop time is
  1 s), so the first exchange of each new client is lost.
  %(seed)s
  Every setting, Kea included, runs perfdhcp at 1000/s for 3 s until a
  run has no drop (at most %(warm)d runs) before the ladder; the ladder
  then runs with every client holding a lease.
- Sync lag: the server's and the peer's counters are read every 10 ms
  during the run (sent datagrams; leases the peer superseded, found
  equal, found older, refused or kept dangling).  Backlog = sent but not
  yet merged at a sample; lag = time from a sample until the peer had
  merged as many (10 ms resolution; not given for a run that lost
  datagrams, whose counts never line up again); drain = from perfdhcp's
  exit until the peer had merged all and both counts stood still for
  %(stable)d ms; lost = sent but never merged (the peer namespace's UDP
  RcvbufErrors tell why).  "peer holds" compares the active leases of
  both daemons after the drain (same address, MAC and end time).  Once
  a second, after more than 1000 appends, dhcpd rewrites its file and
  re-sends every lease (the spec's anti-entropy), which the peer finds
  equal.
- Ratios are hakit over Kea measured in the same run on the same
  machine; two CPUs are shared by perfdhcp, the server (and the peer)
  and everything else running.  dhcpd logs every reply (two lines per
  exchange) and Kea at INFO, both to files on tmpfs.
"""


METHOD = """
How it is measured:

- Topology, per setting, built afresh with bench/netlab.py: namespaces
  client (eth0 192.0.2.2/24) and server (eth0 192.0.2.1/24) joined by a
  veth; with sync a peer namespace on a second veth (server sy0
  203.0.113.1/30, peer sy0 203.0.113.2/30) whose dhcpd serves lan0,
  one end of a veth pair of its own, with 192.0.2.1/24 and the same
  range.  IPv6 is off.
  Everything is stopped by pid and the namespaces are deleted at the end
  of each setting, and on error or signal.
- Kea: `kea-dhcp4 -c CONF` with interface eth0 (raw socket), subnet
  192.0.2.0/24, pool 192.0.2.10 - 192.0.2.250, valid-lifetime 600,
  memfile with persist true and lfc-interval 0 in the bench's tmpfs
  directory, multi-threading off, INFO log to a file;
  KEA_PIDFILE_DIR and KEA_LOCKFILE_DIR point at that directory.
- dhcpd: `dhcpd -d -c CONF -s SOCK -l LEASEFILE -k KEYFILE [-Y
  203.0.113.2] eth0`, the peer `dhcpd -d ... -y 203.0.113.2 lan0`;
  CONF is `subnet 192.0.2.0 netmask 255.255.255.0 { range 192.0.2.10
  192.0.2.250; default-lease-time 600; max-lease-time 600; }`; one key
  file of 2048 random bytes (mode 0600) for both.  Counters (ack,
  fsync, sync) are read from the control socket, the JSON `dhcpctl -s
  SOCK show -j` prints, before and after each run.
- Each rate runs
  `%(cmd)s`
  in the client namespace (no `-r`: unthrottled) and the figures are
  perfdhcp's final report: "Rate" (completed 4-way exchanges per
  second), drops and avg/max delay of DISCOVER-OFFER (DO) and
  REQUEST-ACK (RA).  A throttled step that achieves less than 80 %% of
  its rate, or a second step in a row with more than %(stop)s %% drops,
  ends the throttled ladder (higher steps are skipped; the unthrottled
  run still runs).  Where 1.5 × Kea's lossless rate is not a step, it
  is added to dhcpd's ladders.  CPU = the server daemon's schedstat run
  time over the run, per 1000 completed exchanges.
- After the ladder, dhcpd's lease file is read back: every active lease
  in memory must be there (its last block) with the same end time.
"""


def wrap(text, indent):
	"""text as the rest of a bullet: lines of 72, indented."""
	lines = textwrap.wrap(text, 72 - indent)
	return ("\n" + " " * indent).join(lines)


def parse_rates(s):
	out = []
	for x in s.split(","):
		x = x.strip()
		if not x:
			continue
		v = 0 if x in ("0", "max", "unthrottled") else int(x)
		if v < 0 or v > 1000000:
			raise ValueError(x)
		out.append(v)
	thr = sorted(set(v for v in out if v))
	return thr + ([0] if 0 in out else [])


def main():
	ap = argparse.ArgumentParser(description=__doc__,
	    formatter_class=argparse.RawDescriptionHelpFormatter)
	ap.add_argument("--rates", default=",".join(str(r) for r in RATES),
	    help="the ladder, offered exchanges/s; 0 or max = unthrottled")
	ap.add_argument("--period", type=int, default=10,
	    help="perfdhcp -p, seconds per rate (default 10)")
	ap.add_argument("--settings", default=",".join(SETTINGS))
	ap.add_argument("--dhcpd", default=DHCPD,
	    help="the dhcpd binary (default: the tree's)")
	ap.add_argument("--tmpfs", default=TMPFS,
	    help="directory for configs, logs and the tmpfs lease files")
	ap.add_argument("--disk-dir", default=DISK,
	    help="directory for the on-disk lease files")
	ap.add_argument("--budget", type=int, default=BUDGET,
	    help="seconds for the whole bench; rates past it are skipped")
	ap.add_argument("--logs", metavar="DIR",
	    help="copy every setting's configs, logs and lease files to DIR")
	ap.add_argument("--no-write", action="store_true",
	    help="print the section only, leave RESULTS.md alone")
	args = ap.parse_args()
	# Decided by the first dhcpd setting's checks (Bench.precheck).
	args.precheck = True
	args.csum_off = False
	args.seed = True
	if os.geteuid() != 0:
		sys.exit("dhcp: must run as root")
	try:
		rates = parse_rates(args.rates)
	except ValueError as e:
		sys.exit("dhcp: bad rate %s" % e)
	if not rates or not 1 <= args.period <= 60 or \
	    not 30 <= args.budget <= 3600:
		sys.exit("dhcp: need rates, a period of 1-60 s, a budget of "
		    "30-3600 s")
	settings = [s for s in args.settings.split(",") if s]
	for s in settings:
		if s not in SETTINGS:
			sys.exit("dhcp: unknown setting %s" % s)
	settings = [s for s in SETTINGS if s in settings]
	args.dhcpd = os.path.abspath(args.dhcpd)
	need = [PERFDHCP]
	if "kea" in settings:
		need.append(KEA)
	if any(s != "kea" for s in settings):
		need += [args.dhcpd, DHCPCTL]
	for b in need:
		if not os.access(b, os.X_OK):
			sys.exit("dhcp: %s missing (run make, or install "
			    "kea-dhcp4-server / kea-admin)" % b)
	if fstype(args.tmpfs) != "tmpfs":
		log("dhcp: %s is %s, not tmpfs" % (args.tmpfs,
		    fstype(args.tmpfs)))
	dfs = fstype(args.disk_dir)
	if dfs in ("tmpfs", "ramfs"):
		log("dhcp: %s is %s: no real disk, the disk settings are "
		    "skipped" % (args.disk_dir, dfs))
		settings = [s for s in settings if not s.endswith("disk")]
	if args.logs:
		os.makedirs(args.logs, exist_ok=True)

	netlab.install_cleanup()
	netlab.cleanup_stale("hkd")
	start = mono()
	deadline = start + args.budget
	load0 = netlab.loadavg()
	benches = {}
	ran = []
	for st in settings:
		if mono() + 3 * args.period + 15 > deadline:
			log("%s: skipped, the time budget is spent" % st)
			continue
		ladder = list(rates)
		kea = benches.get("kea")
		kb = best(kea, LOSS_OK) if kea else None
		if st != "kea" and kb and kb["offered"]:
			# A step at exactly the target, if the ladder lacks it.
			t = int(math.ceil(TARGET * kb["offered"] / 100.0)) * 100
			if t not in ladder:
				ladder = sorted(set(r for r in ladder if r) |
				    {t}) + ([0] if 0 in ladder else [])
		log("%s:" % st)
		b = Bench(st, args, deadline)
		try:
			b.run(ladder)
		except (LabError, OSError, KeyError, ValueError,
		    subprocess.SubprocessError) as e:
			b.errors.append("aborted: %s" % e)
			log("  aborted: %s" % e)
			for p in b.lab.procs:
				if isinstance(p, FileProc) and \
				    "perfdhcp" not in p.argv[4]:
					log("    %r: %s" % (p, " | ".join(
					    p.tail(4))))
		finally:
			b.fs_label = "%s (%s)" % (getattr(b, "fs", None) or
			    fstype(b.leasedir()), "/var/tmp" if b.disk else
			    args.tmpfs) if not b.kea else "%s (%s)" % (
			    getattr(b, "fs", "?"), args.tmpfs)
			b.teardown()
		benches[st] = b
		ran.append(st)
	elapsed = mono() - start
	fs = "%s is %s, %s is %s" % (args.tmpfs, fsdesc(args.tmpfs),
	    args.disk_dir, fsdesc(args.disk_dir))
	section = header(args, elapsed, load0, fs) + "\n" + \
	    summary(benches, args) + READING % {"loss": LOSS_OK,
	    "stable": STABLE * 1000, "warm": WARMUP_TRIES,
	    "seed": wrap(SEED_TXT[0 if args.seed else 1], 2)} + \
	    dhcpd_notes(benches, args) + "\n### Overview\n\n" + \
	    overview(benches, ran)
	for st in ran:
		b = benches[st]
		section += "\n### %s: lease file on %s\n\n" % (LABELS[st],
		    b.fs_label) + ladder_table(b)
		if b.notes:
			section += "\nNotes: " + "; ".join(b.notes) + ".\n"
		if b.errors:
			section += "\nProblems: " + "; ".join(b.errors) + ".\n"
	section += METHOD % {"cmd": perf_cmd(period=args.period),
	    "stop": STOP_LOSS}
	print()
	print(section)
	if not args.no_write:
		netlab.write_results(RESULTS, BEGIN, END, section)
		log("wrote %s" % RESULTS)


if __name__ == "__main__":
	main()
