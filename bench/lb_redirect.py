#!/usr/bin/python3
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The hakit Authors
"""
Layer-3 load balancing benchmark: relayd's redirect against plain
nftables DNAT and HAProxy in TCP mode, side by side, in one run.

One topology serves the three settings (namespaces; the load balancer
"lb" holds the servers' bridge):

	client 203.0.113.100 ---- lb ethc 203.0.113.1 (the service address)
	                          lb br0  198.51.100.1 --+-- web1 198.51.100.11
	                                                 +-- web2 198.51.100.12
	                                                 +-- ...

Every web server runs nginx (one process, a 3-byte answer, no access
log) and routes back through lb, so DNAT needs no source NAT.

Settings, one at a time on the same topology:
  dnat     a hand-written nftables table: prerouting DNAT of
	   203.0.113.1:80 by `numgen inc mod N` into the servers
  relayd   relayd/relayd with `redirect "www"` (check tcp, interval 1),
	   which installs its own table (inet hakit_relayd)
  haproxy  HAProxy in TCP mode, one thread, roundrobin, no checks

Load: wrk (one thread, --connections, --duration) from the client, run
with HTTP keep-alive ("keepalive") and with `Connection: close` ("close",
one TCP connection per request).  Figures: requests/s and p99 latency
(wrk --latency), and their ratio to plain DNAT measured in the same run.

Pinning, with two or more CPUs: the last CPU is lb's, every other task
runs on CPU 0.  HAProxy and relayd run under `taskset -c LB`.  DNAT's
work is kernel softirq work done where a packet is received: a veth
delivers on the sending CPU, so receive packet steering (rps_cpus) on
lb's veths moves all of lb's forwarding and NAT to the lb CPU, and RPS on
the client's and the servers' veths moves their receive work to CPU 0;
wrk and nginx run under `taskset -c 0`.  The busy share of each CPU
during the run is reported, which shows which side was the bound.

Run as root: /usr/bin/python3 bench/lb_redirect.py  (or: make bench)
"""

import argparse
import datetime
import json
import os
import platform
import re
import statistics
import subprocess
import sys
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

CLIENT = "203.0.113.100"
VIP = "203.0.113.1"
LB_S = "198.51.100.1"
WEB_BASE = 11		# web i: 198.51.100.(WEB_BASE + i)
PORT = 80

SETTINGS = ("dnat", "relayd", "haproxy")
LABELS = {"dnat": "nft DNAT", "relayd": "relayd redirect",
    "haproxy": "HAProxy (mode tcp)"}
MODES = ("keepalive", "close")

READY_BOUND = 20	# a load balancer to start and pass traffic
HOSTS_UP_BOUND = 15	# relayd's checks to find every server up

BEGIN = "<!-- lb_redirect: begin -->"
END = "<!-- lb_redirect: end -->"


def log(msg):
	print(msg, flush=True)


def web_addr(i):
	return "198.51.100.%d" % (WEB_BASE + i)


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


def cpu_times():
	"""[(busy, total, softirq)] jiffies per CPU from /proc/stat."""
	out = []
	with open("/proc/stat") as f:
		for line in f:
			if not re.match(r"cpu\d+ ", line):
				continue
			v = [int(x) for x in line.split()[1:]]
			idle = v[3] + v[4]
			out.append((sum(v[:8]) - idle, sum(v[:8]), v[6]))
	return out


def busy_share(a, b, col=0):
	return [100.0 * (b[i][col] - a[i][col]) / max(1, b[i][1] - a[i][1])
	    for i in range(min(len(a), len(b)))]


def parse_wrk(text):
	"""{rps, p99_ms, p50_ms, requests, errors} from wrk --latency."""
	def ms(v, unit):
		return float(v) * {"us": 1e-3, "ms": 1.0, "s": 1e3,
		    "m": 6e4}[unit]
	res = {}
	m = re.search(r"Requests/sec:\s*([\d.]+)", text)
	if not m:
		raise LabError("wrk: no Requests/sec in: %s" % text[-300:])
	res["rps"] = float(m.group(1))
	for pct, key in (("50", "p50_ms"), ("99", "p99_ms")):
		m = re.search(r"^\s*%s(?:\.0+)?%%\s+([\d.]+)(us|ms|s|m)\b" %
		    pct, text, re.M)
		res[key] = ms(m.group(1), m.group(2)) if m else None
	m = re.search(r"(\d+) requests in", text)
	res["requests"] = int(m.group(1)) if m else 0
	err = 0
	m = re.search(r"Socket errors: connect (\d+), read (\d+), write "
	    r"(\d+), timeout (\d+)", text)
	if m:
		err += sum(int(x) for x in m.groups())
	m = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
	if m:
		err += int(m.group(1))
	res["errors"] = err
	return res


class Bench:
	def __init__(self, args):
		self.args = args
		self.lab = netlab.Lab("hklb", workdir=args.logs)
		ncpu = os.cpu_count() or 1
		self.pinned = ncpu >= 2 and not args.no_pin
		self.lb_cpu = ncpu - 1 if self.pinned else None
		self.other_cpu = 0
		self.notes = []

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
		lab = self.lab
		n = self.args.servers
		self.client = netlab.Ns(lab, "client")
		self.lb = netlab.Ns(lab, "lb")
		self.webs = [netlab.Ns(lab, "web%d" % (i + 1))
		    for i in range(n)]
		for h in [self.client, self.lb] + self.webs:
			h.sysctl("net.ipv6.conf.all.disable_ipv6", 1)
			h.sysctl("net.ipv6.conf.default.disable_ipv6", 1)
			h.sysctl("net.ipv4.ip_local_port_range", "1024 65000")
			h.sysctl("net.ipv4.tcp_tw_reuse", 1)
			h.sysctl("net.core.somaxconn", 4096)
			h.sysctl("net.ipv4.tcp_max_syn_backlog", 4096)
		for k in ("all", "default"):
			self.lb.sysctl("net.ipv4.conf.%s.rp_filter" % k, 0)
		self.lb.sysctl("net.ipv4.ip_forward", 1)
		netlab.veth(self.client, "eth0", self.lb, "ethc")
		self.client.run(["ip", "addr", "add", CLIENT + "/24", "dev",
		    "eth0"])
		self.lb.run(["ip", "addr", "add", VIP + "/24", "dev", "ethc"])
		# Readiness checks reach the servers through lb, routed.
		self.client.run(["ip", "route", "add", "198.51.100.0/24", "via",
		    VIP])
		self.lb.run("ip link add br0 type bridge stp_state 0 "
		    "forward_delay 0 mcast_snooping 0")
		self.lb.run("ip link set br0 up")
		self.lb.run(["ip", "addr", "add", LB_S + "/24", "dev", "br0"])
		self.rps(self.client, "eth0", self.other_cpu)
		self.rps(self.lb, "ethc", self.lb_cpu)
		for i, w in enumerate(self.webs):
			port = "w%d" % (i + 1)
			netlab.veth(w, "eth0", self.lb, port)
			self.lb.run(["ip", "link", "set", port, "master", "br0"])
			w.run(["ip", "addr", "add", web_addr(i) + "/24", "dev",
			    "eth0"])
			w.run(["ip", "route", "add", "default", "via", LB_S])
			self.rps(w, "eth0", self.other_cpu)
			self.rps(self.lb, port, self.lb_cpu)
			self.start_nginx(w, i)
		for i in range(n):
			netlab.wait_until(lambda: self.client_get(web_addr(i)),
			    READY_BOUND, interval=0.1,
			    desc="nginx on web%d" % (i + 1))

	def client_get(self, addr):
		"""A direct request from the client namespace (readiness)."""
		r = self.client.run(["wrk", "-t1", "-c1", "-d1s",
		    "http://%s:%d/" % (addr, PORT)], check=False, timeout=10)
		if r.returncode != 0:
			return False
		res = parse_wrk(r.stdout)
		return res["requests"] > 0 and res["errors"] == 0

	def start_nginx(self, w, i):
		d = self.lab.path("nginx%d" % (i + 1))
		os.makedirs(d, exist_ok=True)
		conf = self.lab.write("nginx%d.conf" % (i + 1),
		    "# lb_redirect bench: web%d\n"
		    "daemon off;\n"
		    "master_process off;\n"
		    "worker_processes 1;\n"
		    "pid %s/nginx.pid;\n"
		    "error_log stderr warn;\n"
		    "events { worker_connections 8192; }\n"
		    "http {\n"
		    "\taccess_log off;\n"
		    "\tclient_body_temp_path %s;\n"
		    "\tproxy_temp_path %s;\n"
		    "\tfastcgi_temp_path %s;\n"
		    "\tuwsgi_temp_path %s;\n"
		    "\tscgi_temp_path %s;\n"
		    "\tkeepalive_requests 1000000;\n"
		    "\tserver {\n"
		    "\t\tlisten %s:%d backlog=4096;\n"
		    "\t\tlocation / { return 200 \"ok\\n\"; }\n"
		    "\t}\n"
		    "}\n" % ((i + 1, d) + (d,) * 5 + (web_addr(i), PORT)))
		w.spawn(self.taskset(self.other_cpu, ["nginx", "-p", d, "-c",
		    conf, "-e", "stderr"]))

	# The load balancers

	def start(self, setting):
		if setting == "dnat":
			rules = ", ".join("%d : %s" % (i, web_addr(i))
			    for i in range(self.args.servers))
			netlab.run(self.lb.argv(["nft", "-f", "-"]), input=(
			    "table ip lb_dnat {\n"
			    "\tchain pre {\n"
			    "\t\ttype nat hook prerouting priority dstnat; "
			    "policy accept;\n"
			    "\t\tip daddr %s tcp dport %d dnat to numgen inc "
			    "mod %d map { %s }\n"
			    "\t}\n"
			    "}\n" % (VIP, PORT, self.args.servers, rules)))
			return None
		if setting == "haproxy":
			srv = "".join("\tserver web%d %s:%d\n" % (i + 1,
			    web_addr(i), PORT) for i in range(self.args.servers))
			conf = self.lab.write("haproxy.cfg",
			    "# lb_redirect bench\n"
			    "global\n"
			    "\tnbthread 1\n"
			    "\tmaxconn 8000\n"
			    "\tstats socket %s mode 600\n"
			    "defaults\n"
			    "\tmode tcp\n"
			    "\ttimeout connect 5s\n"
			    "\ttimeout client 30s\n"
			    "\ttimeout server 30s\n"
			    "frontend www\n"
			    "\tbind %s:%d\n"
			    "\tmaxconn 8000\n"
			    "\tdefault_backend web\n"
			    "backend web\n"
			    "\tbalance roundrobin\n"
			    "%s" % (self.lab.path("haproxy.sock"), VIP, PORT,
			    srv))
			p = self.lb.spawn(self.taskset(self.lb_cpu,
			    ["haproxy", "-db", "-f", conf]))
			netlab.wait_until(lambda: self.client_get(VIP),
			    READY_BOUND, interval=0.1,
			    desc="HAProxy to answer")
			return p
		# relayd
		hosts = ", ".join(web_addr(i)
		    for i in range(self.args.servers))
		conf = self.lab.write("relayd.conf",
		    "# lb_redirect bench\n"
		    "interval 1\n"
		    "timeout 500\n"
		    "table <web> { %s }\n"
		    "redirect \"www\" {\n"
		    "\tlisten on %s port %d\n"
		    "\tforward to <web> port %d mode roundrobin check tcp\n"
		    "}\n" % (hosts, VIP, PORT, PORT), 0o600)
		sock = self.lab.path("relayd.sock")
		p = self.lb.spawn(self.taskset(self.lb_cpu, [RELAYD, "-d", "-f",
		    conf, "-s", sock]))
		netlab.wait_until(lambda: not p.alive() or
		    self.relayd_all_up(sock), HOSTS_UP_BOUND, interval=0.1,
		    desc="relayd to find every server up")
		if not p.alive():
			raise LabError("relayd exited: %s" % " | ".join(
			    p.text().splitlines()[-4:]))
		return p

	def relayd_all_up(self, sock):
		r = subprocess.run([relayctl(), "-s", sock, "-j", "show",
		    "hosts"], capture_output=True, text=True, timeout=5)
		if r.returncode != 0:
			return False
		data = json.loads(r.stdout)
		# relayctl -j prints the items as an array; the daemon's
		# reply wraps them in {"items": [...]}.
		items = data if isinstance(data, list) else \
		    data.get("items", [])
		hosts = [h for h in items if h.get("type") == "host"]
		return len(hosts) >= self.args.servers and \
		    all(h.get("state") == "up" for h in hosts)

	def stop(self, setting, proc):
		if proc is not None:
			proc.stop()
		if setting == "dnat":
			self.lb.run("nft delete table ip lb_dnat", check=False)
		# What a daemon left behind would skew the next setting.
		left = self.lb.run("nft list tables", check=False).stdout
		if left.strip():
			self.notes.append("after %s, lb still had: %s" %
			    (setting, " ".join(left.split())))
			for t in re.findall(r"table (\S+ \S+)", left):
				self.lb.run("nft delete table %s" % t,
				    check=False)

	def wrk(self, mode, seconds):
		argv = ["wrk", "-t1", "-c%d" % self.args.connections,
		    "-d%ds" % seconds, "--latency"]
		if mode == "close":
			argv += ["-H", "Connection: close"]
		argv.append("http://%s:%d/" % (VIP, PORT))
		c0 = cpu_times()
		r = self.client.run(self.taskset(self.other_cpu, argv),
		    check=False, timeout=seconds + 30)
		c1 = cpu_times()
		if r.returncode != 0:
			raise LabError("wrk: exit %d: %s" % (r.returncode,
			    (r.stderr + r.stdout).strip()[-300:]))
		res = parse_wrk(r.stdout)
		res["busy"] = busy_share(c0, c1)
		res["soft"] = busy_share(c0, c1, 2)
		return res

	def run_setting(self, setting, results):
		proc = None
		try:
			proc = self.start(setting)
			for mode in MODES:
				# A warm-up: connections, caches, conntrack.
				self.wrk(mode, self.args.warmup)
				res = self.wrk(mode, self.args.duration)
				if proc is not None and not proc.alive():
					raise LabError("%s exited: %s" % (setting,
					    proc.text()[-300:]))
				results[(setting, mode)].append(res)
				log("  %-8s %-9s %9.0f req/s  p99 %7.2f ms  "
				    "errors %d  busy %s" % (setting, mode,
				    res["rps"], res["p99_ms"] or -1,
				    res["errors"], "/".join("%.0f%%" % b
				    for b in res["busy"])))
		finally:
			self.stop(setting, proc)


def med(xs):
	xs = [x for x in xs if x is not None]
	return statistics.median(xs) if xs else None


def fmt(v, nd=0):
	if v is None:
		return "–"
	if nd == 0:
		return "%.0f" % v
	return "%.*f" % (nd, v)


def spread(xs, nd=0):
	xs = [x for x in xs if x is not None]
	if not xs:
		return "–"
	return "%s (%s–%s)" % (fmt(statistics.median(xs), nd),
	    fmt(min(xs), nd), fmt(max(xs), nd))


def report(results, settings, b, args, elapsed, load0, relayd_missing):
	k = platform.uname()
	lines = []
	lines.append("## L3 load balancing: relayd redirect vs nft DNAT vs "
	    "HAProxy (TCP)\n")
	lines.append("- date: %s" % datetime.datetime.now().astimezone()
	    .strftime("%Y-%m-%d %H:%M %Z"))
	lines.append("- kernel: Linux %s (%s), %d CPUs, load average %s at "
	    "the start, %s at the end (other work shares the machine: read "
	    "the spread, not only the median)" % (k.release, k.machine,
	    os.cpu_count() or 0, load0, netlab.loadavg()))
	lines.append("- command: `%s`, as root" % " ".join(
	    ["/usr/bin/python3", "bench/lb_redirect.py"] + sys.argv[1:]))
	lines.append("- peers: HAProxy %s, wrk %s, nginx %s (Debian "
	    "packages)" % (
	    netlab.version(["haproxy", "-v"], r"version ([0-9.]+)"),
	    netlab.version(["wrk", "--version"], r"wrk \S*?([0-9][0-9.]+)"),
	    netlab.version(["nginx", "-v"], r"nginx/([0-9.]+)")))
	lines.append("- load: `wrk -t1 -c%d -d%ds --latency` (keepalive; "
	    "close adds `-H 'Connection: close'`), %d servers, %d runs per "
	    "setting and mode after a %d s warm-up; whole bench %.0f s" % (
	    args.connections, args.duration, args.servers, args.runs,
	    args.warmup, elapsed))
	if b.pinned:
		lines.append("- pinning: lb on CPU %d (HAProxy and relayd under "
		    "taskset; lb's veths steer their receive work there by "
		    "rps_cpus, so DNAT's softirq runs there too); wrk, nginx and "
		    "the client's and servers' receive work on CPU %d" % (
		    b.lb_cpu, b.other_cpu))
	else:
		lines.append("- pinning: none (one CPU, or --no-pin)")
	if relayd_missing:
		lines.append("- relayd: not built (relayd/relayd missing); its "
		    "column is not yet measured")
	elif "relayd" not in settings:
		lines.append("- relayd: not run (left out by --settings); its "
		    "column is not yet measured")
	lines.append("")
	lines.append("### Against the issue's figures\n")

	def paired(s, mode):
		"""Ratios to DNAT run by run (measured next to each other)."""
		a, d = results[(s, mode)], results[("dnat", mode)]
		if not a or len(a) != len(d):
			return ""
		r = [x["rps"] / y["rps"] for x, y in zip(a, d) if y["rps"]]
		return "; run by run %.3f (%.3f–%.3f)" % (
		    statistics.median(r), min(r), max(r)) if r else ""
	for mode in MODES:
		d = med(r["rps"] for r in results[("dnat", mode)])
		for s in SETTINGS:
			if s == "dnat":
				continue
			v = med(r["rps"] for r in results[(s, mode)])
			if s == "relayd":
				if v is None or not d:
					lines.append("- relayd, %s: target within 2 %% "
					    "of plain DNAT: not yet measured." % mode)
				else:
					ratio = v / d
					lines.append("- relayd, %s: %.0f req/s, %.3f "
					    "of plain DNAT (target ≥ 0.98)%s: %s." % (
					    mode, v, ratio, paired(s, mode),
					    "met" if ratio >= 0.98 else "MISS"))
			elif v is not None and d:
				lines.append("- HAProxy, %s: quoted at about 60 %% "
				    "of DNAT: measured %.0f %% (%.0f against %.0f "
				    "req/s, medians%s)." % (mode, 100 * v / d, v, d,
				    paired(s, mode)))
	lines.append("")
	lines.append("### Figures\n")
	hdr = "| mode | figure, median (min–max) | " + " | ".join(
	    LABELS[s] for s in SETTINGS) + " | relayd/DNAT | HAProxy/DNAT |"
	lines.append(hdr)
	lines.append("|" + "---|" * (hdr.count("|") - 1))
	for mode in MODES:
		def row(name, key, nd, ratio=True):
			cells = []
			meds = {}
			for s in SETTINGS:
				rs = results.get((s, mode), [])
				if s == "relayd" and (relayd_missing or
				    s not in settings):
					cells.append("not yet measured")
					continue
				vals = [r[key] for r in rs]
				cells.append(spread(vals, nd))
				meds[s] = med(vals)
			rat = []
			for s in ("relayd", "haproxy"):
				if ratio and meds.get(s) and meds.get("dnat"):
					rat.append("%.3f" % (meds[s] /
					    meds["dnat"]))
				else:
					rat.append("–")
			lines.append("| %s | %s | %s | %s |" % (mode, name,
			    " | ".join(cells), " | ".join(rat)))
		row("requests/s", "rps", 0)
		row("p99 latency, ms", "p99_ms", 2)
		row("p50 latency, ms", "p50_ms", 2)
		row("errors (socket + non-2xx)", "errors", 0, ratio=False)
		for c in range(len(cpu_times())):
			for s in SETTINGS:
				for r in results.get((s, mode), []):
					r["cpu%d" % c] = r["busy"][c] \
					    if c < len(r["busy"]) else None
			row("CPU %d busy, %%" % c, "cpu%d" % c, 0, ratio=False)
		if b.lb_cpu is not None:
			for s in SETTINGS:
				for r in results.get((s, mode), []):
					r["soft"] = r["soft"][b.lb_cpu]
			row("… CPU %d in softirq (the lb's packet work), %%" %
			    b.lb_cpu, "soft", 0, ratio=False)
	lines.append("")
	if b.notes:
		lines.append("Notes: " + "; ".join(b.notes) + ".\n")
	lines.append(METHOD % {"n": args.servers})
	return "\n".join(lines)


METHOD = """How it is measured:

- One topology for the three settings: namespaces client, lb and %(n)d
  web servers; lb holds 203.0.113.1 (the service address) on its veth to
  the client and a bridge to the servers (198.51.100.0/24); the servers
  route back through lb, so DNAT needs no source NAT and HAProxy's
  backend connections leave from 198.51.100.1.  nginx (one process,
  `return 200`, no access log) answers on each server.
- The settings run one after the other on that topology, each started,
  warmed up and stopped in turn (nothing left in lb's nftables between
  them), and the whole sequence is repeated per run, so drift over time
  spreads over all three.
- plain DNAT: `ip daddr 203.0.113.1 tcp dport 80 dnat to numgen inc mod
  N map { 0 : server1, ... }` in a nat prerouting chain (conntrack does
  the rest).  relayd: its own table (numgen over a 256-bucket map, as its
  spec says).  HAProxy: `mode tcp`, `balance roundrobin`, `nbthread 1`,
  no checks, no splicing option.
- CPU busy is each CPU's whole busy share during the wrk run (from
  /proc/stat), whatever else runs on the machine included.
- wrk reports requests/s and its latency distribution (p50, p99) over
  the run; "close" opens one TCP connection per request (nginx closes),
  which puts the connection setup through the load balancer's NAT or
  accept path on every request.
"""


def main():
	ap = argparse.ArgumentParser(description=__doc__,
	    formatter_class=argparse.RawDescriptionHelpFormatter)
	ap.add_argument("--runs", type=int, default=5)
	ap.add_argument("--duration", type=int, default=8,
	    help="seconds per wrk run (default 8)")
	ap.add_argument("--warmup", type=int, default=2)
	ap.add_argument("--connections", type=int, default=64)
	ap.add_argument("--servers", type=int, default=2)
	ap.add_argument("--settings", default=",".join(SETTINGS))
	ap.add_argument("--no-pin", action="store_true")
	ap.add_argument("--logs", metavar="DIR",
	    help="keep configs and logs under DIR")
	ap.add_argument("--no-write", action="store_true",
	    help="print the table only, leave RESULTS.md alone")
	args = ap.parse_args()
	if os.geteuid() != 0:
		sys.exit("lb_redirect: must run as root")
	if not 1 <= args.runs <= 10 or not 1 <= args.duration <= 60 or \
	    not 1 <= args.warmup <= 10 or not 1 <= args.servers <= 16 or \
	    not 1 <= args.connections <= 1000:
		sys.exit("lb_redirect: runs 1-10, duration 1-60, warmup 1-10, "
		    "servers 1-16, connections 1-1000")
	settings = [s for s in args.settings.split(",") if s]
	for s in settings:
		if s not in SETTINGS:
			sys.exit("lb_redirect: unknown setting %s" % s)
	if "dnat" not in settings:
		settings.insert(0, "dnat")	# every ratio needs it
	for tool in ("wrk", "nginx", "haproxy", "nft", "taskset"):
		if subprocess.run(["sh", "-c", "command -v %s" % tool],
		    capture_output=True).returncode != 0:
			sys.exit("lb_redirect: %s missing: run scripts/deps" %
			    tool)
	relayd_missing = False
	if "relayd" in settings and (not os.access(RELAYD, os.X_OK) or
	    relayctl() is None):
		log("relayd: not built")
		settings.remove("relayd")
		relayd_missing = True
	if "relayd" in settings:
		ensure_user()
	if args.logs:
		os.makedirs(args.logs, exist_ok=True)

	netlab.install_cleanup()
	netlab.cleanup_stale("hklb")
	start = time.monotonic()
	load0 = netlab.loadavg()
	results = {(s, m): [] for s in SETTINGS for m in MODES}
	b = Bench(args)
	try:
		b.build()
		for run in range(args.runs):
			log("run %d" % (run + 1))
			for s in settings:
				try:
					b.run_setting(s, results)
				except (LabError, OSError,
				    subprocess.SubprocessError) as e:
					b.notes.append("run %d, %s aborted: %s" %
					    (run + 1, s, e))
					log("  %s aborted: %s" % (s, e))
	finally:
		b.lab.teardown()
	elapsed = time.monotonic() - start
	section = report(results, settings, b, args, elapsed, load0,
	    relayd_missing)
	print()
	print(section)
	if not args.no_write:
		netlab.write_results(RESULTS, BEGIN, END, section)
		log("wrote %s" % RESULTS)


if __name__ == "__main__":
	main()
