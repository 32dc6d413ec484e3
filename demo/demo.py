#!/usr/bin/python3
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The hakit Authors
"""
The demo's network, failover shown live (run through demo/demo.sh).

	client 192.0.2.100, default route via the VIP 192.0.2.1
	   |
	 switch (a Linux bridge in its own namespace)
	   |                      |
	r1 192.0.2.2           r2 192.0.2.3
	carpd: carp0 vhid 1, VIP 192.0.2.1/24
	advskew 0 (master)     advskew 100 (backup), preempt on both

This first version has one segment: the client side of the talk's two
firewalls.  Later issues add the inside network with its own carp
interface, pfsync between the firewalls and relayd in front of two web
servers, so that the client's connection survives the failover.

r1 replies with TTL 64 and r2 with TTL 63 (net.ipv4.ip_default_ttl), so
the client's ping shows which router answered although both use the
virtual MAC 00:00:5e:00:01:01.
"""

import json
import os
import re
import signal
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.dont_write_bytecode = True	# nothing written into the tree
sys.path.insert(0, os.path.join(REPO, "bench"))

import netlab			# noqa: E402

CARPD = os.path.join(REPO, "carpd", "carpd")
CARPCTL = os.path.join(REPO, "carpctl", "carpctl")
VIP = "192.0.2.1"
NIC = "eth1"
ADVBASE = 1
SKEW = {"r1": 0, "r2": 100}
PING_INTERVAL = 0.02		# 50 echo requests a second
PING_DEADLINE = 40		# seconds; ping stops by itself

TTY = sys.stdout.isatty()


def bold(s):
	return "\033[1m%s\033[0m" % s if TTY else s


def say(msg=""):
	print(msg, flush=True)


def step(msg):
	say()
	say(bold("==> " + msg))


def show_cmd(host, argv, text):
	# Paths shortened to their last part: the socket lives in the
	# demo's temporary directory.
	say("%s# %s" % (host, " ".join(os.path.basename(a)
	    for a in argv)))
	for line in text.rstrip("\n").splitlines():
		say("    " + line)


class Demo:
	def __init__(self, tag):
		self.lab = netlab.Lab(tag)
		self.carpd = {}

	def build(self):
		lab = self.lab
		lab.add_switch()
		self.c = lab.add_host("client", NIC, "192.0.2.100/24")
		self.c.run(["ip", "route", "add", "default", "via", VIP])
		self.r = {}
		for i, name in enumerate(("r1", "r2"), start=2):
			h = lab.add_host(name, NIC, "192.0.2.%d/24" % i,
			    ttl=64 if name == "r1" else 63)
			h.sysctl("net.ipv4.ip_forward", 1)
			self.r[name] = h

	def conf(self, name):
		return ("# carpd.conf of %s\n"
		    "set preempt yes\n"
		    "carp0 {\n"
		    "\tcarpdev %s\n"
		    "\tvhid 1\n"
		    "\tpass \"demo secret\"\n"
		    "\tadvbase %d\n"
		    "\tadvskew %d\n"
		    "\tinet %s/24\n"
		    "}\n" % (name, NIC, ADVBASE, SKEW[name], VIP))

	def sock(self, name):
		return self.lab.path("%s-carpd.sock" % name)

	def start_carpd(self, name):
		cf = self.lab.write("%s-carpd.conf" % name, self.conf(name),
		    0o600)
		self.carpd[name] = self.r[name].spawn([CARPD, "-d", "-f", cf,
		    "-s", self.sock(name)])

	def carpctl(self, name, json_out=False):
		argv = [CARPCTL, "-s", self.sock(name), "show"]
		if json_out:
			argv.append("-j")
		r = self.r[name].run(argv, check=False, timeout=5)
		return argv, r

	def state(self, name):
		argv, r = self.carpctl(name, json_out=True)
		if r.returncode != 0:
			return None
		for e in json.loads(r.stdout):
			if e.get("ifname") == "carp0":
				return e.get("state")
		return None

	def wait_state(self, name, state, timeout):
		netlab.wait_until(lambda: self.state(name) == state, timeout,
		    interval=0.05, desc="%s to be %s" % (name, state))

	def show(self, name):
		argv, r = self.carpctl(name)
		show_cmd(name, argv, r.stdout or r.stderr)

	def run(self):
		md = 3 * (ADVBASE + SKEW["r2"] / 256)

		step("Building the network: a client, two routers r1 and r2, "
		    "one switch (network namespaces)")
		self.build()
		say("client 192.0.2.100 (default route via the VIP %s), "
		    "r1 192.0.2.2, r2 192.0.2.3" % VIP)
		say("r1 answers pings with ttl=64, r2 with ttl=63: that is "
		    "how the client's ping tells them apart.")

		step("Starting carpd on r1 (advskew 0) and r2 (advskew 100), "
		    "preempt on")
		say(self.conf("r1").rstrip())
		self.start_carpd("r1")
		# A fresh carpd starts as BACKUP and becomes MASTER when it
		# has heard no one for 3 intervals.
		self.wait_state("r1", "MASTER", 10)
		self.start_carpd("r2")
		self.wait_state("r2", "BACKUP", 10)
		time.sleep(1.2)
		self.show("r1")
		self.show("r2")
		self.c.run(["ping", "-c", "1", "-W", "1", VIP], check=False)
		n = self.c.run(["ip", "neigh", "show", VIP]).stdout.strip()
		say("client# ip neigh show %s" % VIP)
		say("    " + n)

		step("The client pings the VIP every %d ms (ping -D -O, "
		    "bounded to %d s)" % (PING_INTERVAL * 1000, PING_DEADLINE))
		plog = self.lab.path("ping.log")
		ping = self.c.spawn(["ping", "-D", "-O", "-n", "-i",
		    PING_INTERVAL, "-W", "1", "-w", PING_DEADLINE, VIP],
		    log=plog)
		time.sleep(2)

		step("r1 dies: every process of r1 killed (kill -9) and its "
		    "link set down")
		pids = self.r["r1"].pids()
		t_kill = time.time()
		self.r["r1"].set_link(NIC, False)
		for pid in pids:
			try:
				os.kill(pid, signal.SIGKILL)
			except ProcessLookupError:
				pass
		say("r1# kill -9 %s; ip link set %s down   (at %s)" % (
		    " ".join(str(p) for p in pids), NIC,
		    time.strftime("%H:%M:%S", time.localtime(t_kill)) +
		    ".%03d" % (t_kill % 1 * 1000)))
		say("r2 waits for 3 missed advertisements: master-down = 3 x "
		    "(advbase + advskew/256) = %.2f s" % md)
		self.wait_state("r2", "MASTER", md + 5)
		t_master = time.time()
		say("r2's carpd is MASTER %.0f ms after the kill:" % (
		    (t_master - t_kill) * 1000))
		self.show("r2")
		# Let the client get its answers again before the next act.
		netlab.wait_until(lambda: self.reply_after(plog, t_kill), 5,
		    desc="the client's ping to get replies again")
		time.sleep(1)

		step("r1 comes back (links up, carpd started) and preempts: "
		    "advskew 0 beats 100")
		self.carpd["r1"].wait(5)
		# What a reboot would clear: the macvlan the killed carpd left.
		for name in self.r["r1"].links():
			if name not in ("lo", NIC):
				self.r["r1"].run(["ip", "link", "del", name],
				    check=False)
		self.r["r1"].set_link(NIC, True)
		t_back = time.time()
		self.start_carpd("r1")
		self.wait_state("r1", "MASTER", md + 5)
		say("r1's carpd is MASTER again %.0f ms after it started "
		    "(it heard r2 advertise a worse skew and preempted)" % (
		    (time.time() - t_back) * 1000))
		self.wait_state("r2", "BACKUP", 5)
		time.sleep(1.5)
		self.show("r1")
		self.show("r2")

		ping.signal(signal.SIGINT)
		ping.wait(5)
		time.sleep(0.2)
		step("What the client saw")
		self.report(plog, t_kill, t_back)

	@staticmethod
	def parse(plog):
		"""[(time, seq, ttl or None)] from ping -D -O output."""
		out = []
		rx_ok = re.compile(r"^\[(\d+\.\d+)\].*icmp_seq=(\d+) ttl=(\d+)")
		rx_no = re.compile(r"^\[(\d+\.\d+)\] no answer yet for "
		    r"icmp_seq=(\d+)")
		with open(plog, errors="replace") as f:
			for line in f:
				# netlab stamps each line: "MS <ping's line>"
				line = line.split(" ", 1)[1] if " " in line \
				    else line
				m = rx_ok.match(line)
				if m:
					out.append((float(m.group(1)),
					    int(m.group(2)), int(m.group(3)),
					    line.rstrip()))
					continue
				m = rx_no.match(line)
				if m:
					out.append((float(m.group(1)),
					    int(m.group(2)), None, line.rstrip()))
		return out

	def reply_after(self, plog, t):
		return any(ttl is not None and ts > t + 0.05
		    for ts, _, ttl, _ in self.parse(plog))

	def report(self, plog, t_kill, t_back):
		ev = self.parse(plog)
		replies = [e for e in ev if e[2] is not None]
		before = [e for e in replies if e[0] < t_kill]
		after = [e for e in replies if e[0] > t_kill]
		if not before or not after:
			say("the ping log is incomplete:")
			for e in ev[-10:]:
				say("    " + e[3])
			return
		last, first = before[-1], after[0]
		lost = [e for e in ev if e[2] is None and
		    last[1] < e[1] < first[1]]
		lines = [e for e in ev if e[1] <= last[1]][-3:]
		say("client# ping -D -O -n -i %s %s   (around the kill)" % (
		    PING_INTERVAL, VIP))
		for e in lines:
			say("    " + e[3])
		if lost:
			say("    " + lost[0][3])
			if len(lost) > 2:
				say("    ... %d more 'no answer yet' lines ..." %
				    (len(lost) - 2))
			if len(lost) > 1:
				say("    " + lost[-1][3])
		for e in after[:3]:
			say("    " + e[3])
		say()
		say(bold("Takeover seen by the client: %.0f ms without an "
		    "answer (last reply from ttl=%d at seq %d, first from "
		    "ttl=%d at seq %d, %d requests unanswered); %.0f ms "
		    "from the kill." % ((first[0] - last[0]) * 1000, last[2],
		    last[1], first[2], first[1], first[1] - last[1] - 1,
		    (first[0] - t_kill) * 1000)))
		back = [e for e in replies if e[0] > t_back and e[2] == 64]
		if back:
			prev = [e for e in replies if e[0] < back[0][0]][-1]
			unanswered = [e for e in ev if e[2] is None and
			    e[1] > first[1]]
			say(bold("Preemption: r1 (ttl=64) answers again at "
			    "seq %d, %.0f ms after its carpd started; %s "
			    "(both routers use the virtual MAC: the client "
			    "has nothing to re-learn)." % (
			    back[0][1], (back[0][0] - t_back) * 1000,
			    "no request went unanswered" if not unanswered
			    else "%d requests went unanswered" %
			    len(unanswered))))
			say("    " + prev[3])
			say("    " + back[0][3])
		summary = [l for l in open(plog, errors="replace")
		    if "packets transmitted" in l]
		if summary:
			say("ping: " + summary[-1].split(" ", 1)[1].strip())


def main():
	if os.geteuid() != 0:
		sys.exit("demo: must run as root")
	for b in (CARPD, CARPCTL):
		if not os.access(b, os.X_OK):
			sys.exit("demo: %s missing: run make" % b)
	netlab.install_cleanup()
	d = Demo(os.environ.get("HAKIT_DEMO_TAG", "hkd"))
	ok = False
	try:
		d.run()
		ok = True
	except KeyboardInterrupt:
		say()
		say("demo: interrupted")
	except netlab.LabError as e:
		say("demo: %s" % e)
		for p in d.lab.procs:
			if os.path.basename(p.argv[4]) == "carpd":
				say("--- %r" % p)
				say(p.text()[-2000:])
	finally:
		step("Cleaning up: processes stopped, namespaces deleted")
		d.lab.teardown()
	sys.exit(0 if ok else 1)


if __name__ == "__main__":
	main()
