#!/usr/bin/python3
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The hakit Authors
"""
Layer-7 proxy benchmark: relayd's relays against HAProxy and nginx,
side by side on one topology, in one run (issue 5, "Benchmark").

Topology (namespaces, documentation addresses):

	client 203.0.113.100 --- proxy ethc 203.0.113.1 (the service address)
	                         proxy eths 198.51.100.1 --- origin 198.51.100.11

The origin is nginx (one process, sendfile, no access log) serving
/128 (128 bytes) and /100k (100 KiB of random bytes) on port 8080; the
same origin serves every proxy.  The proxies, one at a time, listen on
203.0.113.1 port 80 (and 443 with TLS termination, one EC P-256 keypair
made here with openssl):

  relayd      a release build of the tree's relayd, `prefork 1`, an
	      `http protocol` with no rules (a pure HTTP proxy)
  relayd-tcp  the same with the protocol omitted: a plain TCP relay
	      (splice); no TLS row
  haproxy     HAProxy, `mode http`, `nbthread 1`, defaults otherwise
  nginx       nginx, one worker, `proxy_pass` to an upstream with
	      `keepalive 64` (HTTP/1.1 to the origin) and proxy_buffers
	      big enough to keep 100 KiB in memory
  direct      no proxy: wrk to the origin, routed through the proxy
	      namespace (the ceiling the client and origin allow)

Load: wrk -t1 -cN -dS --latency from the client: "keepalive" (128-byte
responses, keep-alive), "close" (128 bytes, -H "Connection: close": a
new connection per request) and "100k" (100 KiB responses, keep-alive),
each in plain HTTP and with TLS termination at the proxy.

Pinning, with two or more CPUs: the proxy (every process of it) runs on
the last CPU under taskset, the proxy namespace's veths steer their
receive work there (rps_cpus); wrk, the origin and their receive work
run on CPU 0.  Figures: requests/s, p99 latency, and the proxy's CPU
(schedstat run time of its processes, all threads, over the run).

Before the load, each proxy must return the exact bytes of both files
(twice on one connection, then with Connection: close), in plain HTTP
and TLS; relayd's log is searched for fatal errors and sanitizer
reports.

Run as root: /usr/bin/python3 bench/proxy.py  (or: make bench)
"""

import argparse
import datetime
import hashlib
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.dont_write_bytecode = True	# nothing written into the tree
sys.path.insert(0, HERE)

import netlab			# noqa: E402
from netlab import LabError	# noqa: E402
from lb_redirect import parse_wrk, cpu_times, busy_share  # noqa: E402

RESULTS = os.path.join(HERE, "RESULTS.md")
BEGIN = "<!-- proxy: begin -->"
END = "<!-- proxy: end -->"

CLIENT = "203.0.113.100"
VIP = "203.0.113.1"
PROXY_S = "198.51.100.1"
ORIGIN = "198.51.100.11"
ORIGIN_PORT = 8080
PORT = 80
TLS_PORT = 443

PKGS = ("libevent libbsd-overlay libmnl jansson libcrypto libssl libcap "
    "libnetfilter_conntrack libnftables libtls").split()
WARN = ("-Wall -Wextra -Wformat=2 -Wshadow -Wpointer-arith -Wcast-qual "
    "-Wstrict-prototypes -Wmissing-prototypes -Wmissing-declarations "
    "-Wsign-compare -Wvla -Wnull-dereference -fno-common").split()
RELEASE = ("-O2 -fstack-protector-strong -D_FORTIFY_SOURCE=2 "
    "-fPIE").split()

SETTINGS = ("direct", "relayd", "relayd-tcp", "haproxy", "nginx")
LABELS = {"direct": "origin direct", "relayd": "relayd (http)",
    "relayd-tcp": "relayd (tcp, splice)", "haproxy": "HAProxy",
    "nginx": "nginx"}
HAS_TLS = ("relayd", "haproxy", "nginx")
MODES = ("keepalive", "close", "100k")
PATHS = {"keepalive": "/128", "close": "/128", "100k": "/100k"}
SMALL = 128
LARGE = 100 * 1024

READY_BOUND = 20	# a proxy to start and return the right bytes

# The figures for the peers, measured elsewhere.
QUOTED = {("haproxy", "keepalive"): (30.5e3, 3.4),
    ("nginx", "keepalive"): (27.4e3, None),
    ("haproxy", "close"): (9.9e3, None), ("nginx", "close"): (21.3e3, None),
    ("haproxy", "100k"): (3.3e3, None), ("nginx", "100k"): (7.7e3, None)}

BAD_LOG = re.compile(r"fatal|AddressSanitizer|LeakSanitizer|runtime error|"
    r"\berror\b|\bERROR\b|assert|abort|segfault|SIGSEGV", re.I)


def log(msg):
	print(msg, flush=True)


def ensure_user(name="_hakit"):
	r = subprocess.run(["getent", "passwd", name], capture_output=True)
	if r.returncode != 0:
		netlab.run(["useradd", "-r", "-M", "-d", "/nonexistent", "-s",
		    "/usr/sbin/nologin", name])


def pkg(flag):
	return netlab.run(["pkg-config", flag] + PKGS).stdout.split()


def build_release(out):
	"""relayd compiled from the tree's sources with the Makefile's
	release flags into out (the tree and build/ are left alone);
	returns (path, warning lines)."""
	cflags = ["-std=c11", "-D_GNU_SOURCE", "-g"] + WARN + ["-Ilib",
	    "-Irelayd"] + pkg("--cflags") + RELEASE
	ldflags = ["-pie", "-Wl,-z,relro,-z,now"]
	lib = sorted("lib/" + f for f in os.listdir(os.path.join(REPO, "lib"))
	    if f.endswith(".c"))
	src = sorted("relayd/" + f for f in
	    os.listdir(os.path.join(REPO, "relayd")) if f.endswith(".c"))
	parse = os.path.join(out, "parse.c")
	netlab.run(["byacc", "-o", parse, os.path.join(REPO, "relayd",
	    "parse.y")])
	exe = os.path.join(out, "relayd")
	r = subprocess.run(["cc"] + cflags + ["-o", exe] + src + [parse] +
	    lib + ldflags + pkg("--libs"), cwd=REPO, stdout=subprocess.PIPE,
	    stderr=subprocess.STDOUT, text=True, timeout=300)
	if r.returncode != 0:
		raise LabError("release build failed:\n%s" % r.stdout[-2000:])
	return exe, [l for l in r.stdout.splitlines() if "warning:" in l]


def make_keypair(d):
	"""An EC P-256 self-signed certificate and its key in d; returns
	(cert, key, pem with both for HAProxy)."""
	cert, key = os.path.join(d, "bench.crt"), os.path.join(d, "bench.key")
	netlab.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
	    "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out",
	    cert, "-subj", "/CN=bench.example", "-days", "2"])
	os.chmod(key, 0o600)
	pem = os.path.join(d, "bench.pem")
	with open(pem, "w") as f:
		for p in (cert, key):
			with open(p) as g:
				f.write(g.read())
	os.chmod(pem, 0o600)
	return cert, key, pem


# --- The client's byte check (run in the client namespace) -------------

def fetch(spec):
	"""spec: JSON {host, port, tls, files: {path: sha256}}.  For each
	file: two GETs on one connection, then one with Connection: close;
	prints JSON {ok, problems}."""
	import http.client
	import ssl
	s = json.loads(spec)
	problems = []
	for path, want in sorted(s["files"].items()):
		if s["tls"]:
			ctx = ssl.create_default_context()
			ctx.check_hostname = False
			ctx.verify_mode = ssl.CERT_NONE
			conn = http.client.HTTPSConnection(s["host"], s["port"],
			    timeout=5, context=ctx)
		else:
			conn = http.client.HTTPConnection(s["host"], s["port"],
			    timeout=5)
		try:
			for i, hdrs in enumerate(({}, {}, {"Connection":
			    "close"})):
				conn.request("GET", path, headers=hdrs)
				r = conn.getresponse()
				body = r.read()
				got = hashlib.sha256(body).hexdigest()
				if r.status != 200 or got != want:
					problems.append("%s #%d: status %d, %d bytes%s" %
					    (path, i + 1, r.status, len(body),
					    ", wrong bytes" if got != want else ""))
		except (OSError, http.client.HTTPException) as e:
			problems.append("%s: %s: %s" % (path, type(e).__name__,
			    e))
		finally:
			conn.close()
	print(json.dumps({"ok": not problems, "problems": problems}))


# --- The bench ---------------------------------------------------------

class Bench:
	def __init__(self, args, relayd, keypair):
		self.args = args
		self.relayd = relayd
		self.cert, self.key, self.pem = keypair
		self.lab = netlab.Lab("hkpx", workdir=args.logs)
		ncpu = os.cpu_count() or 1
		self.pinned = ncpu >= 2 and not args.no_pin
		self.proxy_cpu = ncpu - 1 if self.pinned else None
		self.other_cpu = 0 if self.pinned else None
		self.notes = []
		self.problems = []
		self.bad_lines = []	# relayd's log while serving
		self.bad_stop = []	# ... once sent SIGTERM
		self.files = {}

	def taskset(self, cpu, argv):
		if cpu is None:
			return list(argv)
		return ["taskset", "-c", str(cpu)] + list(argv)

	def rps(self, ns, ifname, cpu):
		if cpu is None:
			return
		ns.run(["sh", "-c", "echo %x > /sys/class/net/%s/queues/"
		    "rx-0/rps_cpus" % (1 << cpu, ifname)])

	def build(self):
		self.client = netlab.Ns(self.lab, "client")
		self.proxy = netlab.Ns(self.lab, "proxy")
		self.origin = netlab.Ns(self.lab, "origin")
		for h in (self.client, self.proxy, self.origin):
			h.sysctl("net.ipv6.conf.all.disable_ipv6", 1)
			h.sysctl("net.ipv6.conf.default.disable_ipv6", 1)
			h.sysctl("net.ipv4.ip_local_port_range", "1024 65000")
			h.sysctl("net.ipv4.tcp_tw_reuse", 1)
			h.sysctl("net.core.somaxconn", 4096)
			h.sysctl("net.ipv4.tcp_max_syn_backlog", 4096)
		self.proxy.sysctl("net.ipv4.ip_forward", 1)
		netlab.veth(self.client, "eth0", self.proxy, "ethc")
		netlab.veth(self.origin, "eth0", self.proxy, "eths")
		self.client.run(["ip", "addr", "add", CLIENT + "/24", "dev",
		    "eth0"])
		self.client.run(["ip", "route", "add", "198.51.100.0/24", "via",
		    VIP])
		self.proxy.run(["ip", "addr", "add", VIP + "/24", "dev", "ethc"])
		self.proxy.run(["ip", "addr", "add", PROXY_S + "/24", "dev",
		    "eths"])
		self.origin.run(["ip", "addr", "add", ORIGIN + "/24", "dev",
		    "eth0"])
		self.origin.run(["ip", "route", "add", "default", "via",
		    PROXY_S])
		self.rps(self.client, "eth0", self.other_cpu)
		self.rps(self.origin, "eth0", self.other_cpu)
		self.rps(self.proxy, "ethc", self.proxy_cpu)
		self.rps(self.proxy, "eths", self.proxy_cpu)
		self.start_origin()

	def start_origin(self):
		d = self.lab.path("origin")
		www = os.path.join(d, "www")
		os.makedirs(www, exist_ok=True)
		small = (b"hakit proxy bench, a 128-byte answer " * 4)[:SMALL - 1] \
		    + b"\n"
		large = os.urandom(LARGE)
		for name, data in (("128", small), ("100k", large)):
			with open(os.path.join(www, name), "wb") as f:
				f.write(data)
			self.files["/" + name] = hashlib.sha256(data).hexdigest()
		os.chmod(d, 0o755)
		os.chmod(www, 0o755)
		conf = self.lab.write("origin.conf",
		    "# proxy bench: the origin\n"
		    "daemon off;\n"
		    "master_process off;\n"
		    "worker_processes 1;\n"
		    "pid %(d)s/nginx.pid;\n"
		    "error_log stderr warn;\n"
		    "events { worker_connections 16384; }\n"
		    "http {\n"
		    "\taccess_log off;\n"
		    "%(temp)s"
		    "\tsendfile on;\n"
		    "\ttcp_nopush on;\n"
		    "\tkeepalive_requests 1000000;\n"
		    "\tdefault_type application/octet-stream;\n"
		    "\tserver {\n"
		    "\t\tlisten %(a)s:%(p)d backlog=4096;\n"
		    "\t\troot %(www)s;\n"
		    "\t}\n"
		    "}\n" % {"d": d, "www": www, "a": ORIGIN, "p": ORIGIN_PORT,
		    "temp": self.temp_paths(d)})
		self.origin_proc = self.origin.spawn(self.taskset(self.other_cpu,
		    ["nginx", "-p", d, "-c", conf, "-e", "stderr"]))
		netlab.wait_until(lambda: self.check_bytes(ORIGIN, ORIGIN_PORT,
		    False) is None, READY_BOUND, interval=0.2,
		    desc="the origin to serve")

	@staticmethod
	def temp_paths(d):
		return "".join("\t%s_temp_path %s;\n" % (k, os.path.join(d, k))
		    for k in ("client_body", "proxy", "fastcgi", "uwsgi",
		    "scgi"))

	def check_bytes(self, host, port, tls):
		"""None if the right bytes came back, else the problems."""
		spec = json.dumps({"host": host, "port": port, "tls": tls,
		    "files": self.files})
		r = self.client.run([sys.executable, os.path.abspath(__file__),
		    "--fetch", spec], check=False, timeout=30)
		try:
			res = json.loads(r.stdout.strip().splitlines()[-1])
		except (ValueError, IndexError):
			return ["fetch: exit %d: %s" % (r.returncode,
			    (r.stderr + r.stdout).strip()[-300:])]
		return None if res["ok"] else res["problems"]

	# The proxies

	def start(self, setting):
		if setting == "direct":
			return None
		if setting in ("relayd", "relayd-tcp"):
			p = self.start_relayd(setting == "relayd")
		elif setting == "haproxy":
			p = self.start_haproxy()
		else:
			p = self.start_nginx()
		targets = [(PORT, False)]
		if setting in HAS_TLS:
			targets.append((TLS_PORT, True))
		for port, tls in targets:
			box = {}

			def ok():
				if not p.alive():
					return True
				box["last"] = self.check_bytes(VIP, port, tls)
				return box["last"] is None
			try:
				netlab.wait_until(ok, READY_BOUND, interval=0.3,
				    desc="%s to serve the right bytes (%s)" % (
				    setting, "tls" if tls else "plain"))
			except LabError as e:
				raise LabError("%s; last: %s" % (e,
				    "; ".join(box.get("last") or [])))
			if not p.alive():
				raise LabError("%s exited: %s" % (setting,
				    " | ".join(p.text().splitlines()[-4:])))
		return p

	def start_relayd(self, http):
		tls_proto = ""
		tls_relay = ""
		bl = self.args.backlog
		tcp = "\ttcp { backlog %d }\n" % bl if bl else ""
		if http:
			tls_proto = ("http protocol \"pt\" {\n"
			    "%s"
			    "\ttls { keypair \"bench\" cert \"%s\" key \"%s\" }\n"
			    "%s"
			    "}\n" % (tcp, self.cert, self.key,
			    "" if self.args.no_tickets else
			    "\ttls session tickets\n"))
			tls_relay = ("relay \"rt\" {\n"
			    "\tlisten on %s port %d tls\n"
			    "\tprotocol \"pt\"\n"
			    "\tforward to <be> port %d check tcp\n"
			    "}\n" % (VIP, TLS_PORT, ORIGIN_PORT))
		if http:
			proto = "http protocol \"p\" {\n%s}\n" % tcp
		elif bl:
			proto = "tcp protocol \"p\" {\n%s}\n" % tcp
		else:
			proto = ""
		conf = self.lab.write("relayd.conf",
		    "# proxy bench: %s\n"
		    "prefork 1\n"
		    "interval 1\n"
		    "timeout 500\n"
		    "table <be> { %s }\n"
		    "%s%s"
		    "relay \"r\" {\n"
		    "\tlisten on %s port %d\n"
		    "%s"
		    "\tforward to <be> port %d check tcp\n"
		    "}\n"
		    "%s" % ("http protocol" if http else "tcp relay", ORIGIN,
		    proto, tls_proto, VIP, PORT, "\tprotocol \"p\"\n" if
		    proto else "", ORIGIN_PORT, tls_relay), 0o600)
		return self.proxy.spawn(self.taskset(self.proxy_cpu,
		    [self.relayd, "-d", "-f", conf, "-s",
		    self.lab.path("relayd.sock")]))

	def start_haproxy(self):
		conf = self.lab.write("haproxy.cfg",
		    "# proxy bench\n"
		    "global\n"
		    "\tnbthread 1\n"
		    "\tmaxconn 8000\n"
		    "defaults\n"
		    "\tmode http\n"
		    "\ttimeout connect 5s\n"
		    "\ttimeout client 30s\n"
		    "\ttimeout server 30s\n"
		    "frontend fe\n"
		    "\tbind %s:%d\n"
		    "\tbind %s:%d ssl crt %s\n"
		    "\tmaxconn 8000\n"
		    "\tdefault_backend be\n"
		    "backend be\n"
		    "\tserver origin %s:%d\n" % (VIP, PORT, VIP, TLS_PORT,
		    self.pem, ORIGIN, ORIGIN_PORT))
		return self.proxy.spawn(self.taskset(self.proxy_cpu,
		    ["haproxy", "-db", "-f", conf]))

	def start_nginx(self):
		d = self.lab.path("nginx")
		os.makedirs(d, exist_ok=True)
		conf = self.lab.write("nginx.conf",
		    "# proxy bench\n"
		    "daemon off;\n"
		    "master_process off;\n"
		    "worker_processes 1;\n"
		    "pid %(d)s/nginx.pid;\n"
		    "error_log stderr warn;\n"
		    "events { worker_connections 16384; }\n"
		    "http {\n"
		    "\taccess_log off;\n"
		    "%(temp)s"
		    "\tkeepalive_requests 1000000;\n"
		    "\tupstream be {\n"
		    "\t\tserver %(o)s:%(op)d;\n"
		    "\t\tkeepalive 64;\n"
		    "\t}\n"
		    "\tserver {\n"
		    "\t\tlisten %(a)s:%(p)d backlog=4096;\n"
		    "\t\tlisten %(a)s:%(tp)d ssl backlog=4096;\n"
		    "\t\tssl_certificate %(cert)s;\n"
		    "\t\tssl_certificate_key %(key)s;\n"
		    "\t\tlocation / {\n"
		    "\t\t\tproxy_pass http://be;\n"
		    "\t\t\tproxy_http_version 1.1;\n"
		    "\t\t\tproxy_set_header Connection \"\";\n"
		    "\t\t\tproxy_buffers 32 8k;\n"
		    "\t\t}\n"
		    "\t}\n"
		    "}\n" % {"d": d, "temp": self.temp_paths(d), "o": ORIGIN,
		    "op": ORIGIN_PORT, "a": VIP, "p": PORT, "tp": TLS_PORT,
		    "cert": self.cert, "key": self.key})
		return self.proxy.spawn(self.taskset(self.proxy_cpu,
		    ["nginx", "-p", d, "-c", conf, "-e", "stderr"]))

	@staticmethod
	def family(pid):
		"""pid and its descendants, from /proc."""
		kids = {}
		for d in os.listdir("/proc"):
			if not d.isdigit():
				continue
			try:
				with open("/proc/%s/stat" % d) as f:
					ppid = int(f.read().rsplit(")", 1)[1]
					    .split()[1])
			except (OSError, ValueError, IndexError):
				continue
			kids.setdefault(ppid, []).append(int(d))
		out, todo = [], [pid]
		while todo:
			p = todo.pop()
			out.append(p)
			todo += kids.get(p, [])
		return out

	@staticmethod
	def comm(pid):
		try:
			with open("/proc/%d/comm" % pid) as f:
				return f.read().strip()
		except OSError:
			return "?"

	def cpu_snapshot(self, proc):
		"""{pid: (comm, cpu seconds)} of the proxy's processes."""
		if proc is None:
			return {}
		snap = {}
		for pid in self.family(proc.pid):
			try:
				ticks, sched = netlab.cpu_seconds(pid)
			except (OSError, ValueError, IndexError):
				continue
			snap[pid] = (self.comm(pid), sched if sched is not None
			    else ticks)
		return snap

	def wrk(self, setting, mode, tls, seconds, proc):
		argv = ["wrk", "-t1", "-c%d" % self.args.connections,
		    "-d%ds" % seconds, "--latency"]
		if mode == "close":
			argv += ["-H", "Connection: close"]
		if setting == "direct":
			url = "http://%s:%d" % (ORIGIN, ORIGIN_PORT)
		elif tls:
			url = "https://%s:%d" % (VIP, TLS_PORT)
		else:
			url = "http://%s:%d" % (VIP, PORT)
		argv.append(url + PATHS[mode])
		s0 = self.cpu_snapshot(proc)
		c0 = cpu_times()
		t0 = time.monotonic()
		r = self.client.run(self.taskset(self.other_cpu, argv),
		    check=False, timeout=seconds + 30)
		wall = time.monotonic() - t0
		c1 = cpu_times()
		s1 = self.cpu_snapshot(proc)
		if r.returncode != 0:
			raise LabError("wrk: exit %d: %s" % (r.returncode,
			    (r.stderr + r.stdout).strip()[-300:]))
		res = parse_wrk(r.stdout)
		m = re.search(r"([\d.]+)([KMG]?B) read", r.stdout)
		if m:
			res["bytes"] = float(m.group(1)) * {"B": 1, "KB": 1024,
			    "MB": 1024 ** 2, "GB": 1024 ** 3}[m.group(2)]
		res["busy"] = busy_share(c0, c1)
		if proc is not None:
			used = sum(s1[p][1] - s0[p][1] for p in s1 if p in s0)
			relay = sum(s1[p][1] - s0[p][1] for p in s1 if p in s0
			    and re.match(r"relay($|\s|-)", s1[p][0]))
			res["cpu"] = 100.0 * used / wall
			res["cpu_relay"] = 100.0 * relay / wall
			res["us_req"] = 1e6 * used / res["requests"] \
			    if res["requests"] else None
		return res

	def check_log(self, setting, proc, after_ns=0, shutdown=False):
		"""relayd's bad lines (after_ns on), kept verbatim once each."""
		if proc is None or not setting.startswith("relayd"):
			return
		with proc._lock:
			lines = [t for n, t in proc.lines if n >= after_ns]
		out = self.bad_stop if shutdown else self.bad_lines
		for line in lines:
			if BAD_LOG.search(line) and line not in out:
				out.append(line)

	def run_setting(self, setting, results, trial):
		proc = None
		try:
			proc = self.start(setting)
			for tls in (False, True):
				if tls and setting not in HAS_TLS:
					continue
				self.wrk(setting, "keepalive", tls, self.args.warmup,
				    proc)
				for mode in MODES:
					res = self.wrk(setting, mode, tls,
					    self.args.duration, proc)
					if proc is not None and not proc.alive():
						raise LabError("%s exited: %s" % (setting,
						    " | ".join(proc.text()
						    .splitlines()[-4:])))
					results[(setting, tls, mode)].append(res)
					log("  %-10s %-3s %-9s %8.0f req/s  p99 %7.2f ms"
					    "  cpu %5.1f%%  errors %d" % (setting,
					    "tls" if tls else "", mode, res["rps"],
					    res["p99_ms"] or -1, res.get("cpu", 0),
					    res["errors"]))
			if proc is not None and setting != "direct":
				# The bytes still right after the load.
				p = self.check_bytes(VIP, PORT, False)
				if p:
					self.problems.append("trial %d, %s after the "
					    "load: %s" % (trial, setting, "; ".join(p)))
		finally:
			if proc is not None:
				self.check_log(setting, proc)
				t_stop = time.monotonic_ns()
				rc = proc.stop()
				self.check_log(setting, proc, t_stop, True)
				if setting.startswith("relayd") and rc not in (0,
				    None, -15):
					self.problems.append("trial %d: %s exit "
					    "status %s on SIGTERM" % (trial, setting,
					    rc))


# --- Report ------------------------------------------------------------

def med(xs):
	xs = [x for x in xs if x is not None]
	return statistics.median(xs) if xs else None


def fmt(v, nd=0):
	return "–" if v is None else "%.*f" % (nd, v)


def spread(xs, nd=0):
	xs = [x for x in xs if x is not None]
	if not xs:
		return "–"
	return "%s (%s–%s)" % (fmt(statistics.median(xs), nd),
	    fmt(min(xs), nd), fmt(max(xs), nd))


def ratio(a, b, nd=2):
	return "%.*f" % (nd, a / b) if a is not None and b else "–"


def report(results, settings, b, args, elapsed, load0, build):
	k = platform.uname()
	L = []
	L.append("## Layer-7 proxies: relayd relays vs HAProxy vs nginx\n")
	L.append("- date: %s" % datetime.datetime.now().astimezone()
	    .strftime("%Y-%m-%d %H:%M %Z"))
	L.append("- kernel: Linux %s (%s), %d CPUs, load average %s at the "
	    "start, %s at the end (other work shares the machine: read the "
	    "spread, not only the median)" % (k.release, k.machine,
	    os.cpu_count() or 0, load0, netlab.loadavg()))
	L.append("- command: `%s`, as root" % " ".join(
	    ["/usr/bin/python3", "bench/proxy.py"] + sys.argv[1:]))
	L.append("- relayd: %s" % build)
	L.append("- peers: HAProxy %s, nginx %s (proxy and origin), wrk %s "
	    "(Debian packages)" % (
	    netlab.version(["haproxy", "-v"], r"version ([0-9.]+)"),
	    netlab.version(["nginx", "-v"], r"nginx/([0-9.]+)"),
	    netlab.version(["wrk", "--version"], r"wrk \S*?([0-9][0-9.]+)")))
	L.append("- load: `wrk -t1 -c%d -d%ds --latency` per cell (close adds "
	    "`-H 'Connection: close'`), %d trials, a %d s keep-alive warm-up "
	    "after each proxy start and before its TLS cells; whole bench "
	    "%.0f s" % (args.connections, args.duration, args.trials,
	    args.warmup, elapsed))
	if b.pinned:
		L.append("- pinning: every proxy process on CPU %d (taskset; the "
		    "proxy namespace's veths steer receive work there by "
		    "rps_cpus); wrk and the origin nginx share CPU %d" % (
		    b.proxy_cpu, b.other_cpu))
	else:
		L.append("- pinning: none (one CPU, or --no-pin)")
	L.append("")
	L.append("### Against the issue's targets\n")

	def m(s, tls, mode, key):
		return med(r.get(key) for r in results[(s, tls, mode)])
	for tls in (False, True):
		t = " with TLS" if tls else ""
		rk, hk, nk = (m(s, tls, "keepalive", "rps") for s in
		    ("relayd", "haproxy", "nginx"))
		rp, hp = (m(s, tls, "keepalive", "p99_ms") for s in
		    ("relayd", "haproxy"))
		if rk and hk:
			ok = rk >= 1.2 * hk and rp is not None and hp is not None \
			    and rp <= hp
			L.append("- keep-alive%s: relayd %.0f req/s, %.2f x "
			    "HAProxy's %.0f (target ≥ 1.2), p99 %.2f ms against "
			    "%.2f ms (target no worse): %s." % (t, rk, rk / hk,
			    hk, rp or -1, hp or -1, "met" if ok else "MISS"))
		rc, nc = m("relayd", tls, "close", "rps"), \
		    m("nginx", tls, "close", "rps")
		if rc and nc:
			L.append("- new connection per request%s: relayd %.0f "
			    "req/s, %.2f x nginx's %.0f (target ≥ 1.0): %s." % (
			    t, rc, rc / nc, nc, "met" if rc >= nc else "MISS"))
		rl, nl = m("relayd", tls, "100k", "rps"), \
		    m("nginx", tls, "100k", "rps")
		if rl and nl:
			L.append("- 100 KiB%s: relayd %.0f req/s, %.2f x nginx's "
			    "%.0f (target ≥ 1.5): %s." % (t, rl, rl / nl, nl,
			    "met" if rl >= 1.5 * nl else "MISS"))
	tl, nl = m("relayd-tcp", False, "100k", "rps"), \
	    m("nginx", False, "100k", "rps")
	if tl and nl:
		L.append("- 100 KiB through the plain TCP relay (splice, no "
		    "HTTP parsing): %.0f req/s, %.2f x nginx." % (tl, tl / nl))
	d = m("direct", False, "keepalive", "rps")
	if d:
		L.append("- the ceiling: wrk straight to the origin (routed, "
		    "no proxy) does %.0f req/s keep-alive, %.0f with a new "
		    "connection, %.0f at 100 KiB; a proxy near it is bound by "
		    "the client and origin's CPU, not by itself (see the CPU "
		    "rows)." % (d, m("direct", False, "close", "rps") or 0,
		    m("direct", False, "100k", "rps") or 0))
	L.append("- the issue's figures, measured elsewhere: keep-alive "
	    "HAProxy 30.5k (p99 3.4 ms), nginx 27.4k; new connection HAProxy "
	    "9.9k, nginx 21.3k; 100 KiB HAProxy 3.3k, nginx 7.7k.  The "
	    "ratios above compare figures measured here, in one run.")
	if b.problems:
		L.append("- problems: " + "; ".join(b.problems) + ".")
	if b.bad_lines:
		L.append("- relayd's log while serving (fatal, errors, "
		    "sanitizers), verbatim:")
		for line in b.bad_lines[:12]:
			L.append("  `%s`" % line.replace("`", "'")[:200])
	else:
		L.append("- relayd's log while serving: no fatal, error or "
		    "sanitizer line.")
	if b.bad_stop:
		L.append("- relayd's log once sent SIGTERM, verbatim:")
		for line in b.bad_stop[:6]:
			L.append("  `%s`" % line.replace("`", "'")[:200])
	L.append("")
	L.append("### Figures, median (min–max) of %d trials\n" % args.trials)
	cols = list(SETTINGS)
	hdr = "| cell | figure | " + " | ".join(LABELS[s] for s in cols) + \
	    " | relayd/HAProxy | relayd/nginx |"
	L.append(hdr)
	L.append("|" + "---|" * (hdr.count("|") - 1))
	rows = (("req/s", "rps", 0, True), ("p99 latency, ms", "p99_ms", 2,
	    True), ("proxy CPU, % of a core", "cpu", 0, True),
	    ("proxy CPU, µs per request", "us_req", 1, True),
	    ("… relayd's relay process alone, % of a core", "cpu_relay", 0,
	    False), ("CPU 0 busy (wrk + origin), %", "cpu0", 0, False),
	    ("errors (socket + non-2xx)", "errors", 0, False))
	for tls in (False, True):
		for mode in MODES:
			name = {"keepalive": "128 B keep-alive", "close":
			    "128 B new conn.", "100k": "100 KiB keep-alive"}[mode] \
			    + (", TLS" if tls else "")
			for s in cols:
				for r in results[(s, tls, mode)]:
					r["cpu0"] = r["busy"][0] if r.get("busy") \
					    else None
			for label, key, nd, rat in rows:
				cells = []
				for s in cols:
					if s not in settings:
						cells.append("not run")
					elif tls and s not in HAS_TLS:
						cells.append("")
					elif key in ("cpu", "us_req", "cpu_relay") and \
					    s == "direct":
						cells.append("")
					elif key == "cpu_relay" and s not in ("relayd",
					    "relayd-tcp"):
						cells.append("")
					else:
						cells.append(spread([r.get(key) for r in
						    results[(s, tls, mode)]], nd))
				r_m = m("relayd", tls, mode, key)
				rh = ratio(r_m, m("haproxy", tls, mode, key)) \
				    if rat else ""
				rn = ratio(r_m, m("nginx", tls, mode, key)) \
				    if rat else ""
				L.append("| %s | %s | %s | %s | %s |" % (name, label,
				    " | ".join(cells), rh, rn))
	L.append("")
	if b.notes:
		L.append("Notes: " + "; ".join(b.notes) + ".\n")
	L.append(METHOD)
	return "\n".join(L)


METHOD = """How it is measured:

- Namespaces client (203.0.113.100), proxy (203.0.113.1 towards the
  client, 198.51.100.1 towards the origin) and origin (198.51.100.11),
  joined by two veths.  The origin is nginx (one process, `sendfile`,
  keep-alive) serving /128 and /100k from files on port 8080; every
  proxy forwards to it, and "origin direct" is wrk to it routed through
  the proxy namespace (its kernel forwards; no proxy process).
- One proxy at a time listens on 203.0.113.1:80 and :443 (TLS, one EC
  P-256 self-signed keypair for all, made with openssl in a temp dir).
  relayd: `prefork 1`, `table <be> { 198.51.100.11 }`, `http protocol
  "p" { }` (no rules), `relay "r" { listen on 203.0.113.1 port 80;
  protocol "p"; forward to <be> port 8080 check tcp }`, and for TLS a
  second relay `listen on ... port 443 tls` with a protocol holding
  `tls { keypair "bench" cert "..." key "..." }` and `tls session
  tickets` (`--no-tickets` leaves them off, OpenBSD's default); relayd
  (tcp) omits the
  protocol.  relayd ties each client connection to one backend
  connection, as OpenBSD's does.  HAProxy: `mode http`, `nbthread 1`,
  one frontend with `bind :80` and `bind :443 ssl crt`, default reuse
  of server connections.  relayd's listen backlog is 512, the most it
  allows (`tcp { backlog 512 }` in its protocols, relayd (tcp)
  included; `--backlog 0` leaves its default of 10, as OpenBSD's); HAProxy
  and nginx listen with backlogs in the thousands.  nginx: one worker, `proxy_pass` to an
  upstream with `keepalive 64`, `proxy_http_version 1.1`,
  `proxy_buffers 32 8k` (a 100 KiB answer stays in memory).
- Each trial starts every proxy in turn, checks that it returns the
  exact bytes of both files (sha256; twice on one connection, then with
  `Connection: close`, plain and TLS), warms up, runs the cells, checks
  the bytes again after the load, and stops it; the trials repeat that
  sequence, so drift over time spreads over every proxy.
- Proxy CPU: schedstat run time of the proxy's processes (all threads;
  for relayd the parent and every child: hce, pfe, ca, relay) over the
  wrk run, divided by the run's wall time (% of one core), and per
  request.  CPU 0 busy is CPU 0's whole busy share (from /proc/stat):
  near 100 % means the client and the origin were the bound, not the
  proxy.
- wrk counts a request done when the whole answer arrived.  In TLS
  cells with a new connection per request wrk offers the session of
  the connection before (SSL_clear keeps it), so a proxy that resumes
  pays a resumed handshake, one that does not a full one: HAProxy
  (session cache and tickets) and nginx (tickets) resume by default,
  relayd with `tls session tickets`.
"""


def main():
	if len(sys.argv) == 3 and sys.argv[1] == "--fetch":
		fetch(sys.argv[2])
		return
	ap = argparse.ArgumentParser(description=__doc__,
	    formatter_class=argparse.RawDescriptionHelpFormatter)
	ap.add_argument("--trials", type=int, default=3)
	ap.add_argument("--duration", type=int, default=5,
	    help="seconds per wrk run (default 5)")
	ap.add_argument("--warmup", type=int, default=1)
	ap.add_argument("--connections", type=int, default=64)
	ap.add_argument("--settings", default=",".join(SETTINGS))
	ap.add_argument("--relayd", metavar="PATH",
	    help="use this relayd binary instead of a release build of the "
	    "tree (e.g. an ASan build)")
	ap.add_argument("--backlog", type=int, metavar="N", default=512,
	    help="give relayd's protocols `tcp { backlog N }`: 512, the "
	    "most relayd allows, by default (its default is 10, as "
	    "OpenBSD's; HAProxy and nginx listen here with 4096); 0 for "
	    "none, and then relayd (tcp) has no protocol at all")
	ap.add_argument("--no-pin", action="store_true")
	ap.add_argument("--no-tickets", action="store_true",
	    help="leave relayd's session tickets off (OpenBSD's default): "
	    "its TLS handshakes are then all full ones")
	ap.add_argument("--logs", metavar="DIR",
	    help="keep configs and logs under DIR")
	ap.add_argument("--no-write", action="store_true",
	    help="print the table only, leave RESULTS.md alone")
	args = ap.parse_args()
	if os.geteuid() != 0:
		sys.exit("proxy: must run as root")
	if not 1 <= args.trials <= 10 or not 1 <= args.duration <= 60 or \
	    not 1 <= args.warmup <= 10 or not 1 <= args.connections <= 1000:
		sys.exit("proxy: trials 1-10, duration 1-60, warmup 1-10, "
		    "connections 1-1000")
	settings = [s for s in args.settings.split(",") if s]
	for s in settings:
		if s not in SETTINGS:
			sys.exit("proxy: unknown setting %s" % s)
	for tool in ("wrk", "nginx", "haproxy", "openssl", "taskset", "byacc",
	    "cc"):
		if shutil.which(tool) is None:
			sys.exit("proxy: %s missing: run scripts/deps" % tool)
	if args.logs:
		os.makedirs(args.logs, exist_ok=True)

	netlab.install_cleanup()
	netlab.cleanup_stale("hkpx")
	start = time.monotonic()
	load0 = netlab.loadavg()
	tmp = tempfile.mkdtemp(prefix="hkpx-build-")
	results = {(s, t, m): [] for s in SETTINGS for t in (False, True)
	    for m in MODES}
	b = None
	try:
		relayd = args.relayd
		if any(s.startswith("relayd") for s in settings):
			ensure_user()
			if relayd is None:
				log("building a release relayd into %s" % tmp)
				relayd, warns = build_release(tmp)
				build = ("release build of the tree's sources (working "
				    "tree, git %s) made by the bench: cc -O2 with the "
				    "Makefile's release flags%s" % (netlab.run(["git",
				    "-C", REPO, "describe", "--always", "--dirty"],
				    check=False).stdout.strip() or "?",
				    ", %d warnings" % len(warns) if warns else ""))
			else:
				build = "`%s` (given with --relayd)" % relayd
		else:
			build = "not run"
		keypair = make_keypair(tmp)
		b = Bench(args, relayd, keypair)
		b.build()
		for trial in range(1, args.trials + 1):
			log("trial %d" % trial)
			for s in settings:
				try:
					b.run_setting(s, results, trial)
				except (LabError, OSError,
				    subprocess.SubprocessError) as e:
					b.problems.append("trial %d, %s aborted: %s" %
					    (trial, s, e))
					log("  %s aborted: %s" % (s, e))
	finally:
		if b is not None:
			b.lab.teardown()
		shutil.rmtree(tmp, ignore_errors=True)
	elapsed = time.monotonic() - start
	section = report(results, settings, b, args, elapsed, load0, build)
	print()
	print(section)
	if not args.no_write:
		netlab.write_results(RESULTS, BEGIN, END, section)
		log("wrote %s" % RESULTS)


if __name__ == "__main__":
	main()
