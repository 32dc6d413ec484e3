# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The hakit Authors
"""
Small network-namespace helpers for the bench and the demo.

Self-contained on purpose (the test lab in tests/lab/ evolves with the
tests).  A Lab owns what it creates: namespaces named "<prefix>-<name>",
the veth pairs and bridge inside them, and the processes it starts (each
in its own session, stopped by pid).  Lab.teardown() undoes everything
and is safe to call twice; an atexit hook and SIGTERM/SIGHUP handlers
make sure it runs.  Namespaces left by a run that died hard (its pid is
gone) are removed by cleanup_stale().

Nothing here touches the root namespace's interfaces, and only the
documentation prefixes are used.
"""

import atexit
import ctypes
import fcntl
import ipaddress
import json
import os
import random
import re
import shutil
import signal
import socket
import string
import struct
import subprocess
import tempfile
import threading
import time

CMD_TIMEOUT = 20
STOP_TIMEOUT = 5
ALLOWED = [ipaddress.ip_network(n) for n in (
    "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32")]

CLONE_NEWNET = 0x40000000
SIOCGIFFLAGS = 0x8913
SIOCSIFFLAGS = 0x8914
IFF_UP = 0x1

_libc = ctypes.CDLL(None, use_errno=True)


class LabError(Exception):
	pass


def check_addr(a):
	ip = ipaddress.ip_interface(a).ip
	if not any(ip in n for n in ALLOWED):
		raise LabError("%s is outside the documentation ranges" % a)
	return a


def mono_ms():
	return time.monotonic_ns() / 1e6


def wait_until(pred, timeout, interval=0.02, desc="condition"):
	"""Polls pred() until true; returns its value or raises LabError."""
	deadline = time.monotonic() + timeout
	while True:
		try:
			v = pred()
		except (LabError, OSError, ValueError, KeyError,
		    subprocess.SubprocessError):
			v = None
		if v:
			return v
		if time.monotonic() >= deadline:
			raise LabError("timed out after %.1fs waiting for %s" %
			    (timeout, desc))
		time.sleep(interval)


def pid_alive(pid):
	try:
		os.kill(pid, 0)
	except ProcessLookupError:
		return False
	except PermissionError:
		return True
	try:
		with open("/proc/%d/stat" % pid) as f:
			return f.read().rsplit(")", 1)[1].split()[0] != "Z"
	except (OSError, IndexError):
		return False


def run(argv, check=True, timeout=CMD_TIMEOUT, input=None):
	r = subprocess.run(argv, capture_output=True, text=True,
	    timeout=timeout, input=input)
	if check and r.returncode != 0:
		raise LabError("%s: exit %d: %s" % (" ".join(argv),
		    r.returncode, (r.stderr + r.stdout).strip()))
	return r


class Proc:
	"""
	A process started in a namespace.  Its output goes to a log file
	through a reader thread that stamps every line with the monotonic
	clock, so a daemon's "now MASTER" line has a usable time.
	"""

	def __init__(self, ns, argv, log, popen):
		self.ns = ns
		self.argv = argv
		self.log = log
		self.popen = popen
		self.pid = popen.pid
		self.lines = []		# [(mono_ns, text)]
		self._lock = threading.Lock()
		self._t = threading.Thread(target=self._reader, daemon=True)
		self._t.start()

	def __repr__(self):
		return "<Proc %d %s in %s>" % (self.pid,
		    os.path.basename(self.argv[0]), self.ns.name)

	def _reader(self):
		with open(self.log, "ab", buffering=0) as lf:
			for raw in iter(self.popen.stdout.readline, b""):
				now = time.monotonic_ns()
				text = raw.decode(errors="replace").rstrip("\n")
				with self._lock:
					self.lines.append((now, text))
				lf.write(b"%.3f " % (now / 1e6) + raw)

	def first_line(self, regex, after_ns=0):
		"""Monotonic ns of the first line matching regex after_ns."""
		rx = re.compile(regex)
		with self._lock:
			for t, text in self.lines:
				if t >= after_ns and rx.search(text):
					return t
		return None

	def text(self):
		with self._lock:
			return "\n".join(t for _, t in self.lines)

	def alive(self):
		return self.popen.poll() is None

	def signal(self, sig):
		if self.popen.poll() is None:
			self.popen.send_signal(sig)

	def wait(self, timeout):
		try:
			return self.popen.wait(timeout=timeout)
		except subprocess.TimeoutExpired:
			return None

	def stop(self, timeout=STOP_TIMEOUT):
		"""SIGTERM, then SIGKILL to its process group after timeout."""
		if self.popen.poll() is None:
			self.popen.send_signal(signal.SIGTERM)
			if self.wait(timeout) is None:
				self.kill_group()
		self.kill_group()
		self._t.join(timeout=2)
		return self.popen.returncode

	def kill_group(self):
		try:
			os.killpg(self.pid, signal.SIGKILL)
		except (ProcessLookupError, PermissionError):
			pass
		self.wait(STOP_TIMEOUT)


class Ns:
	"""A network namespace (a host, or the switch)."""

	def __init__(self, lab, name):
		self.lab = lab
		self.name = name
		self.ns = "%s-%s" % (lab.prefix, name)
		run(["ip", "netns", "add", self.ns])
		lab.namespaces.append(self)
		self._sock = None
		self.run("ip link set lo up")
		for c in ("all", "default"):
			self.sysctl("net.ipv6.conf.%s.accept_dad" % c, 0)
			self.sysctl("net.ipv6.conf.%s.accept_ra" % c, 0)
			self.sysctl("net.ipv6.conf.%s.router_solicitations" % c,
			    0)

	def __repr__(self):
		return "<Ns %s>" % self.name

	def argv(self, cmd):
		if isinstance(cmd, str):
			cmd = cmd.split()
		return ["ip", "netns", "exec", self.ns] + [str(c) for c in cmd]

	def run(self, cmd, check=True, timeout=CMD_TIMEOUT):
		return run(self.argv(cmd), check=check, timeout=timeout)

	def sysctl(self, key, value):
		self.run(["sysctl", "-q", "-w", "%s=%s" % (key, value)])

	def ip_json(self, args):
		out = self.run(["ip", "-j"] + args.split()).stdout.strip()
		return json.loads(out) if out else []

	def spawn(self, cmd, log=None, env=None):
		argv = self.argv(cmd)
		if log is None:
			log = self.lab.path("%s-%s-%d.log" % (self.name,
			    os.path.basename(argv[4]), len(self.lab.procs)))
		e = dict(os.environ)
		if env:
			e.update(env)
		p = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
		    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=e,
		    start_new_session=True)
		proc = Proc(self, argv, log, p)
		self.lab.procs.append(proc)
		return proc

	def pids(self):
		"""Every process inside this namespace (read from /proc)."""
		try:
			ino = os.stat("/run/netns/%s" % self.ns).st_ino
		except FileNotFoundError:
			return []
		want = "net:[%d]" % ino
		out = []
		for d in os.listdir("/proc"):
			if not d.isdigit():
				continue
			try:
				if os.readlink("/proc/%s/ns/net" % d) == want:
					out.append(int(d))
			except OSError:
				pass
		return out

	def kill_all(self, sig=signal.SIGKILL):
		"""Signals every process in the namespace: a box's death."""
		pids = self.pids()
		for pid in pids:
			try:
				os.kill(pid, sig)
			except ProcessLookupError:
				pass
		return pids

	# --- Fast link control: an ioctl on a socket opened inside the
	# namespace, so a link goes down within microseconds of the event
	# (no fork/exec of ip(8) in the measured path).

	def _netns_socket(self):
		if self._sock is None:
			self._sock = in_netns(self.ns, lambda: socket.socket(
			    socket.AF_INET, socket.SOCK_DGRAM))
		return self._sock

	def set_link(self, ifname, up):
		s = self._netns_socket()
		req = struct.pack("16sH22x", ifname.encode(), 0)
		res = fcntl.ioctl(s.fileno(), SIOCGIFFLAGS, req)
		flags = struct.unpack("16sH22x", res)[1]
		flags = (flags | IFF_UP) if up else (flags & ~IFF_UP)
		fcntl.ioctl(s.fileno(), SIOCSIFFLAGS,
		    struct.pack("16sH22x", ifname.encode(), flags))

	def close(self):
		if self._sock is not None:
			self._sock.close()
			self._sock = None

	# --- Addresses

	def links(self):
		return {l["ifname"]: l for l in self.ip_json("link show")}

	def holds(self, ip):
		"""Name of an UP interface carrying ip, or None."""
		for l in self.ip_json("-4 addr show"):
			if "UP" not in l.get("flags", []):
				continue
			for a in l.get("addr_info", []):
				if a.get("local") == ip:
					return l["ifname"]
		return None

	def mac(self, ifname):
		return self.links()[ifname]["address"]


class Lab:
	"""Everything one topology builds; teardown() removes all of it."""

	live = []

	def __init__(self, tag="hkb", workdir=None):
		self.prefix = "%s%d%s" % (tag, os.getpid(), "".join(
		    random.choice(string.ascii_lowercase) for _ in range(3)))
		self.tag = tag
		self.workdir = workdir or tempfile.mkdtemp(prefix="%s-" % tag)
		self.keep = workdir is not None
		self.namespaces = []
		self.procs = []
		self.hosts = {}
		self.switch = None
		self.torn = False
		Lab.live.append(self)

	def path(self, name):
		return os.path.join(self.workdir, name)

	def write(self, name, text, mode=0o644):
		p = self.path(name)
		with open(p, "w") as f:
			f.write(text)
		os.chmod(p, mode)
		return p

	def add_switch(self, name="sw"):
		self.switch = Ns(self, name)
		self.switch.run("ip link add br0 type bridge stp_state 0 "
		    "forward_delay 0 mcast_snooping 0")
		self.switch.run("ip link set br0 up")
		return self.switch

	def add_host(self, name, ifname, addr, ttl=None):
		"""A host with one veth (ifname, addr) to a port of the
		switch; ttl sets its default IP TTL (tells replies apart)."""
		check_addr(addr)
		h = Ns(self, name)
		port = ("p-%s" % name)[:15]
		h.run(["ip", "link", "add", ifname, "type", "veth", "peer",
		    "name", port, "netns", self.switch.ns])
		self.switch.run(["ip", "link", "set", port, "master", "br0",
		    "up"])
		h.run(["ip", "addr", "add", addr, "dev", ifname])
		h.run(["ip", "link", "set", ifname, "up"])
		if ttl is not None:
			h.sysctl("net.ipv4.ip_default_ttl", ttl)
		h.ifname = ifname
		h.addr = addr.split("/")[0]
		h.port = port
		self.hosts[name] = h
		return h

	def teardown(self):
		"""Stops every process by pid, then deletes the namespaces."""
		if self.torn:
			return
		self.torn = True
		for p in reversed(self.procs):
			try:
				p.stop(timeout=2)
			except Exception:
				pass
		left = []
		for ns in self.namespaces:
			left += ns.kill_all()
			ns.close()
		deadline = time.monotonic() + STOP_TIMEOUT
		while any(pid_alive(p) for p in left) and \
		    time.monotonic() < deadline:
			time.sleep(0.02)
		for ns in reversed(self.namespaces):
			run(["ip", "netns", "del", ns.ns], check=False)
		if self in Lab.live:
			Lab.live.remove(self)
		if not self.keep:
			shutil.rmtree(self.workdir, ignore_errors=True)

	@classmethod
	def teardown_all(cls):
		for lab in list(cls.live):
			try:
				lab.teardown()
			except Exception:
				pass


def cleanup_stale(tag):
	"""Removes namespaces of earlier runs (same tag) whose pid is gone."""
	r = run(["ip", "netns", "list"], check=False)
	pat = re.compile(r"^%s(\d+)[a-z]{3}-" % re.escape(tag))
	for line in r.stdout.splitlines():
		name = line.split()[0] if line.split() else ""
		m = pat.match(name)
		if not m or pid_alive(int(m.group(1))):
			continue
		pids = run(["ip", "netns", "pids", name], check=False)
		for pid in pids.stdout.split():
			try:
				os.kill(int(pid), signal.SIGKILL)
			except (ProcessLookupError, ValueError):
				pass
		run(["ip", "netns", "del", name], check=False)


def _on_signal(sig, frame):
	raise SystemExit(128 + sig)


def install_cleanup():
	"""Teardown on normal exit, on exceptions, on SIGTERM/SIGHUP and
	on SIGINT (KeyboardInterrupt)."""
	atexit.register(Lab.teardown_all)
	signal.signal(signal.SIGTERM, _on_signal)
	signal.signal(signal.SIGHUP, _on_signal)
	# Even when started with SIGINT ignored (a background job).
	signal.signal(signal.SIGINT, signal.default_int_handler)


# --- The prober

class Probe:
	"""
	vipprobe running in a namespace: echo requests to an address every
	interval_us, replies stamped with the monotonic clock and the TTL.
	"""

	def __init__(self, ns, binary, dst, interval_us=1000, seconds=20,
	    want_ttl=None, keep=30, adv_if=None):
		check_addr(dst)
		self.out = ns.lab.path("probe-%d.out" % len(ns.lab.procs))
		cmd = [binary, "-i", interval_us, "-t", seconds, "-k", keep]
		if adv_if is not None:
			cmd += ["-a", adv_if]
		if want_ttl is not None:
			cmd += ["-w", want_ttl]
		cmd.append(dst)
		self._seen = 0
		self._replies = []
		self._adverts = []
		self.proc = ns.spawn(cmd, log=self.out)
		self.seconds = seconds

	def _parse(self):
		"""Parses the lines read since the last call."""
		lines = self.proc.lines
		n = len(lines)
		for _, text in lines[self._seen:n]:
			f = text.split()
			if len(f) == 4 and f[0] == "r":
				self._replies.append((int(f[1]), int(f[2]),
				    int(f[3])))
			elif len(f) == 3 and f[0] == "a":
				self._adverts.append((int(f[1]), f[2]))
		self._seen = n

	def replies(self):
		"""[(mono_ns, seq, ttl)]"""
		self._parse()
		return list(self._replies)

	def adverts(self, src=None):
		"""[mono_ns] of the protocol-112 packets heard (from src)."""
		self._parse()
		return [t for t, a in self._adverts if src is None or a == src]

	def wait_reply(self, ttl, timeout=5):
		"""Waits until a reply with this TTL has arrived."""
		start = time.monotonic_ns()
		return wait_until(lambda: any(t >= start and tt == ttl
		    for t, _, tt in self.replies()[-50:]), timeout,
		    desc="a reply with TTL %d" % ttl)

	def wait_advert(self, src, timeout):
		"""Returns as soon as (within ~0.5 ms) an advertisement from
		src has been heard since this call."""
		start = time.monotonic_ns()
		return wait_until(lambda: any(t >= start
		    for t in self.adverts(src)[-5:]), timeout,
		    interval=0.0005, desc="an advertisement from %s" % src)

	def mark(self):
		"""Arms the early stop; returns the event time (mono ns)."""
		self.proc.signal(signal.SIGUSR1)
		return time.monotonic_ns()

	def finish(self, timeout=None):
		if self.proc.wait(timeout if timeout is not None else
		    self.seconds + 5) is None:
			self.proc.stop()
		self.proc._t.join(timeout=2)
		return self

	def first_after(self, t0, ttl):
		"""Time (mono ns) of the first reply with ttl at/after t0."""
		for t, _, tt in self.replies():
			if t >= t0 and tt == ttl:
				return t
		return None

	def last_before(self, t1, ttl=None):
		last = None
		for t, _, tt in self.replies():
			if t < t1 and (ttl is None or tt == ttl):
				last = t
		return last


def build_probe(src, out):
	"""Compiles the prober with cc if the binary is missing or old."""
	if os.path.exists(out) and os.path.getmtime(out) >= \
	    os.path.getmtime(src):
		return out
	os.makedirs(os.path.dirname(out), exist_ok=True)
	run(["cc", "-std=c11", "-D_GNU_SOURCE", "-O2", "-Wall", "-Wextra",
	    "-o", out, src], timeout=120)
	return out


# --- Helpers for bench/state_sync.py (firewall pairs, counters, CPU)

def veth(a, ifa, b, ifb):
	"""A veth pair from namespace a (ifa) to namespace b (ifb), both
	ends up."""
	a.run(["ip", "link", "add", ifa, "type", "veth", "peer", "name", ifb,
	    "netns", b.ns])
	a.run(["ip", "link", "set", ifa, "up"])
	b.run(["ip", "link", "set", ifb, "up"])


def in_netns(ns, fn):
	"""
	fn() run inside network namespace ns (its name), in a throw-away
	thread since setns() moves only the calling thread; returns fn's
	result.  What fn opens (a socket, a /proc/sys/net file) stays bound
	to ns when used from any thread.
	"""
	box = {}

	def runner():
		fd = os.open("/run/netns/%s" % ns, os.O_RDONLY)
		try:
			if _libc.setns(fd, CLONE_NEWNET) != 0:
				e = ctypes.get_errno()
				box["err"] = OSError(e, os.strerror(e))
				return
			box["res"] = fn()
		except OSError as e:
			box["err"] = e
		finally:
			os.close(fd)
	t = threading.Thread(target=runner)
	t.start()
	t.join()
	if "err" in box:
		raise LabError("in namespace %s: %s" % (ns, box["err"]))
	return box["res"]


def open_in(ns, path, flags=os.O_RDONLY):
	"""
	Opens path from inside namespace ns and returns the descriptor:
	/proc/sys/net files show the namespace of whoever opened them, so
	it keeps reading ns's value (with os.pread) without a fork per read.
	"""
	return in_netns(ns.ns, lambda: os.open(path, flags))


class NsCounter:
	"""An integer file of a namespace (nf_conntrack_count), re-read
	with pread: a few microseconds per read."""

	def __init__(self, ns, path):
		self.fd = open_in(ns, path)

	def read(self):
		return int(os.pread(self.fd, 64, 0).split()[0])

	def close(self):
		if self.fd is not None:
			try:
				os.close(self.fd)
			except OSError:
				pass
			self.fd = None


CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
	"""
	CPU time a process used so far, (utime + stime from /proc/PID/stat,
	schedstat run time summed over its threads), both in seconds; the
	second is None without schedstat.  utime and stime count in clock
	ticks (10 ms at 100 Hz); schedstat in nanoseconds.
	"""
	with open("/proc/%d/stat" % pid) as f:
		f = f.read().rsplit(")", 1)[1].split()
	ticks = (int(f[11]) + int(f[12])) / CLK_TCK
	run_ns = 0
	try:
		for t in os.listdir("/proc/%d/task" % pid):
			with open("/proc/%d/task/%s/schedstat" % (pid, t)) as f:
				run_ns += int(f.read().split()[0])
	except (OSError, ValueError, IndexError):
		return ticks, None
	return ticks, run_ns / 1e9


# --- What every benchmark's report needs ---

def loadavg():
	"""The 1-minute load average, as text ("?" if unreadable)."""
	try:
		with open("/proc/loadavg") as f:
			return f.read().split()[0]
	except OSError:
		return "?"


def version(cmd, rx):
	"""Group 1 of rx in cmd's output (a peer's version), or "?"."""
	try:
		r = subprocess.run(cmd, capture_output=True, text=True,
		    timeout=10)
		m = re.search(rx, r.stdout + r.stderr)
		return m.group(1) if m else "?"
	except (OSError, subprocess.SubprocessError):
		return "?"


def write_results(path, begin, end, section):
	"""Puts section between the begin and end markers of path (the
	benchmark's own block of bench/RESULTS.md), replacing what was
	there, or appends the block; other blocks stay as they are."""
	text = ""
	if os.path.exists(path):
		with open(path) as f:
			text = f.read()
	block = begin + "\n" + section.rstrip() + "\n" + end + "\n"
	if begin in text and end in text:
		a = text.index(begin)
		b = text.index(end) + len(end)
		rest = text[b:]
		if rest.startswith("\n"):
			rest = rest[1:]
		text = text[:a] + block + rest
	else:
		if not text:
			text = "# hakit benchmarks\n\n"
		text = text.rstrip("\n") + "\n\n" + block
	with open(path, "w") as f:
		f.write(text)
