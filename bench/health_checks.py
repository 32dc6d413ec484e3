#!/usr/bin/python3
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The hakit Authors
"""
Health check benchmark: relayd's check engine against HAProxy's checks,
same hosts, same interval and fall count, in one run.

Topology (namespaces):

	lb  eth0 192.0.2.254 ------ srv eth0 192.0.2.253 (point to point)
	    routes 198.51.100.0/24,     + M addresses /32 (198.51.100.1-254,
	    203.0.113.0/24 and          203.0.113.1-254, 192.0.2.1-249, in
	    192.0.2.0/24 via srv        that order), port 80 on each

srv runs this script's own server (--serve): one listening socket per
address, every connection accepted and closed; it closes or reopens one
address's listener on command.  The checkers run side by side in lb and
check all M addresses at once:

  relayd        relayd/relayd: interval 1, timeout 500, every host
		`retry 2`, check tcp (a redirect uses the table)
  haproxy       HAProxy, one backend of M servers: check inter 1s fall 3
		rise 1 (mode tcp: a connect check), its other timeouts at
		their defaults (no `timeout check`: a check may last `inter`)
  haproxy-t500  the same with `timeout connect 500ms` and `timeout check
		500ms`, relayd's timeout (shown for reference)

fall 3 in HAProxy = retry 2 in relayd: down at the third failed check.

Figures:
  CPU    over a window of steady checking (every host up), each
	 checker's CPU time (schedstat, all threads) per checks it made
	 (SYNs to port 80 counted by nftables in lb's output hook, per
	 socket owner: relayd's hce runs as _hakit, HAProxy as haproxy and
	 nobody) -> % of one core per 1000 checks/s; relayd's hce, its
	 parent and all its processes apart
  detect one host's failure, per trial, at a random phase of the check
	 cycle: "refused" = its listener closed (connections get a RST),
	 "blackholed" = `drop` of its packets in srv's nftables input hook;
	 event -> each checker marks it down (relayd: `relayctl -j show
	 hosts` polled every 20 ms, or its "state up -> down" log line if
	 earlier; HAProxy: its "Server hc/hN is DOWN" line on stderr, stamped
	 when read).  Then restored, and every checker must see it up again
	 before the next trial.

Run as root: /usr/bin/python3 bench/health_checks.py  (or: make bench)
"""

import argparse
import datetime
import json
import os
import platform
import random
import re
import selectors
import socket
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.dont_write_bytecode = True	# nothing written into the tree
sys.path.insert(0, HERE)

import netlab			# noqa: E402
from netlab import LabError	# noqa: E402

RELAYD = os.path.join(REPO, "relayd", "relayd")
RELAYCTLS = (os.path.join(REPO, "relayctl", "relayctl"),
    os.path.join(REPO, "relayd", "relayctl"))
RESULTS = os.path.join(HERE, "RESULTS.md")

LB = "192.0.2.254"
SRV = "192.0.2.253"
RDR_PORT = 8080		# relayd's redirect listens on lb:8080 (unused)
PORT = 80
MAX_HOSTS = 757

INTERVAL = 1		# seconds, both
FALL = 3		# HAProxy fall = relayd retry + 1
TIMEOUT_MS = 500	# relayd's timeout (and haproxy-t500's)

CHECKERS = ("relayd", "haproxy", "haproxy-t500")
LABELS = {"relayd": "relayd", "haproxy": "HAProxy (inter 1s fall 3)",
    "haproxy-t500": "HAProxy, timeout check 500ms"}
UIDS = {"relayd": "_hakit", "haproxy": "haproxy", "haproxy-t500": "nobody"}
KINDS = ("refused", "blackholed")

READY_BOUND = 30	# every checker finds every host up
DETECT_BOUND = 15	# a checker marks the failed host down
RECOVER_BOUND = 15	# ... and up again after the repair
POLL = 0.02		# relayctl polling during trials

# The figures for HAProxy here, at inter 1s fall 3.
QUOTED = {"refused": 2.5, "blackholed": 5.6, "cpu": 2.2}

BEGIN = "<!-- health_checks: begin -->"
END = "<!-- health_checks: end -->"


def log(msg):
	print(msg, flush=True)


def mono():
	return time.monotonic_ns()


def host_addr(i):
	if i < 254:
		return "198.51.100.%d" % (i + 1)
	if i < 508:
		return "203.0.113.%d" % (i - 254 + 1)
	return "192.0.2.%d" % (i - 508 + 1)


def relayctl():
	for p in RELAYCTLS:
		if os.access(p, os.X_OK):
			return p
	return None


def ensure_user(name="_hakit"):
	r = subprocess.run(["getent", "passwd", name], capture_output=True)
	if r.returncode != 0:
		netlab.run(["useradd", "-r", "-M", "-d", "/nonexistent", "-s",
		    "/usr/sbin/nologin", name])


# --- The server (run in srv as `health_checks.py --serve FILE`) --------

def serve(path):
	"""Listens on port 80 of every address in path (one a line),
	accepts and closes; reads "close A" / "open A" on stdin, answers
	"closed A T" / "opened A T" (T: CLOCK_MONOTONIC ns, taken just after
	the listener closed or listened)."""
	import resource
	soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
	resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
	with open(path) as f:
		addrs = [l.strip() for l in f if l.strip()]
	sel = selectors.DefaultSelector()
	lsocks = {}

	def listen(a):
		s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
		s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
		s.bind((a, PORT))
		s.listen(256)
		s.setblocking(False)
		sel.register(s, selectors.EVENT_READ, a)
		lsocks[a] = s

	for a in addrs:
		listen(a)
	sel.register(sys.stdin, selectors.EVENT_READ, None)
	print("ready %d" % len(lsocks), flush=True)
	while True:
		for key, _ in sel.select():
			if key.data is None:
				line = sys.stdin.readline()
				if not line:
					return
				f = line.split()
				if len(f) == 2 and f[0] == "close" and \
				    f[1] in lsocks:
					s = lsocks.pop(f[1])
					sel.unregister(s)
					s.close()
					print("closed %s %d" % (f[1], mono()),
					    flush=True)
				elif len(f) == 2 and f[0] == "open" and \
				    f[1] not in lsocks:
					listen(f[1])
					print("opened %s %d" % (f[1], mono()),
					    flush=True)
				continue
			# Accept what is queued, close at once.
			for _ in range(64):
				try:
					c, _ = key.fileobj.accept()
				except (BlockingIOError, InterruptedError):
					break
				except OSError:
					break
				c.close()


# --- The bench ---------------------------------------------------------

class Bench:
	def __init__(self, args, checkers):
		self.args = args
		self.checkers = checkers
		self.lab = netlab.Lab("hkhc", workdir=args.logs)
		self.addrs = [host_addr(i) for i in range(args.hosts)]
		self.procs = {}
		self.notes = []
		self.errors = []
		self.cpu = {}
		self.cpu_half = {}
		self.detect = {(c, k): [] for c in CHECKERS for k in KINDS}
		self.rsock = self.lab.path("relayd.sock")

	def build(self):
		lab = self.lab
		self.lb = netlab.Ns(lab, "lb")
		self.srv = netlab.Ns(lab, "srv")
		for h in (self.lb, self.srv):
			h.sysctl("net.ipv6.conf.all.disable_ipv6", 1)
			h.sysctl("net.ipv6.conf.default.disable_ipv6", 1)
			h.sysctl("net.ipv4.ip_local_port_range", "1024 65000")
			h.sysctl("net.ipv4.tcp_tw_reuse", 1)
		netlab.veth(self.lb, "eth0", self.srv, "eth0")
		# Point to point, so lb has one neighbour whatever M is.
		self.lb.run(["ip", "addr", "add", LB + "/32", "peer", SRV,
		    "dev", "eth0"])
		self.srv.run(["ip", "addr", "add", SRV + "/32", "peer", LB,
		    "dev", "eth0"])
		for net in ("198.51.100.0/24", "203.0.113.0/24",
		    "192.0.2.0/24"):
			self.lb.run(["ip", "route", "add", net, "via", SRV])
		netlab.run(self.srv.argv(["ip", "-batch", "-"]), input="".join(
		    "addr add %s/32 dev eth0\n" % a for a in self.addrs))
		# The blackhole: a set of addresses whose packets srv drops.
		netlab.run(self.srv.argv(["nft", "-f", "-"]), input=(
		    "table inet hc_bh {\n"
		    "\tset bh { type ipv4_addr; }\n"
		    "\tchain input {\n"
		    "\t\ttype filter hook input priority 0; policy accept;\n"
		    "\t\tip daddr @bh tcp dport %d drop\n"
		    "\t}\n"
		    "}\n" % PORT))
		# SYNs per checker, by socket owner, in lb's output hook.
		rules = "".join("\t\ttcp dport %d tcp flags & (syn | ack) == "
		    "syn meta skuid \"%s\" counter comment \"%s\"\n" % (PORT,
		    UIDS[c], c) for c in self.checkers)
		netlab.run(self.lb.argv(["nft", "-f", "-"]), input=(
		    "table inet hc_count {\n"
		    "\tchain output {\n"
		    "\t\ttype filter hook output priority 0; policy accept;\n"
		    "%s"
		    "\t}\n"
		    "}\n" % rules))
		self.start_server()

	def start_server(self):
		af = self.lab.write("addrs.txt", "\n".join(self.addrs) + "\n")
		argv = self.srv.argv([sys.executable, os.path.abspath(__file__),
		    "--serve", af])
		p = subprocess.Popen(argv, stdin=subprocess.PIPE,
		    stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
		    start_new_session=True)
		self.server = netlab.Proc(self.srv, argv,
		    self.lab.path("server.log"), p)
		self.lab.procs.append(self.server)
		netlab.wait_until(lambda: self.server.first_line(r"^ready "),
		    READY_BOUND, desc="the server to listen")
		if not self.server.first_line(r"^ready %d$" % len(self.addrs)):
			raise LabError("server: %s" % self.server.text()[-300:])

	def server_cmd(self, cmd, addr):
		t = mono()
		self.server.popen.stdin.write(("%s %s\n" % (cmd, addr))
		    .encode())
		self.server.popen.stdin.flush()
		word = {"close": "closed", "open": "opened"}[cmd]
		rx = re.compile(r"^%s %s (\d+)$" % (word, re.escape(addr)))

		def done():
			with self.server._lock:
				for tt, text in self.server.lines:
					m = rx.match(text)
					if tt >= t and m:
						return int(m.group(1))
			return None
		return netlab.wait_until(done, 5, interval=0.001,
		    desc="the server to %s %s" % (cmd, addr))

	def counters(self):
		out = self.lb.run("nft -j list table inet hc_count").stdout
		res = {}
		for o in json.loads(out).get("nftables", []):
			r = o.get("rule")
			if not r:
				continue
			c = None
			for e in r.get("expr", []):
				if "counter" in e:
					c = e["counter"]["packets"]
			if r.get("comment") and c is not None:
				res[r["comment"]] = c
		return res

	# The checkers

	def start_checkers(self):
		for c in self.checkers:
			if c == "relayd":
				self.procs[c] = self.start_relayd()
			else:
				self.procs[c] = self.start_haproxy(c)

	def start_relayd(self):
		hosts = ",\n".join("\t%s retry %d" % (a, FALL - 1)
		    for a in self.addrs)
		conf = self.lab.write("relayd.conf",
		    "# health_checks bench\n"
		    "interval %d\n"
		    "timeout %d\n"
		    "log state changes\n"
		    "table <hc> {\n%s\n}\n"
		    "redirect \"hc\" {\n"
		    "\tlisten on %s port %d\n"
		    "\tforward to <hc> port %d mode roundrobin check tcp\n"
		    "}\n" % (INTERVAL, TIMEOUT_MS, hosts, LB, RDR_PORT, PORT),
		    0o600)
		return self.lb.spawn([RELAYD, "-d", "-f", conf, "-s",
		    self.rsock])

	def start_haproxy(self, c):
		t500 = c == "haproxy-t500"
		srv = "".join("\tserver h%d %s:%d check inter %ds fall %d "
		    "rise 1\n" % (i + 1, a, PORT, INTERVAL, FALL)
		    for i, a in enumerate(self.addrs))
		user = UIDS[c]
		conf = self.lab.write("%s.cfg" % c,
		    "# health_checks bench: %s\n"
		    "global\n"
		    "\tnbthread 1\n"
		    "\tuser %s\n"
		    "\tgroup %s\n"
		    "\tstats socket %s mode 600 level admin\n"
		    "defaults\n"
		    "\tmode tcp\n"
		    "\ttimeout connect %s\n"
		    "\ttimeout client 30s\n"
		    "\ttimeout server 30s\n"
		    "%s"
		    "backend hc\n"
		    "%s" % (c, user, "nogroup" if user == "nobody" else user,
		    self.lab.path("%s.sock" % c),
		    "%dms" % TIMEOUT_MS if t500 else "5s",
		    "\ttimeout check %dms\n" % TIMEOUT_MS if t500 else "", srv))
		return self.lb.spawn(["haproxy", "-db", "-f", conf])

	def relayd_hosts(self):
		"""{name: state} from relayctl, or None."""
		r = subprocess.run([relayctl(), "-s", self.rsock, "-j", "show",
		    "hosts"], capture_output=True, text=True, timeout=5)
		if r.returncode != 0:
			return None
		out = {}
		data = json.loads(r.stdout)
		# relayctl -j prints the items as an array; the daemon's
		# reply wraps them in {"items": [...]}.
		items = data if isinstance(data, list) else \
		    data.get("items", [])
		for h in items:
			if h.get("type") == "host":
				out[h.get("name")] = h.get("state")
		return out

	def haproxy_hosts(self, c):
		"""{address: UP/DOWN/...} from HAProxy's stats socket."""
		lines = self.haproxy_cmd(c, "show stat -1 4 -1\n").splitlines()
		if not lines or not lines[0].startswith("# "):
			return None
		cols = lines[0][2:].split(",")
		ix_n, ix_s = cols.index("svname"), cols.index("status")
		out = {}
		for l in lines[1:]:
			f = l.split(",")
			if len(f) > ix_s and f[ix_n].startswith("h"):
				out[self.addrs[int(f[ix_n][1:]) - 1]] = f[ix_s]
		return out

	def all_up(self, c):
		if c == "relayd":
			h = self.relayd_hosts()
			return h is not None and len(h) >= len(self.addrs) and \
			    all(v == "up" for v in h.values())
		h = self.haproxy_hosts(c)
		return h is not None and len(h) == len(self.addrs) and \
		    all(v == "UP" for v in h.values())

	def wait_all_up(self, what):
		for c in self.checkers:
			if not self.procs[c].alive():
				raise LabError("%s exited: %s" % (c,
				    self.procs[c].text()[-300:]))
			p = self.procs[c]
			netlab.wait_until(lambda: not p.alive() or
			    self.all_up(c), READY_BOUND, interval=0.2,
			    desc="%s to find every host up (%s)" % (c, what))
			if not p.alive():
				raise LabError("%s exited: %s" % (c, " | ".join(
				    p.text().splitlines()[-4:])))

	def pids(self, c):
		"""{role: pid} of a checker's processes."""
		p = self.procs[c]
		if c != "relayd":
			return {"all": p.pid}
		out = {"parent": p.pid}
		kids = []
		for d in os.listdir("/proc"):
			if not d.isdigit():
				continue
			try:
				with open("/proc/%s/stat" % d) as f:
					ppid = int(f.read().rsplit(")", 1)[1]
					    .split()[1])
				if ppid != p.pid:
					continue
				with open("/proc/%s/cmdline" % d, "rb") as f:
					argv = f.read().decode(errors="replace") \
					    .split("\0")
			except (OSError, ValueError, IndexError):
				continue
			kids.append(int(d))
			role = None
			try:
				with open("/proc/%s/comm" % d) as f:
					comm = f.read().strip()
			except OSError:
				comm = ""
			if comm in ("hce", "pfe", "relay", "ca"):
				role = comm	# relayd's children: prctl name
			elif "-P" in argv and argv.index("-P") + 1 < len(argv):
				role = argv[argv.index("-P") + 1]
			else:
				# A process title ("relayd: hce").
				text = " ".join(argv)
				for r in ("hce", "pfe", "relay", "ca"):
					if re.search(r"(^|[\s:])%s\b" % r, text):
						role = r
						break
			if role is not None:
				out[role if role not in out else
				    "%s-%s" % (role, d)] = int(d)
		out["kids"] = kids
		return out

	def cpu_snapshot(self):
		snap = {}
		for c in self.checkers:
			ps = self.pids(c)
			kids = ps.pop("kids", [])
			for role, pid in ps.items():
				snap[(c, role)] = self.cpu_of(pid)
			if c == "relayd":
				snap[(c, "all")] = sum(self.cpu_of(pid)
				    for pid in [ps["parent"]] + kids)
		return snap

	@staticmethod
	def cpu_of(pid):
		try:
			ticks, sched = netlab.cpu_seconds(pid)
		except OSError:
			return 0.0
		return sched if sched is not None else ticks

	def set_half(self, enable):
		"""Stops (or restarts) checking every other host."""
		half = self.addrs[1::2]
		for c in self.checkers:
			if c == "relayd":
				for a in half:
					subprocess.run([relayctl(), "-s",
					    self.rsock, "host", "enable" if enable
					    else "disable", a], capture_output=True,
					    timeout=5, check=True)
				continue
			names = ["hc/h%d" % (self.addrs.index(a) + 1)
			    for a in half]
			for i in range(0, len(names), 50):
				cmd = ";".join("%s health %s" % ("enable" if
				    enable else "disable", n)
				    for n in names[i:i + 50]) + "\n"
				self.haproxy_cmd(c, cmd)

	def haproxy_cmd(self, c, cmd):
		s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
		s.settimeout(5)
		try:
			s.connect(self.lab.path("%s.sock" % c))
			s.sendall(cmd.encode())
			chunks = []
			while True:
				b = s.recv(1 << 16)
				if not b:
					break
				chunks.append(b)
		finally:
			s.close()
		return b"".join(chunks).decode(errors="replace")

	def marginal(self):
		"""CPU per check from the difference between the window with
		every host and the one with half of them."""
		for c in self.checkers:
			full, half = self.cpu.get(c), self.cpu_half.get(c)
			if not full or not half:
				continue
			dr = full["rate"] - half["rate"]
			if dr < 0.2 * full["rate"]:
				self.notes.append("%s: %.0f checks/s with half the "
				    "hosts disabled, against %.0f: no marginal "
				    "figure" % (c, half["rate"], full["rate"]))
				continue
			m = {}
			for role, v in full["roles"].items():
				if role not in half["roles"]:
					continue
				dc = v["core_pct"] - half["roles"][role]["core_pct"]
				m[role] = dc / (dr / 1000.0)
			full["marginal"] = m
			full["half_rate"] = half["rate"]

	def measure_cpu(self):
		w = self.args.window
		n0, c0, t0 = self.counters(), self.cpu_snapshot(), mono()
		time.sleep(w)
		n1, c1, t1 = self.counters(), self.cpu_snapshot(), mono()
		secs = (t1 - t0) / 1e9
		res = {}
		for c in self.checkers:
			checks = n1.get(c, 0) - n0.get(c, 0)
			rate = checks / secs
			nominal = len(self.addrs) / INTERVAL
			use = rate
			if checks == 0:
				use = nominal
				self.notes.append("%s: no SYN counted for uid %s; "
				    "CPU per check uses the nominal rate %d/s" % (
				    c, UIDS[c], nominal))
			roles = {}
			for (cc, role), v in c1.items():
				if cc == c and (cc, role) in c0:
					cpu = v - c0[(cc, role)]
					roles[role] = {"cpu_s": cpu,
					    "core_pct": 100.0 * cpu / secs,
					    "per1000": 100.0 * cpu / secs /
					    (use / 1000.0)}
			res[c] = {"checks": checks, "rate": rate,
			    "nominal": nominal, "secs": secs, "roles": roles}
			log("  %s: %.0f checks/s (nominal %.0f), %s" % (c, rate,
			    nominal, ", ".join("%s %.2f%% of a core = %.2f%% "
			    "per 1000 checks/s" % (r, v["core_pct"],
			    v["per1000"]) for r, v in sorted(roles.items()))))
		return res

	# Detection

	def relayd_down_at(self, addr, t0, stop, box):
		"""Poller thread: first time relayctl shows addr down."""
		while not stop.is_set() and mono() - t0 < DETECT_BOUND * 1e9:
			try:
				h = self.relayd_hosts()
			except (OSError, ValueError,
			    subprocess.SubprocessError):
				h = None
			t = mono()
			if h and h.get(addr) == "down":
				box["poll"] = t
				return
			time.sleep(POLL)

	def log_time(self, c, addr, state, t0):
		p = self.procs[c]
		if c == "relayd":
			return p.first_line(r"host %s,.*-> %s" % (re.escape(addr),
			    state), t0)
		i = self.addrs.index(addr) + 1
		return p.first_line(r"Server hc/h%d is %s" % (i,
		    state.upper()), t0)

	def trial(self, kind, n):
		addr = self.addrs[(n * 7919 + 13) % len(self.addrs)]
		# A random phase within the check cycle.
		time.sleep(random.uniform(0, INTERVAL))
		stop = threading.Event()
		box = {}
		poller = None
		if "relayd" in self.checkers:
			t_start = mono()
			poller = threading.Thread(target=self.relayd_down_at,
			    args=(addr, t_start, stop, box), daemon=True)
		if kind == "refused":
			t0 = self.server_cmd("close", addr)
		else:
			self.srv.run(["nft", "add", "element", "inet", "hc_bh",
			    "bh", "{ %s }" % addr])
			t0 = mono()
		if poller is not None:
			poller.start()
		res = {}
		try:
			deadline = time.monotonic() + DETECT_BOUND
			while time.monotonic() < deadline:
				for c in self.checkers:
					if c in res:
						continue
					t = self.log_time(c, addr, "down", t0)
					if c == "relayd" and "poll" in box:
						t = box["poll"] if t is None else \
						    min(t, box["poll"])
					if t is not None:
						res[c] = (t - t0) / 1e9
				if len(res) == len(self.checkers):
					break
				time.sleep(0.01)
		finally:
			stop.set()
			if poller is not None:
				poller.join(timeout=10)
			if kind == "refused":
				self.server_cmd("open", addr)
			else:
				self.srv.run(["nft", "delete", "element", "inet",
				    "hc_bh", "bh", "{ %s }" % addr])
		for c in self.checkers:
			self.detect[(c, kind)].append(res.get(c))
		log("  %s %s: %s" % (kind, addr, ", ".join("%s %s" % (c,
		    "%.3f s" % res[c] if c in res else "not detected")
		    for c in self.checkers)))
		self.wait_all_up("after %s trial %d" % (kind, n + 1))

	def run(self):
		self.build()
		self.start_checkers()
		self.wait_all_up("start")
		time.sleep(self.args.settle)
		log("CPU window, %d s, %d hosts" % (self.args.window,
		    len(self.addrs)))
		self.cpu = self.measure_cpu()
		if len(self.addrs) >= 20:
			self.set_half(False)
			time.sleep(max(2, self.args.settle))
			log("CPU window, %d s, every other host disabled" %
			    self.args.window)
			self.cpu_half = self.measure_cpu()
			self.set_half(True)
			self.marginal()
		self.wait_all_up("after the CPU windows")
		n = 0
		for t in range(self.args.trials):
			for kind in KINDS:
				self.trial(kind, n)
				n += 1
		for c in self.checkers:
			if not self.procs[c].alive():
				self.errors.append("%s exited during the run" % c)


# --- Report ------------------------------------------------------------

def fmt(v, nd=2):
	return "–" if v is None else "%.*f" % (nd, v)


def spread(xs, nd=2):
	v = [x for x in xs if x is not None]
	if not v:
		return "–"
	s = "%s (%s–%s)" % (fmt(statistics.median(v), nd), fmt(min(v), nd),
	    fmt(max(v), nd))
	if len(v) < len(xs):
		s += ", %d of %d not detected" % (len(xs) - len(v), len(xs))
	return s


def bound(kind):
	"""The slowest detection the settings allow: the failure starts
	just after a check, then FALL checks one interval apart each fail
	(the blackholed ones at the timeout)."""
	b = FALL * INTERVAL
	if kind == "blackholed":
		b += TIMEOUT_MS / 1000.0
	return b


def hbound(c):
	"""The same for a blackholed host.  relayd starts a round every
	interval; HAProxy starts the next check `inter` after the last one
	ended, so each failed check adds its timeout to the cycle."""
	if c == "relayd":
		return bound("blackholed")
	t = INTERVAL if c == "haproxy" else TIMEOUT_MS / 1000.0
	return INTERVAL + (FALL - 1) * (INTERVAL + t) + t


def report(b, args, elapsed, load0, relayd_missing):
	k = platform.uname()
	L = []
	L.append("## Health checks: relayd vs HAProxy\n")
	L.append("- date: %s" % datetime.datetime.now().astimezone()
	    .strftime("%Y-%m-%d %H:%M %Z"))
	L.append("- kernel: Linux %s (%s), %d CPUs, load average %s at the "
	    "start, %s at the end (other work shares the machine)" % (
	    k.release, k.machine, os.cpu_count() or 0, load0,
	    netlab.loadavg()))
	L.append("- command: `%s`, as root" % " ".join(
	    ["/usr/bin/python3", "bench/health_checks.py"] + sys.argv[1:]))
	L.append("- peer: HAProxy %s (Debian package), `nbthread 1`" %
	    netlab.version(["haproxy", "-v"], r"version ([0-9.]+)"))
	L.append("- %d hosts checked at once by each checker every %d s; CPU "
	    "over %d s of steady checking; %d detection trials per kind; "
	    "whole bench %.0f s" % (args.hosts, INTERVAL, args.window,
	    args.trials, elapsed))
	if relayd_missing:
		L.append("- relayd: not built (relayd/relayd or relayctl "
		    "missing); its column is not yet measured")
	elif "relayd" not in b.checkers:
		L.append("- relayd: not run (left out by --checkers); its "
		    "column is not yet measured")
	L.append("")
	L.append("### Against the issue's figures\n")
	for kind in KINDS:
		q = QUOTED[kind]
		h = [x for x in b.detect[("haproxy", kind)] if x is not None]
		if h:
			L.append("- HAProxy, %s, quoted at %.1f s: measured %.2f s "
			    "(median; %.2f–%.2f)." % (kind, q,
			    statistics.median(h), min(h), max(h)))
		r = [x for x in b.detect[("relayd", kind)] if x is not None]
		if relayd_missing or "relayd" not in b.checkers:
			L.append("- relayd, %s: target at most %.1f s (interval x "
			    "(retry + 1)%s): not yet measured." % (kind,
			    bound(kind), " + timeout" if kind == "blackholed"
			    else ""))
		elif r:
			ok = len(r) == len(b.detect[("relayd", kind)]) and \
			    max(r) <= bound(kind) + 0.1
			L.append("- relayd, %s: median %.2f s, worst %.2f s; "
			    "target at most %.1f s (+ 0.1 s): %s." % (kind,
			    statistics.median(r), max(r), bound(kind),
			    "met" if ok else "MISS"))
	hp = b.cpu.get("haproxy", {}).get("roles", {}).get("all")
	if hp:
		L.append("- HAProxy CPU, quoted at about %.1f %% of a core per "
		    "1000 checks/s: measured %.2f %%." % (QUOTED["cpu"],
		    hp["per1000"]))
	hm = b.cpu.get("haproxy", {}).get("marginal", {}).get("all")
	if hm is not None:
		L.append("- HAProxy CPU, marginal (what each further check "
		    "costs, from the window with every other host disabled): "
		    "%.2f %% of a core per 1000 checks/s." % hm)
	rm = b.cpu.get("relayd", {}).get("marginal", {})
	if rm and hm:
		v = rm["hce"] + rm.get("parent", 0) if "hce" in rm else \
		    rm.get("all")
		if v is not None:
			L.append("- relayd CPU, marginal: %.2f %% per 1000 "
			    "checks/s, %.2f of HAProxy's." % (v, v / hm))
	rc = b.cpu.get("relayd", {}).get("roles", {})
	if rc and hp:
		if "hce" in rc:
			what = "hce + parent"
			both = rc["hce"]["per1000"] + \
			    rc.get("parent", {}).get("per1000", 0)
		else:
			what = "all its processes: the hce was not identified"
			both = rc["all"]["per1000"]
		L.append("- relayd CPU (%s): %.2f %% of a core per 1000 "
		    "checks/s, %.2f of HAProxy's (target ≤ 0.5): %s." % (what,
		    both, both / hp["per1000"],
		    "met" if both <= 0.5 * hp["per1000"] else "MISS"))
	elif relayd_missing:
		L.append("- relayd CPU: target at most half HAProxy's per "
		    "check: not yet measured.")
	L.append("")
	L.append("### Figures\n")
	cols = list(CHECKERS)
	L.append("| figure | " + " | ".join(LABELS[c] for c in cols) + " |")
	L.append("|---|" + "---|" * len(cols))

	def cell(c, fn):
		if c not in b.checkers:
			return "not yet measured" if c == "relayd" else "–"
		try:
			return fn(c)
		except (KeyError, TypeError, ZeroDivisionError):
			return "–"
	L.append("| checks/s made (SYNs counted; nominal %d) | %s |" % (
	    args.hosts // INTERVAL, " | ".join(cell(c,
	    lambda c: "%.0f" % b.cpu[c]["rate"]) for c in cols)))
	roles = [("all", "CPU, % of a core per 1000 checks/s (all "
	    "processes)"), ("hce", "… relayd's hce alone"),
	    ("parent", "… relayd's parent alone"),
	    ("pfe", "… relayd's pfe alone")]
	for role, name in roles:
		L.append("| %s | %s |" % (name, " | ".join(cell(c,
		    lambda c: "%.2f" % b.cpu[c]["roles"][role if
		    c == "relayd" else "all"]["per1000"] if c == "relayd" or
		    role == "all" else "") for c in cols)))
	for role, name in roles[:2]:
		L.append("| %s | %s |" % (name.replace("CPU,", "CPU, marginal "
		    "(all hosts against every other one),", 1) if role == "all"
		    else "… marginal, relayd's hce alone", " | ".join(cell(c,
		    lambda c: "%.2f" % b.cpu[c]["marginal"][role if
		    c == "relayd" else "all"] if c == "relayd" or
		    role == "all" else "") for c in cols)))
	L.append("| CPU, %% of a core at %d checks/s (all processes) | %s |" %
	    (args.hosts // INTERVAL, " | ".join(cell(c,
	    lambda c: "%.2f" % b.cpu[c]["roles"]["all"]["core_pct"])
	    for c in cols)))
	L.append("| CPU, %% of a core with every other host disabled "
	    "(all processes); checks/s | %s |" % " | ".join(cell(c,
	    lambda c: "%.2f; %.0f" % (b.cpu_half[c]["roles"]["all"]
	    ["core_pct"], b.cpu_half[c]["rate"])) for c in cols))
	for kind in KINDS:
		L.append("| detection, s, %s: median (min–max) | %s |" % (
		    kind, " | ".join(cell(c, lambda c: spread(
		    b.detect[(c, kind)])) for c in cols)))
	L.append("| slowest detection the settings allow, s (refused / "
	    "blackholed) | %s |" % " | ".join("%.1f / %.1f" % (
	    bound("refused"), hbound(c)) for c in cols))
	L.append("")
	if b.notes:
		L.append("Notes: " + "; ".join(b.notes) + ".\n")
	if b.errors:
		L.append("Problems: " + "; ".join(b.errors) + ".\n")
	L.append(METHOD % {"hosts": args.hosts, "poll": POLL * 1000})
	return "\n".join(L)


METHOD = """How it is measured:

- Namespaces lb and srv joined by one veth (192.0.2.254 / .253); srv
  holds the %(hosts)d host addresses (/32, documentation ranges) and one
  listening socket per address (this script, `--serve`: accept, close).
  lb routes the host prefixes via srv.  The checkers run in lb side by
  side, each checking every host; HAProxy as user haproxy (the variant
  as nobody), relayd's children as _hakit.
- Settings: relayd `interval 1`, `timeout 500`, each host `retry 2`,
  `check tcp` (a redirect on lb:8080 uses the table); HAProxy `server
  ... check inter 1s fall 3 rise 1` in `mode tcp` (a connect check),
  `nbthread 1`.  Its first column keeps HAProxy's default check timeout
  (no `timeout check`: a check may take up to `inter`, as in the issue's
  quoted figures); the second sets `timeout connect 500ms` and `timeout
  check 500ms`, relayd's timeout.  The "slowest allowed" row assumes
  relayd starts a round of checks every interval (down at most (retry +
  1) x interval after the event, + timeout when blackholed) and HAProxy
  2.6 starts a server's next check `inter` after its last one ended, so
  a blackholed check's timeout (1 s by default, 0.5 s in the variant)
  adds to each cycle: 1 + 2 x (1 + 1) + 1 = 6 s and 1 + 2 x 1.5 + 0.5 =
  4.5 s.
- CPU: a first window with every host checked, a second with every
  other host disabled (HAProxy `disable health`, relayd `relayctl host
  disable`); the first gives the CPU per check as the issue quotes it
  (fixed costs included, so it depends on the host count), the
  difference between the two the marginal cost of one more check.
  schedstat run time of each checker's processes (all threads)
  over the window, every host up and nothing else asked of them (no
  polling); checks = SYNs to port 80 counted in lb's output hook by
  socket owner.  %% of a core per 1000 checks/s = CPU seconds per second
  / (checks/s / 1000) x 100.
- Detection: the failed host changes per trial; before each event a
  random 0-1 s pause puts it at a random phase of the checkers' cycles,
  so the spread is the phase.  refused: the server closes that address's
  listener (time stamped by the server just after close()); blackholed:
  the address joins an nftables set whose packets srv's input hook drops
  (time taken when `nft` returned).  Down = relayd's `relayctl -j show
  hosts` shows it `down` (polled every %(poll).0f ms from the event) or
  its "state up -> down" log line, whichever first; HAProxy's "Server
  hc/hN is DOWN" warning, stamped when read from its stderr.  The host is
  then repaired and every checker must show every host up again before
  the next trial.
"""


def main():
	if len(sys.argv) == 3 and sys.argv[1] == "--serve":
		serve(sys.argv[2])
		return
	ap = argparse.ArgumentParser(description=__doc__,
	    formatter_class=argparse.RawDescriptionHelpFormatter)
	ap.add_argument("--hosts", type=int, default=500)
	ap.add_argument("--window", type=int, default=20,
	    help="seconds of steady checking for the CPU figures")
	ap.add_argument("--settle", type=int, default=3)
	ap.add_argument("--trials", type=int, default=5,
	    help="detection trials per kind (refused, blackholed)")
	ap.add_argument("--checkers", default=",".join(CHECKERS))
	ap.add_argument("--logs", metavar="DIR",
	    help="keep configs and logs under DIR")
	ap.add_argument("--no-write", action="store_true",
	    help="print the table only, leave RESULTS.md alone")
	args = ap.parse_args()
	if os.geteuid() != 0:
		sys.exit("health_checks: must run as root")
	if not 1 <= args.hosts <= MAX_HOSTS or not 5 <= args.window <= 120 \
	    or not 1 <= args.trials <= 20 or not 0 <= args.settle <= 30:
		sys.exit("health_checks: hosts 1-%d, window 5-120, trials "
		    "1-20, settle 0-30" % MAX_HOSTS)
	checkers = [c for c in args.checkers.split(",") if c]
	for c in checkers:
		if c not in CHECKERS:
			sys.exit("health_checks: unknown checker %s" % c)
	for tool in ("haproxy", "nft"):
		if subprocess.run(["sh", "-c", "command -v %s" % tool],
		    capture_output=True).returncode != 0:
			sys.exit("health_checks: %s missing: run scripts/deps" %
			    tool)
	relayd_missing = False
	if "relayd" in checkers and (not os.access(RELAYD, os.X_OK) or
	    relayctl() is None):
		log("relayd: not built")
		checkers.remove("relayd")
		relayd_missing = True
	if "relayd" in checkers:
		ensure_user()
	if not checkers:
		sys.exit("health_checks: nothing to run")
	if args.logs:
		os.makedirs(args.logs, exist_ok=True)

	netlab.install_cleanup()
	netlab.cleanup_stale("hkhc")
	start = time.monotonic()
	load0 = netlab.loadavg()
	b = Bench(args, checkers)
	try:
		b.run()
	except (LabError, OSError, subprocess.SubprocessError) as e:
		b.errors.append("aborted: %s" % e)
		log("aborted: %s" % e)
		for c, p in b.procs.items():
			log("  %s: %s" % (c, " | ".join(
			    p.text().splitlines()[-4:])))
	finally:
		b.lab.teardown()
	elapsed = time.monotonic() - start
	section = report(b, args, elapsed, load0, relayd_missing)
	print()
	print(section)
	if not args.no_write:
		netlab.write_results(RESULTS, BEGIN, END, section)
		log("wrote %s" % RESULTS)


if __name__ == "__main__":
	main()
