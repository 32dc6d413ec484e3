# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The hakit Authors
"""
The lab: throw-away networks in network namespaces for every hakit daemon.

A Lab owns everything it creates: namespaces (hosts and switches), the
veth pairs between them, the processes started in them (tracked by pid)
and a work directory for configs, sockets and logs.  Lab.teardown()
undoes all of it and is safe to call more than once; the pytest fixtures
call it on every exit path, and an atexit hook catches the rest.

Names are unique per run: every namespace is "hkl<pid><rand>-<name>", so
parallel runs never meet, and a later run can tell a namespace left by a
dead run (its pid is gone) from a live one.  Interface names live inside
their namespace and are chosen by the test ("eth1"); the switch-side veth
ends are named after the host ("p-a-eth1"), truncated to 15 characters.

Traffic never leaves the namespaces: hosts have no link to the root
namespace, and every command run here is bounded in count and time.

Run as a script (inside a namespace) it sends raw frames with scapy:
    python3 lab.py sendp IFACE INTER < hex-frames
"""

import atexit
import hashlib
import hmac
import ipaddress
import json
import os
import random
import re
import shlex
import shutil
import signal
import string
import struct
import subprocess
import sys
import tempfile
import time

PYTHON = "/usr/bin/python3"
REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
HERE = os.path.abspath(os.path.dirname(__file__))

NS_PREFIX = "hkl"
CMD_TIMEOUT = 30  # seconds, bound on any one command
STOP_TIMEOUT = 5  # SIGTERM, then SIGKILL after this
ALLOWED_NETS = [ipaddress.ip_network(n) for n in (
    "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32")]

CARP_GROUP4 = "224.0.0.18"
CARP_MAC4 = "01:00:5e:00:00:12"


class LabError(Exception):
    pass


def check_addr(addr):
    """Refuses any address outside the documentation ranges."""
    ip = ipaddress.ip_interface(addr).ip
    if not any(ip in n for n in ALLOWED_NETS):
        raise LabError("address %s is outside the lab ranges" % addr)
    return addr


def virtual_mac(vhid):
    return "00:00:5e:00:01:%02x" % vhid


def wait_until(pred, timeout=10.0, interval=0.05, desc=None):
    """
    Polls pred() until it returns something true, and returns that.
    Exceptions from pred count as "not yet"; on timeout raises
    AssertionError naming desc, the last value and the last exception.
    """
    __tracebackhide__ = True
    deadline = time.monotonic() + timeout
    last = None
    last_exc = None
    while True:
        try:
            last = pred()
            last_exc = None
            if last:
                return last
        except (LabError, OSError, ValueError, KeyError,
            subprocess.SubprocessError) as e:
            last_exc = e
        if time.monotonic() >= deadline:
            break
        time.sleep(interval)
    if callable(desc):
        desc = desc()
    msg = "timed out after %.1fs waiting for %s" % (timeout,
        desc or getattr(pred, "__name__", "condition"))
    msg += "; last value: %r" % (last,)
    if last_exc is not None:
        msg += "; last error: %s" % (last_exc,)
    raise AssertionError(msg)


def hold(pred, duration, interval=0.1, desc=None):
    """Asserts pred() stays true for duration seconds (a steady state)."""
    __tracebackhide__ = True
    deadline = time.monotonic() + duration
    while True:
        v = pred()
        if not v:
            raise AssertionError("%s stopped holding: %r" % (
                desc or getattr(pred, "__name__", "condition"), v))
        if time.monotonic() >= deadline:
            return v
        time.sleep(interval)


def _text(cmd):
    return cmd if isinstance(cmd, str) else " ".join(
        shlex.quote(str(c)) for c in cmd)


def _argv(cmd):
    return shlex.split(cmd) if isinstance(cmd, str) else [str(c) for c in cmd]


def run_root(cmd, check=True, timeout=CMD_TIMEOUT, input=None):
    """Runs a command in the root namespace (only ip netns management)."""
    r = subprocess.run(_argv(cmd), capture_output=True, text=True,
        timeout=timeout, input=input)
    if check and r.returncode != 0:
        raise LabError("%s: exit %d: %s" % (_text(cmd), r.returncode,
            (r.stderr or r.stdout).strip()))
    return r


def pid_alive(pid):
    """True while pid runs (a zombie counts as gone)."""
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


class Proc:
    """
    A process started by the lab, in its own process group (so the
    scripts it runs die with it).  Always stopped by pid.
    """

    def __init__(self, host, argv, log, popen):
        self.host = host
        self.argv = argv
        self.log = log
        self.popen = popen
        self.pid = popen.pid

    def __repr__(self):
        return "<Proc %d %s in %s>" % (self.pid, self.argv[0],
            self.host.name)

    def alive(self):
        return self.popen.poll() is None

    @property
    def returncode(self):
        return self.popen.poll()

    def send_signal(self, sig):
        if self.popen.poll() is None:
            self.popen.send_signal(sig)

    def _signal_group(self, sig):
        # Our child leads its own group (start_new_session), so the
        # group id is its pid: this reaches the scripts it forked and
        # nothing else.
        try:
            os.killpg(self.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass

    def wait(self, timeout):
        try:
            return self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def kill9(self):
        self._signal_group(signal.SIGKILL)
        self.popen.wait(timeout=STOP_TIMEOUT)

    def stop(self, timeout=STOP_TIMEOUT, sig=signal.SIGTERM):
        """SIGTERM, wait up to timeout, then SIGKILL. Returns the exit
        status (negative = killed by that signal)."""
        if self.popen.poll() is None:
            self.popen.send_signal(sig)
            if self.wait(timeout) is None:
                self._signal_group(signal.SIGKILL)
                self.popen.wait(timeout=STOP_TIMEOUT)
        # Leftover children of the group (up/down scripts).
        self._signal_group(signal.SIGKILL)
        return self.popen.returncode

    def log_text(self):
        if not self.log:
            return ""
        try:
            with open(self.log, errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""


class Netns:
    """A network namespace: a host or a switch."""

    def __init__(self, lab, name):
        self.lab = lab
        self.name = name
        self.ns = "%s-%s" % (lab.prefix, name)
        run_root(["ip", "netns", "add", self.ns])
        lab._namespaces.append(self)
        self.run("ip link set lo up")
        # IPv6 usable at once on every interface made later, and no
        # router solicitations or autoconf noise.
        for conf in ("all", "default"):
            self.sysctl("net.ipv6.conf.%s.accept_dad" % conf, 0)
            self.sysctl("net.ipv6.conf.%s.dad_transmits" % conf, 0)
            self.sysctl("net.ipv6.conf.%s.accept_ra" % conf, 0)
            self.sysctl("net.ipv6.conf.%s.router_solicitations"
                % conf, 0)

    def __repr__(self):
        return "<%s %s>" % (type(self).__name__, self.name)

    def argv(self, cmd):
        return ["ip", "netns", "exec", self.ns] + _argv(cmd)

    def run(self, cmd, check=True, timeout=CMD_TIMEOUT, input=None):
        """Runs cmd in this namespace; returns the CompletedProcess
        (text), raising LabError on a non-zero exit when check."""
        r = subprocess.run(self.argv(cmd), capture_output=True,
            text=True, timeout=timeout, input=input)
        if check and r.returncode != 0:
            raise LabError("[%s] %s: exit %d: %s" % (self.name,
                _text(cmd), r.returncode,
                (r.stderr + r.stdout).strip()))
        return r

    def ip_json(self, args):
        out = self.run(["ip", "-j"] + _argv(args)).stdout.strip()
        return json.loads(out) if out else []

    def sysctl(self, key, value):
        self.run(["sysctl", "-q", "-w", "%s=%s" % (key, value)])

    def popen(self, cmd, log=None, env=None):
        """Starts cmd in this namespace, stdout+stderr to log (a path
        in the lab directory by default); tracked by the lab."""
        argv = _argv(cmd)
        if log is None:
            log = self.lab.path("%s-%s-%d.log" % (self.name,
                os.path.basename(argv[0]), len(self.lab.procs)))
        e = dict(os.environ)
        if env:
            e.update(env)
        with open(log, "ab") as lf:
            p = subprocess.Popen(self.argv(argv), stdin=subprocess.DEVNULL,
                stdout=lf, stderr=subprocess.STDOUT, env=e,
                start_new_session=True)
        proc = Proc(self, argv, log, p)
        self.lab.procs.append(proc)
        return proc

    def pids(self):
        """Pids of every process running in this namespace."""
        r = run_root(["ip", "netns", "pids", self.ns], check=False)
        return [int(x) for x in r.stdout.split()]

    def links(self):
        return {l["ifname"]: l for l in self.ip_json("link show")}

    def link(self, ifname):
        return self.links().get(ifname)

    def link_up(self, ifname):
        self.run(["ip", "link", "set", ifname, "up"])

    def link_down(self, ifname):
        self.run(["ip", "link", "set", ifname, "down"])

    def all_links_down(self):
        """A dead box: every interface but lo down."""
        for name in self.links():
            if name != "lo":
                self.link_down(name)

    def addrs(self, ifname=None):
        """[(ifname, "addr/len", is_up)] for global addresses."""
        out = []
        args = "addr show" + (" dev %s" % ifname if ifname else "")
        for l in self.ip_json(args):
            up = "UP" in l.get("flags", [])
            for a in l.get("addr_info", []):
                if a.get("scope") == "link" or \
                    l["ifname"] == "lo":
                    continue
                out.append((l["ifname"], "%s/%s" % (a["local"],
                    a["prefixlen"]), up))
        return out

    def has_addr(self, ip):
        """The interface holding ip (up), or None."""
        ip = str(ipaddress.ip_address(ip))
        for ifname, a, up in self.addrs():
            if a.split("/")[0] == ip and up:
                return ifname
        return None


class Host(Netns):
    """A box: a namespace with interfaces toward switches."""

    def __init__(self, lab, name):
        super().__init__(lab, name)
        self.ifaces = {}  # ifname -> Switch

    def add_addr(self, ifname, addr):
        check_addr(addr)
        fam = "-6" if ":" in addr else "-4"
        self.run(["ip", fam, "addr", "add", addr, "dev", ifname])

    def mac(self, ifname):
        return self.link(ifname)["address"]

    def addr4(self, ifname):
        for i, a, _ in self.addrs(ifname):
            if ":" not in a:
                return a.split("/")[0]
        return None

    def ping(self, dst, count=1, timeout=1, interval=0.2, check=False):
        """A bounded ping; True if at least one reply came back."""
        check_addr(dst)
        # No -w: with a deadline ping counts replies, not requests.
        cmd = ["ping", "-n", "-q", "-c", str(count), "-i", str(interval),
            "-W", str(timeout), dst]
        if ":" in dst:
            cmd.insert(1, "-6")
        r = self.run(cmd, check=False, timeout=count * interval +
            timeout + 10)
        if check and r.returncode != 0:
            raise LabError("[%s] ping %s failed: %s" % (self.name,
                dst, r.stdout.strip()))
        return r.returncode == 0

    def neigh(self, ip):
        """The MAC this host's neighbour table holds for ip, or None
        (only reachable/stale/delay/probe/permanent entries)."""
        fam = "-6" if ":" in ip else "-4"
        for n in self.ip_json([fam, "neigh", "show", "to", ip]):
            if n.get("dst") == ip and "lladdr" in n and \
                "FAILED" not in n.get("state", []) and \
                "INCOMPLETE" not in n.get("state", []):
                return n["lladdr"]
        return None

    def flush_neigh(self, ip):
        fam = "-6" if ":" in ip else "-4"
        for ifname in self.ifaces:
            self.run(["ip", fam, "neigh", "flush", "dev", ifname,
                "to", ip], check=False)

    def resolve(self, ip, timeout=1):
        """Forgets ip's neighbour entry, pings it once and returns the
        MAC that answered ARP/ND (None if nothing did)."""
        self.flush_neigh(ip)
        self.ping(ip, count=1, timeout=timeout)
        return self.neigh(ip)


class Switch(Netns):
    """A Linux bridge alone in its own namespace."""

    def __init__(self, lab, name, bridge="br0"):
        super().__init__(lab, name)
        self.bridge = bridge
        self.ports = {}  # switch-side ifname -> (Host, ifname)
        self.run(["ip", "link", "add", bridge, "type", "bridge",
            "stp_state", "0", "forward_delay", "0",
            "mcast_snooping", "0"])
        self.run(["ip", "link", "set", bridge, "up"])

    def fdb_host(self, mac):
        """The host whose port the bridge learned mac on, or None."""
        mac = mac.lower()
        out = self.run(["bridge", "-j", "fdb", "show", "br",
            self.bridge]).stdout.strip()
        for e in json.loads(out) if out else []:
            if e.get("mac", "").lower() == mac and \
                "permanent" not in e.get("state", "") and \
                e.get("ifname") in self.ports:
                return self.ports[e["ifname"]][0]
        return None

    def flush_fdb(self):
        for port in self.ports:
            self.run(["bridge", "fdb", "flush", "dev", port],
                check=False)


class Ping:
    """
    A bounded background ping (ping -c N -i INTERVAL -W 1 -D) from a
    host, recording which icmp_seq got a reply and when.
    """

    LINE = re.compile(r"^\[(\d+\.\d+)\].*icmp_seq=(\d+)")

    def __init__(self, host, dst, count=200, interval=0.05):
        check_addr(dst)
        self.host = host
        self.dst = dst
        self.count = count
        self.interval = interval
        self.log = host.lab.path("%s-ping-%s-%d.log" % (host.name,
            dst.replace(":", "_"), len(host.lab.procs)))
        # -c without -w: exactly count requests, then -W for the last.
        cmd = ["ping", "-n", "-D", "-c", str(count), "-i",
            str(interval), "-W", "1", dst]
        if ":" in dst:
            cmd.insert(1, "-6")
        self.started = time.time()
        self.proc = host.popen(cmd, log=self.log)

    def wait(self, timeout=None):
        if timeout is None:
            timeout = self.count * self.interval + 15
        if self.proc.wait(timeout) is None:
            self.proc.stop()
        return self

    def replies(self):
        """{seq: unix time of the reply}"""
        out = {}
        for line in self.proc.log_text().splitlines():
            m = self.LINE.match(line)
            if m and "bytes from" in line:
                out[int(m.group(2))] = float(m.group(1))
        return out

    def replies_after(self, t):
        return sorted(s for s, ts in self.replies().items() if ts > t)

    def lost(self):
        return self.count - len(self.replies())

    def summary(self):
        r = self.replies()
        seqs = sorted(r)
        gaps = []
        for a, b in zip(seqs, seqs[1:]):
            if b - a > 1:
                gaps.append((a, b))
        return "%d/%d replies, gaps %s" % (len(r), self.count, gaps)


class Lab:
    """Everything one test builds; teardown() removes all of it."""

    _live = []

    def __init__(self, workdir=None, keep_dir=False):
        taken = {l.prefix for l in Lab._live}
        while True:
            self.prefix = "%s%d%s" % (NS_PREFIX, os.getpid(), "".join(
                random.choice(string.ascii_lowercase) for _ in range(3)))
            if self.prefix not in taken:
                break
        self.workdir = workdir or tempfile.mkdtemp(prefix="hklab-")
        os.makedirs(self.workdir, exist_ok=True)
        self.keep_dir = keep_dir or workdir is not None
        self.procs = []
        self._namespaces = []
        self.hosts = {}
        self.switches = {}
        self._torn = False
        Lab._live.append(self)

    def path(self, name):
        return os.path.join(self.workdir, name)

    def write(self, name, text, mode=0o644):
        p = self.path(name)
        with open(p, "w") as f:
            f.write(text)
        os.chmod(p, mode)
        return p

    def add_host(self, name):
        if name in self.hosts or name in self.switches:
            raise LabError("duplicate name %s" % name)
        h = Host(self, name)
        self.hosts[name] = h
        return h

    def add_switch(self, name="sw"):
        if name in self.hosts or name in self.switches:
            raise LabError("duplicate name %s" % name)
        s = Switch(self, name)
        self.switches[name] = s
        return s

    def connect(self, host, switch, ifname, addrs=(), mac=None):
        """A veth from host (named ifname there) to a port of switch;
        both ends up, addrs added on the host side."""
        if len(ifname) > 15:
            raise LabError("interface name too long: %s" % ifname)
        peer = ("p-%s-%s" % (host.name, ifname))[:15]
        if peer in switch.ports:
            raise LabError("port %s exists on %s" % (peer,
                switch.name))
        cmd = ["ip", "link", "add", ifname]
        if mac:
            cmd += ["address", mac]
        cmd += ["type", "veth", "peer", "name", peer, "netns",
            switch.ns]
        host.run(cmd)
        switch.run(["ip", "link", "set", peer, "master",
            switch.bridge, "up"])
        switch.ports[peer] = (host, ifname)
        host.ifaces[ifname] = switch
        for conf in (ifname,):
            host.sysctl("net.ipv6.conf.%s.accept_dad" % conf, 0)
        for a in addrs:
            host.add_addr(ifname, a)
        host.link_up(ifname)
        return ifname

    def all_ns(self):
        return list(self._namespaces)

    def who_owns(self, vip, client=None, resolve=True):
        """
        What a user sees of a VIP: which hosts have it configured on
        an up interface, and, from client's view, the MAC that answers
        ARP/ND for it and the host behind that MAC on the switch.
        """
        holders = sorted(h.name for h in self.hosts.values()
            if h is not client and h.has_addr(vip))
        res = {"holders": holders, "mac": None, "port": None,
            "reply": None}
        if client is not None and resolve:
            res["mac"] = client.resolve(vip)
            res["reply"] = res["mac"] is not None and \
                client.ping(vip, count=1)
            if res["mac"]:
                sw = next(iter(client.ifaces.values()))
                h = sw.fdb_host(res["mac"])
                res["port"] = h.name if h else None
        return res

    def teardown(self):
        """Kills every process started (by pid: SIGTERM, then SIGKILL
        after a bound), then deletes every namespace.  Idempotent."""
        if self._torn:
            return
        self._torn = True
        errors = []
        for p in reversed(self.procs):
            try:
                p.stop()
            except Exception as e:  # keep tearing down
                errors.append("%r: %s" % (p, e))
        # Anything still inside our namespaces was started there by
        # this lab (a daemon's child, a script): end it by pid.
        left = []
        for ns in self._namespaces:
            for pid in ns.pids():
                try:
                    os.kill(pid, signal.SIGKILL)
                    left.append(pid)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + STOP_TIMEOUT
        while any(pid_alive(p) for p in left) and \
            time.monotonic() < deadline:
            time.sleep(0.02)
        for ns in reversed(self._namespaces):
            r = run_root(["ip", "netns", "del", ns.ns], check=False)
            if r.returncode != 0:
                errors.append("netns del %s: %s" % (ns.ns,
                    r.stderr.strip()))
        if self in Lab._live:
            Lab._live.remove(self)
        if not self.keep_dir:
            shutil.rmtree(self.workdir, ignore_errors=True)
        if errors:
            raise LabError("teardown: " + "; ".join(errors))

    @classmethod
    def teardown_all(cls):
        for lab in list(cls._live):
            try:
                lab.teardown()
            except Exception:
                pass


def cleanup_stale():
    """
    Deletes namespaces left by an earlier lab run that died without its
    teardown (its pid is gone), ending the processes inside them by pid.
    """
    r = run_root(["ip", "netns", "list"], check=False)
    pat = re.compile(r"^%s(\d+)[a-z]{3}-" % NS_PREFIX)
    removed = []
    for line in r.stdout.splitlines():
        name = line.split()[0] if line.split() else ""
        m = pat.match(name)
        if not m or pid_alive(int(m.group(1))):
            continue
        pids = run_root(["ip", "netns", "pids", name], check=False)
        for pid in pids.stdout.split():
            try:
                os.kill(int(pid), signal.SIGKILL)
            except (ProcessLookupError, ValueError):
                pass
        run_root(["ip", "netns", "del", name], check=False)
        removed.append(name)
    return removed


atexit.register(Lab.teardown_all)


# --- Standard topologies ---

class Lan:
    """
    One Ethernet segment: a switch "sw", the CARP nodes (eth1 with
    192.0.2.N/24 and 2001:db8::N/64, N from 1), a client "c" (.100) and
    optionally an attacker "x" (.66).
    """

    def __init__(self, lab, nodes=("a", "b"), client=True, attacker=False,
        ifname="eth1"):
        self.lab = lab
        self.ifname = ifname
        self.sw = lab.add_switch("sw")
        self.nodes = []
        for i, n in enumerate(nodes, start=1):
            h = lab.add_host(n)
            lab.connect(h, self.sw, ifname, ["192.0.2.%d/24" % i,
                "2001:db8::%d/64" % i])
            h.ip4 = "192.0.2.%d" % i
            h.ip6 = "2001:db8::%d" % i
            self.nodes.append(h)
        self.client = None
        self.attacker = None
        if client:
            self.client = lab.add_host("c")
            lab.connect(self.client, self.sw, ifname,
                ["192.0.2.100/24", "2001:db8::100/64"])
            self.client.ip4 = "192.0.2.100"
            self.client.ip6 = "2001:db8::100"
        if attacker:
            self.attacker = lab.add_host("x")
            lab.connect(self.attacker, self.sw, ifname,
                ["192.0.2.66/24", "2001:db8::66/64"])
            self.attacker.ip4 = "192.0.2.66"
            self.attacker.ip6 = "2001:db8::66"

    def __getitem__(self, name):
        return self.lab.hosts[name]

    def who_owns(self, vip, resolve=True):
        return self.lab.who_owns(vip, client=self.client,
            resolve=resolve)


# --- Daemons ---

# The programs under test: the tree's, unless the environment names others
# (an installed carpd, or a private build while the tree is rebuilt).
CARPD = os.environ.get("HAKIT_CARPD") or os.path.join(REPO, "carpd", "carpd")
CARPCTL = os.environ.get("HAKIT_CARPCTL") or \
    os.path.join(REPO, "carpctl", "carpctl")
SANITIZER_RE = re.compile(r"ERROR: (Address|Leak)Sanitizer|runtime error:|"
    r"SUMMARY: UndefinedBehaviorSanitizer")


def built_with_asan(path):
    """True if the program links the AddressSanitizer runtime."""
    try:
        with open(path, "rb") as f:
            return b"__asan_init" in f.read()
    except OSError:
        return False


def carp_block(name="carp0", carpdev="eth1", vhid=1, passphrase="lab pass 1",
    advbase=1, advskew=0, addrs=("192.0.2.10/24",), groups=(), extra=()):
    lines = ["%s {" % name, "\tcarpdev %s" % carpdev, "\tvhid %d" % vhid]
    if passphrase is not None:
        lines.append('\tpass "%s"' % passphrase)
    lines += ["\tadvbase %d" % advbase, "\tadvskew %d" % advskew]
    for a in addrs:
        check_addr(a)
        lines.append("\t%s %s" % ("inet6" if ":" in a else "inet", a))
    for g in groups:
        lines.append("\tgroup %s" % g)
    lines += ["\t%s" % e for e in extra]
    lines.append("}")
    return "\n".join(lines) + "\n"


def carp_conf(*blocks, preempt=False, extra=()):
    head = ["set preempt %s" % ("yes" if preempt else "no")]
    head += list(extra)
    return "\n".join(head) + "\n\n" + "\n".join(blocks)


class Daemon:
    """
    A hakit daemon in a lab host: its config, control socket and stderr
    log live in the lab directory.  The helper never restarts it behind
    the test's back; every instance is stopped by the lab's teardown and
    checked for sanitizer reports by the lab fixture (lab.daemons).
    Subclasses name the program, its ctl tool and extra start flags.
    """

    KIND = None     # "carpd": names the files
    PROG = None     # path of the daemon
    CTL = None      # path of its ctl tool
    FLAGS = ()      # flags before the config flag
    CONF_FLAG = "-f"  # OpenBSD's name for it (dhcpd: -c)

    def __init__(self, host, conf, name=None, args=(), leaks=False):
        self.host = host
        # Leak checking at exit is one dedicated test's job; every test
        # still fails on any other sanitizer report.
        self.leaks = leaks
        self.sanitizer_checked = False  # a test looked at the report
        self.lab = host.lab
        if not hasattr(self.lab, "daemons"):
            self.lab.daemons = []
        n = "%s-%s%d" % (name or host.name, self.KIND,
            len(self.lab.daemons))
        self.name = n
        self.conf = self.lab.write(n + ".conf", conf)
        self.sock = self.lab.path(n + ".sock")
        self.logpath = self.lab.path(n + ".log")
        self.args = list(args)
        self.proc = None
        self.lab.daemons.append(self)

    def __repr__(self):
        return "<%s %s in %s>" % (type(self).__name__, self.name,
            self.host.name)

    def start(self, wait=True, timeout=10):
        if not os.access(self.PROG, os.X_OK):
            raise LabError("%s is not built" % self.PROG)
        self.proc = self.host.popen([self.PROG, "-d"] + list(self.FLAGS) +
            [self.CONF_FLAG, self.conf, "-s", self.sock] + self.args,
            log=self.logpath,
            env={"ASAN_OPTIONS": "detect_leaks=%d:abort_on_error=0" %
            (1 if self.leaks else 0),
            "UBSAN_OPTIONS": "print_stacktrace=1"})
        if wait:
            wait_until(self.ready, timeout, desc="%s answering on "
                "its control socket" % self.name)
        return self

    def alive(self):
        return self.proc is not None and self.proc.alive()

    def ready(self):
        if not self.alive():
            raise AssertionError("%s exited (%s):\n%s" % (self.name,
                self.proc.returncode if self.proc else "not started",
                self.log_text()[-3000:]))
        return self.ctl("show", "-j", check=False).returncode == 0

    def ctl(self, *args, check=True, timeout=10):
        return self.host.run([self.CTL, "-s", self.sock] + list(args),
            check=check, timeout=timeout)

    def show(self):
        return json.loads(self.ctl("show", "-j").stdout)

    def kill9(self):
        self.proc.kill9()

    def stop(self, timeout=10):
        """SIGTERM and wait for the exit; returns the exit status."""
        return self.proc.stop(timeout=timeout)

    def reload(self, conf=None):
        if conf is not None:
            with open(self.conf, "w") as f:
                f.write(conf)
        self.proc.send_signal(signal.SIGHUP)

    def log_text(self):
        try:
            with open(self.logpath, errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def sanitizer_report(self):
        t = self.log_text()
        m = SANITIZER_RE.search(t)
        if not m:
            return None
        start = t.rfind("\n", 0, m.start()) + 1
        return t[start:start + 6000]


class Carpd(Daemon):
    KIND = "carpd"
    PROG = CARPD
    CTL = CARPCTL

    def iface(self, ifname="carp0"):
        for i in self.show():
            if i.get("ifname") == ifname:
                return i
        raise LabError("%s: no %s in show -j" % (self.name, ifname))

    def state(self, ifname="carp0"):
        return self.iface(ifname)["state"]

    def demote(self, ifname="carp0"):
        return self.iface(ifname)["demote"]

    def stats(self):
        return json.loads(self.ctl("show", "stats", "-j").stdout)


def sole_master(daemons, ifname="carp0"):
    """The one daemon whose ifname is MASTER while every other is
    BACKUP; else raises LabError listing the states."""
    st = [d.state(ifname) for d in daemons]
    if st.count("MASTER") != 1 or st.count("BACKUP") != len(daemons) - 1:
        raise LabError("%s states: %s" % (ifname, ", ".join(
            "%s %s" % (d.host.name, s) for d, s in zip(daemons, st))))
    return daemons[st.index("MASTER")]


def states(daemons, ifname="carp0"):
    return {d.host.name: d.state(ifname) for d in daemons}


def served_by(lan, vip, host, vhid=None, mac=None):
    """
    What the client sees of vip, if it is host serving it: only host
    holds the address, the client's ARP/ND answer is the virtual MAC
    (or mac), the switch learned that MAC on host's port, and ping gets
    replies.  Returns the who_owns dict, or raises LabError saying what
    differs (so wait_until reports it).
    """
    want = mac or virtual_mac(vhid)
    w = lan.who_owns(vip)
    ok = w["holders"] == [host.name] and w["mac"] == want and \
        w["port"] == host.name and w["reply"]
    if not ok:
        raise LabError("%s: wanted holder %s, MAC %s on its port, "
            "replies; saw %s" % (vip, host.name, want, w))
    return w


def dead_box(daemon):
    """A box that died: its daemon killed by SIGKILL (leaving its kernel
    state behind) and every link set down."""
    daemon.kill9()
    daemon.host.all_links_down()


def master_and_backup(start, a, conf_a, b, conf_b, ifname="carp0"):
    """
    Starts carpd on a, makes it MASTER (carpctl state master, so the
    test does not wait out a master-down), then on b, and waits until a
    is the sole MASTER.  start is the carpd fixture.  Returns (da, db).
    """
    da = start(a, conf_a)
    da.ctl(ifname, "state", "master", check=False)
    wait_until(lambda: da.state(ifname) == "MASTER", 10,
        desc="%s MASTER alone" % a.name)
    db = start(b, conf_b)
    wait_until(lambda: sole_master([da, db], ifname) is da, 10,
        desc="%s MASTER, %s BACKUP" % (a.name, b.name))
    return da, db


class Ucarp:
    """
    ucarp on a host's real NIC: its up/down scripts (written into the
    lab directory) add and remove the VIP there with ip addr.
    """

    def __init__(self, host, ifname, srcip, vhid, passphrase, vip,
        prefixlen=24, advbase=1, advskew=0, preempt=False, extra=()):
        check_addr(vip)
        check_addr(srcip)
        self.host = host
        self.lab = host.lab
        self.ifname = ifname
        self.vip = vip
        n = "%s-ucarp-%d" % (host.name, vhid)
        self.up = self.lab.write(n + "-up.sh",
            "#!/bin/sh\nexec ip addr add %s/%d dev \"$1\"\n"
            % (vip, prefixlen), 0o755)
        self.down = self.lab.write(n + "-down.sh",
            "#!/bin/sh\nip addr del %s/%d dev \"$1\" 2>/dev/null\n"
            "exit 0\n" % (vip, prefixlen), 0o755)
        self.logpath = self.lab.path(n + ".log")
        self.argv = ["ucarp", "-i", ifname, "-s", srcip, "-v", str(vhid),
            "-p", passphrase, "-a", vip, "-b", str(advbase), "-k",
            str(advskew), "-u", self.up, "-d", self.down, "-z"]
        if preempt:
            self.argv.append("-P")
        self.argv += list(extra)
        self.proc = None

    def start(self):
        self.proc = self.host.popen(self.argv, log=self.logpath)
        return self

    def alive(self):
        return self.proc is not None and self.proc.alive()

    def is_master(self):
        return self.host.has_addr(self.vip) == self.ifname

    def kill9(self):
        self.proc.kill9()

    def stop(self, timeout=5):
        return self.proc.stop(timeout=timeout)

    def log_text(self):
        return self.proc.log_text() if self.proc else ""


# --- CARP packets, built by hand (specs/carp.md sections 2 and 4) ---

def inet_cksum(data):
    """RFC 1071 over data."""
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def carp_key(passphrase):
    """First 19 bytes of the passphrase, NUL, zero padding."""
    if passphrase is None:
        return bytes(20)
    b = passphrase.encode() if isinstance(passphrase, str) else passphrase
    return b[:19].ljust(20, b"\0")


def carp_digest(passphrase, vhid, addrs, counter):
    """HMAC-SHA1 over 02 01 vhid v4-sorted v6-sorted counter (NOV6LL)."""
    v4 = sorted({ipaddress.ip_interface(a).ip.packed for a in addrs
        if ":" not in a})
    v6 = sorted({ipaddress.ip_interface(a).ip.packed for a in addrs
        if ":" in a and not ipaddress.ip_interface(a).ip.is_link_local})
    msg = bytes([2, 1, vhid]) + b"".join(v4) + b"".join(v6) + counter
    return hmac.new(carp_key(passphrase), msg, hashlib.sha1).digest()


def carp_header(vhid, advskew=0, advbase=1, demote=0, counter=None,
    digest=None, passphrase=None, addrs=(), version=2, type_=1, authlen=7,
    cksum=None, bad_cksum=False):
    """
    The 36-byte CARP header.  With passphrase/addrs the digest is the
    real one (a valid advertisement); digest= forces one; cksum= forces
    the checksum, bad_cksum flips the correct one.
    """
    if counter is None:
        counter = os.urandom(8)
    if digest is None:
        digest = carp_digest(passphrase, vhid, addrs, counter)
    assert len(counter) == 8 and len(digest) == 20
    hdr = bytearray(struct.pack("!BBBBBBH", (version << 4) | type_, vhid,
        advskew, authlen, demote, advbase, 0) + counter + digest)
    if cksum is None:
        cksum = inet_cksum(bytes(hdr))
        if bad_cksum:
            cksum ^= 0x5a5a
    struct.pack_into("!H", hdr, 6, cksum)
    return bytes(hdr)


def carp_frame(src_mac, src_ip, payload, ttl=255, dst=CARP_GROUP4,
    dst_mac=CARP_MAC4):
    """An Ethernet frame carrying payload as IP protocol 112."""
    from scapy.all import Ether, IP, Raw  # slow import, only here
    check_addr(src_ip)
    pkt = Ether(src=src_mac, dst=dst_mac) / IP(src=src_ip, dst=dst,
        ttl=ttl, proto=112, tos=0x10, flags="DF") / Raw(load=payload)
    return bytes(pkt)


def send_frames(host, ifname, frames, inter=0.0, timeout=60):
    """Sends raw frames out of host's ifname with scapy sendp, in a
    helper process inside the namespace.  Bounded by len(frames)."""
    if len(frames) > 10000:
        raise LabError("refusing to send %d frames" % len(frames))
    data = "".join(f.hex() + "\n" for f in frames)
    r = host.run([PYTHON, os.path.join(HERE, "lab.py"), "sendp", ifname,
        str(inter)], input=data, timeout=timeout)
    return r.stdout


def _main_sendp(argv):
    iface, inter = argv[0], float(argv[1])
    from scapy.all import Ether, sendp, conf
    conf.verb = 0
    frames = [Ether(bytes.fromhex(l.strip())) for l in sys.stdin
        if l.strip()]
    t0 = time.monotonic()
    sendp(frames, iface=iface, inter=inter, verbose=False)
    print("sent %d in %.3fs" % (len(frames), time.monotonic() - t0))
    return 0


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "sendp":
        sys.exit(_main_sendp(sys.argv[2:]))
    print(__doc__)
    sys.exit(2)
