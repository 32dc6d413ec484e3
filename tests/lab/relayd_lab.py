# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The hakit Authors
"""
The relayd lab: a client, a relayd box doing layer-3 redirection (nft
DNAT) and four web servers behind it, each running websrv.py.

    client c 203.0.113.10 (+ .20) -- switch cli -- eth1 r 203.0.113.1 (VIP)
                                                   eth2 r 198.51.100.1
    s1..s4 198.51.100.11-14 ------------ switch srv --/
        default route via 198.51.100.1, so DNATed replies come back

r forwards (ip_forward=1).  Each server answers HTTP on 8080 with a body
naming it ("s1\n"), HTTPS on 8443 (a test CA made with openssl), a
banner/echo port 7000 for send/expect, and switches behaviour at run time
(Websrv.set: ok, code500, body, hang, refuse, garbage, endless, huge);
kill() makes it dead, blackhole() drops every packet in its namespace.

The client side tools see what a user sees: N requests to the VIP, one
connection each, counted per server body (fetch, BgFetch), and one held
keep-alive connection asking every INTERVAL (Hold).  Run as a script
(inside a namespace) it is those tools:
    python3 relayd_lab.py fetch DST PORT N INTERVAL MAXTIME OUT [SRC]
    python3 relayd_lab.py hold DST PORT INTERVAL COUNT MAXTIME OUT
Every tool is bounded in count and time and writes JSON.
"""

import collections
import hashlib
import json
import os
import pwd
import re
import signal
import socket
import subprocess
import sys
import time

HERE = os.path.abspath(os.path.dirname(__file__))
sys.path.insert(0, HERE)

import lab as labmod  # noqa: E402
from lab import PYTHON, REPO, LabError, check_addr, wait_until  # noqa: E402

TOOL = os.path.abspath(__file__)
WEBSRV = os.path.join(HERE, "websrv.py")

VIP = "203.0.113.1"
VIP_PORT = 80
CLIENT_IPS = ("203.0.113.10", "203.0.113.20")
BOX_SRV_IP = "198.51.100.1"
SERVER_IPS = ("198.51.100.11", "198.51.100.12", "198.51.100.13",
    "198.51.100.14")
SERVER_NAMES = ("s1", "s2", "s3", "s4")
HTTP_PORT = 8080
HTTPS_PORT = 8443
BANNER_PORT = 7000
STATIC = b"hakit relayd lab static page\n"
STATIC_SHA1 = hashlib.sha1(STATIC).hexdigest()
NFT_TABLE = "hakit_relayd"
USER = "_hakit"

RELAYD = os.environ.get("HAKIT_RELAYD") or \
    os.path.join(REPO, "relayd", "relayd")
RELAYCTL = os.environ.get("HAKIT_RELAYCTL") or \
    os.path.join(REPO, "relayctl", "relayctl")

# The script check (HCE-10): exit > 0 = up.  Run by relayd's parent as the
# relayd user with the host as argument; it connects to the HTTP port.
CHECK_SCRIPT = """#!/bin/bash
# hakit relayd lab: up (exit 1) if $1:%d accepts a connection
if (exec 3<>"/dev/tcp/$1/%d") 2>/dev/null; then
	exit 1
fi
exit 0
""" % (HTTP_PORT, HTTP_PORT)


# --- Checks, one per method (HCE-1..10) ---

class Check:
    """
    One check method as the lab uses it: the `check ...` words, the
    backend port the table forwards to, how a dead server is made
    ("kill" its websrv, or "blackhole" its namespace: a killed process
    still answers ping) and the reasons relayctl shows down and up.
    """

    def __init__(self, ident, words, port, dead, down, up):
        self.id = ident
        self.words = words
        self.port = port
        self.dead = dead
        self.down = down
        self.up = up

    def __repr__(self):
        return self.id


def check_methods(script=None):
    """Every check method; script is the check script's path."""
    return [
        Check("icmp", "icmp", HTTP_PORT, "blackhole", "icmp read timeout",
            "icmp ok"),
        Check("tcp", "tcp", HTTP_PORT, "kill", "tcp connect failed",
            "tcp connect ok"),
        Check("tls", "tls", HTTPS_PORT, "kill", "tcp connect failed",
            "tls connect ok"),
        Check("http-code", 'http "/" code 200', HTTP_PORT, "kill",
            "tcp connect failed", "http code ok"),
        Check("http-digest", 'http "/static" digest "%s"' % STATIC_SHA1,
            HTTP_PORT, "kill", "tcp connect failed", "http digest ok"),
        Check("https-code", 'https "/" code 200', HTTPS_PORT, "kill",
            "tcp connect failed", "http code ok"),
        Check("https-digest", 'https "/static" digest "%s"' % STATIC_SHA1,
            HTTPS_PORT, "kill", "tcp connect failed", "http digest ok"),
        Check("send-expect", 'send "HELO lab" expect "220 *"',
            BANNER_PORT, "kill", "tcp connect failed", "send/expect ok"),
        Check("binary", 'binary send "48454c4f0d0a" expect "323230"',
            BANNER_PORT, "kill", "tcp connect failed", "send/expect ok"),
        Check("script", 'script "%s"' % (script or "/nonexistent"),
            HTTP_PORT, "kill", "script failed", "script ok"),
    ]


# --- relayd.conf ---

def relayd_conf(check='http "/" code 200', port=HTTP_PORT,
    hosts=SERVER_IPS[:3], backup=SERVER_IPS[3:], mode="roundrobin",
    sticky=False, interval=1, timeout=300, session_timeout=60,
    listen=VIP, listen_port=VIP_PORT, redirect_extra=(), head=(),
    disable_redirect=False):
    """
    A relayd.conf with table <web> (hosts), table <spare> (backup, none
    if empty) and redirect "www" from listen:listen_port to the tables'
    port, checked with check.  head: lines before everything.
    """
    for h in list(hosts) + list(backup) + [listen]:
        check_addr(h)
    lines = list(head) + [
        "interval %d" % interval,
        "timeout %d" % timeout,
        "log state changes",
        "log host checks",
        "",
        "table <web> { %s }" % ", ".join(hosts),
    ]
    if backup:
        lines.append("table <spare> { %s }" % ", ".join(backup))
    lines += ["", 'redirect "www" {',
        "\tlisten on %s port %d" % (listen, listen_port),
        "\tforward to <web> port %d mode %s check %s" % (port, mode, check)]
    if backup:
        lines.append("\tforward to <spare> port %d mode %s check %s" % (
            port, mode, check))
    lines.append("\tsession timeout %d" % session_timeout)
    if sticky:
        lines.append("\tsticky-address")
    if disable_redirect:
        lines.append("\tdisable")
    lines += ["\t%s" % l for l in redirect_extra]
    lines.append("}")
    return "\n".join(lines) + "\n"


# --- Certificates ---

def make_certs(lab):
    """A test CA and one server certificate (SANs: every server address)
    made with the openssl program; returns (ca.crt, srv.crt, srv.key)."""
    d = lab.path("pki")
    os.makedirs(d, exist_ok=True)

    def ossl(*args):
        r = subprocess.run(["openssl"] + list(args), capture_output=True,
            text=True, timeout=30, cwd=d)
        if r.returncode != 0:
            raise LabError("openssl %s: %s" % (args[0], r.stderr.strip()))

    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
        "-nodes"]
    ossl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.crt",
        "-days", "2", "-subj", "/CN=hakit relayd lab CA")
    ossl("req", *ec, "-keyout", "srv.key", "-out", "srv.csr", "-subj",
        "/CN=hakit relayd lab web")
    with open(os.path.join(d, "ext.cnf"), "w") as f:
        f.write("subjectAltName = %s\n" % ", ".join("IP:" + ip
            for ip in SERVER_IPS))
    ossl("x509", "-req", "-in", "srv.csr", "-CA", "ca.crt", "-CAkey",
        "ca.key", "-CAcreateserial", "-out", "srv.crt", "-days", "2",
        "-extfile", "ext.cnf")
    return tuple(os.path.join(d, n) for n in ("ca.crt", "srv.crt",
        "srv.key"))


# --- Web servers ---

class Websrv:
    """websrv.py on a server host; set(mode) switches it and waits for
    its acknowledgement; kill() leaves it dead until start()."""

    def __init__(self, host, cert, key, maxtime=600):
        self.host = host
        self.name = host.name
        self.ip = host.ip4
        self.lab = host.lab
        self.ctlfile = self.lab.path("%s-websrv.mode" % self.name)
        self.cert, self.key = cert, key
        self.maxtime = maxtime
        self.proc = None
        self.holed = False
        self.mode = "ok"
        with open(self.ctlfile, "w") as f:
            f.write("ok\n")

    def __repr__(self):
        return "<Websrv %s %s>" % (self.name, self.mode)

    def ack(self):
        try:
            with open(self.ctlfile + ".ack") as f:
                return f.read().strip()
        except OSError:
            return None

    def start(self, wait=True):
        try:
            os.unlink(self.ctlfile + ".ack")
        except FileNotFoundError:
            pass
        self.proc = self.host.popen([PYTHON, WEBSRV, "--name", self.name,
            "--addr", self.ip, "--http", HTTP_PORT, "--https", HTTPS_PORT,
            "--banner", BANNER_PORT, "--cert", self.cert, "--key",
            self.key, "--ctl", self.ctlfile, "--maxtime", self.maxtime],
            log=self.lab.path("%s-websrv.log" % self.name))
        if wait:
            wait_until(lambda: self.ack() == self.mode, 10,
                desc=lambda: "websrv %s started: %s" % (self.name,
                self.proc.log_text()[-1000:]))
        return self

    def alive(self):
        return self.proc is not None and self.proc.alive()

    def set(self, mode):
        """Switches the running server to mode and waits until it says
        so (mode "refuse" has then closed its ports)."""
        tmp = self.ctlfile + ".tmp"
        with open(tmp, "w") as f:
            f.write(mode + "\n")
        os.replace(tmp, self.ctlfile)
        self.mode = mode
        if self.alive():
            wait_until(lambda: self.ack() == mode, 5,
                desc=lambda: "websrv %s in mode %s: %s" % (self.name,
                mode, self.proc.log_text()[-1000:]))

    def kill(self):
        """Dead: the process killed, its ports closed."""
        self.proc.kill9()

    def blackhole(self, on=True):
        """Every packet into the server dropped (nft, its namespace)."""
        if on and not self.holed:
            self.host.run(["nft", "-f", "-"], input="table inet lab_hole {\n"
                "\tchain input {\n"
                "\t\ttype filter hook input priority -10; policy drop;\n"
                "\t\tiifname lo accept\n\t}\n}\n")
        elif not on and self.holed:
            self.host.run(["nft", "delete", "table", "inet", "lab_hole"])
        self.holed = on

    def fix(self):
        """Back to a healthy server, whatever was done to it."""
        if self.holed:
            self.blackhole(False)
        self.set("ok")
        if not self.alive():
            self.start()


# --- Topology ---

class RelaydLab:
    """The topology above, built in lab, every websrv started (ok)."""

    def __init__(self, lab, nservers=4):
        self.lab = lab
        # relayd's children (the relayd user) reach the control socket
        # directory and the check script through the lab directory.
        os.chmod(lab.workdir, 0o711)
        self.sw_cli = lab.add_switch("cli")
        self.sw_srv = lab.add_switch("srv")

        self.client = lab.add_host("c")
        lab.connect(self.client, self.sw_cli, "eth1",
            [ip + "/24" for ip in CLIENT_IPS])
        self.client.run(["ip", "route", "add", "default", "via", VIP])
        self.client.ip4 = CLIENT_IPS[0]

        self.box = lab.add_host("r")
        for conf in ("all", "default"):
            self.box.sysctl("net.ipv4.conf.%s.rp_filter" % conf, 0)
        lab.connect(self.box, self.sw_cli, "eth1", [VIP + "/24"])
        lab.connect(self.box, self.sw_srv, "eth2", [BOX_SRV_IP + "/24"])
        self.box.sysctl("net.ipv4.ip_forward", 1)

        self.servers = []
        for name, ip in list(zip(SERVER_NAMES, SERVER_IPS))[:nservers]:
            h = lab.add_host(name)
            lab.connect(h, self.sw_srv, "eth1", [ip + "/24"])
            h.run(["ip", "route", "add", "default", "via", BOX_SRV_IP])
            h.ip4 = ip
            self.servers.append(h)
        hosts = [self.client, self.box] + self.servers
        wait_until(lambda: all(l.get("operstate") == "UP"
            for h in hosts for n, l in h.links().items() if n != "lo"),
            5, desc="every link up")
        self.ca, cert, key = make_certs(lab)
        self.web = {}
        for h in self.servers:
            self.web[h.name] = Websrv(h, cert, key).start(wait=False)
        for w in self.web.values():
            wait_until(lambda w=w: w.ack() == "ok", 10,
                desc=lambda w=w: "websrv %s started: %s" % (w.name,
                w.proc.log_text()[-1000:]))
        self.script = lab.write("check-http.sh", CHECK_SCRIPT, 0o755)

    def ws(self, which):
        """A Websrv by name ("s1") or address."""
        for w in self.web.values():
            if which in (w.name, w.ip):
                return w
        raise LabError("no web server %s" % which)

    def name_of(self, ip):
        return self.ws(ip).name

    def fetch(self, n=256, src=None, interval=0.0, maxtime=30,
        port=VIP_PORT, dst=VIP):
        """n requests to the VIP from the client, one connection each;
        returns a Fetch."""
        return fetch(self.client, n, src=src, interval=interval,
            maxtime=maxtime, port=port, dst=dst)

    def direct(self, server):
        """The body a server itself gives (from the relayd box), or the
        error: the lab's own sanity check."""
        return fetch(self.box, 1, dst=self.ws(server).ip,
            port=HTTP_PORT).answers[0]


# --- Client tools: test side ---

class Fetch:
    """What n requests saw: answers (server name or error word, in
    order) and counts per answer."""

    def __init__(self, res):
        self.res = res
        self.answers = res["answers"]
        self.counts = collections.Counter(self.answers)
        self.errors = {k: v for k, v in self.counts.items()
            if k not in SERVER_NAMES}

    def servers(self):
        """{server name: count} for answers from a server."""
        return {k: v for k, v in self.counts.items() if k in SERVER_NAMES}

    def __repr__(self):
        return "<Fetch %d: %s>" % (len(self.answers), dict(self.counts))


def fetch(host, n, src=None, interval=0.0, maxtime=30, port=VIP_PORT,
    dst=VIP):
    if n > 5000:
        raise LabError("refusing %d requests" % n)
    check_addr(dst)
    argv = [PYTHON, TOOL, "fetch", dst, port, n, interval, maxtime, "-"]
    if src:
        argv.append(check_addr(src))
    r = host.run([str(a) for a in argv], timeout=maxtime + 15)
    return Fetch(json.loads(r.stdout.strip().splitlines()[-1]))


class BgFetch:
    """fetch in the background (during a reload); result() once done."""

    def __init__(self, rl, n, interval, maxtime=60, src=None):
        self.out = rl.lab.path("bgfetch-%d.json" % len(rl.lab.procs))
        argv = [PYTHON, TOOL, "fetch", VIP, VIP_PORT, n, interval,
            maxtime, self.out]
        if src:
            argv.append(src)
        self.maxtime = maxtime
        self.proc = rl.client.popen([str(a) for a in argv])

    def result(self, timeout=None):
        if self.proc.wait(timeout or self.maxtime + 10) is None:
            self.proc.stop()
        with open(self.out) as f:
            return Fetch(json.load(f))


class Hold:
    """One keep-alive HTTP/1.1 connection to the VIP from the client,
    one request every interval, count at most, for maxtime s."""

    def __init__(self, rl, interval=0.2, count=300, maxtime=60):
        self.out = rl.lab.path("hold-%d.json" % len(rl.lab.procs))
        self.proc = rl.client.popen([str(a) for a in (PYTHON, TOOL,
            "hold", VIP, VIP_PORT, interval, count, maxtime, self.out)])
        self.maxtime = maxtime

    def state(self):
        try:
            with open(self.out) as f:
                return json.load(f)
        except (OSError, ValueError):
            return {"rounds": [], "error": None, "done": False}

    def answers(self):
        return [r[1] for r in self.state()["rounds"]]

    def rounds_after(self, t):
        return [r for r in self.state()["rounds"] if r[0] > t]

    def stop(self):
        self.proc.stop()
        return self.state()

    def describe(self):
        s = self.state()
        c = collections.Counter(r[1] for r in s["rounds"])
        return "hold: %d rounds %s, error %s, done %s; log: %s" % (
            len(s["rounds"]), dict(c), s.get("error"), s.get("done"),
            self.proc.log_text()[-500:])


# --- relayd ---

def ensure_user():
    """The relayd user (_hakit), made when missing; never deleted."""
    try:
        pwd.getpwnam(USER)
        return False
    except KeyError:
        pass
    r = subprocess.run(["useradd", "-r", "-M", "-d", "/nonexistent", "-s",
        "/usr/sbin/nologin", USER], capture_output=True, text=True,
        timeout=30)
    if r.returncode != 0 and "already exists" not in r.stderr:
        raise LabError("useradd %s: %s" % (USER, r.stderr.strip()))
    return True


def user_can_exec():
    """None if the relayd user can run a program here, else why not.
    A root directory only root may enter (some build chroots make / mode
    0700) stops every unprivileged exec, check scripts included."""
    r = subprocess.run(["setpriv", "--reuid", USER, "--regid", USER,
        "--clear-groups", "/bin/sh", "-c", "exit 0"], capture_output=True,
        text=True, timeout=30)
    if r.returncode == 0:
        return None
    return "user %s cannot run /bin/sh here (/ is mode %o): %s" % (USER,
        os.stat("/").st_mode & 0o7777, r.stderr.strip()[:200])


ROW = re.compile(r"^(\d+)\s*\t(\S+)\s*\t(.*?)\s*\t(.*?)\s*\t(.*)$")
EXTRA = "\t        \t"


def parse_show(text):
    """relayctl show text (section 10) as rows: dicts id, type, name,
    avail, status, extra (the lines under the row, without the lead)."""
    rows = []
    for line in text.splitlines()[1:]:
        if line.startswith(EXTRA):
            if rows:
                rows[-1]["extra"].append(line[len(EXTRA):])
            continue
        m = ROW.match(line)
        if m:
            rows.append({"id": int(m.group(1)), "type": m.group(2),
                "name": m.group(3), "avail": m.group(4),
                "status": m.group(5), "extra": []})
    return rows


class Relayd(labmod.Daemon):
    """
    relayd in the lab's relayd box:
        relayd -d -f CONF -s SOCK
    The control socket lives in a directory the relayd user owns (its
    unprivileged children may create it there).
    """

    KIND = "relayd"
    PROG = RELAYD
    CTL = RELAYCTL

    def __init__(self, host, conf, **kw):
        super().__init__(host, conf, **kw)
        rundir = self.lab.path("run-" + self.name)
        os.makedirs(rundir, exist_ok=True)
        try:
            pw = pwd.getpwnam(USER)
            os.chown(rundir, pw.pw_uid, pw.pw_gid)
        except KeyError:
            pass
        os.chmod(rundir, 0o755)
        self.sock = os.path.join(rundir, "relayd.sock")

    def ready(self):
        if not self.alive():
            raise AssertionError("%s exited (%s):\n%s" % (self.name,
                self.proc.returncode if self.proc else "not started",
                self.log_text()[-3000:]))
        return self.ctl("show", "summary", check=False).returncode == 0

    def items(self, what="summary"):
        """relayctl -j show WHAT: the list of items."""
        out = json.loads(self.ctl("-j", "show", what).stdout)
        if isinstance(out, dict):
            out = out.get("items", out.get(what, []))
        return out

    def text(self, what="hosts"):
        return self.ctl("show", what).stdout

    def hosts(self):
        """{host name: item} (the first one of that name)."""
        out = {}
        for i in self.items("hosts"):
            if i.get("type") == "host":
                out.setdefault(i["name"], i)
        return out

    def host_item(self, name):
        h = self.hosts().get(name)
        if h is None:
            raise LabError("%s: no host %s" % (self.name, name))
        return h

    def state(self, name):
        return self.host_item(name)["state"]

    def table(self, name):
        """The table item whose name is name or name:port."""
        for i in self.items("summary"):
            if i.get("type") == "table" and (i["name"] == name or
                    i["name"].startswith(name + ":")):
                return i
        raise LabError("%s: no table %s" % (self.name, name))

    def redirect(self, name="www"):
        for i in self.items("redirects"):
            if i.get("type") == "redirect" and i["name"] == name:
                return i
        raise LabError("%s: no redirect %s" % (self.name, name))

    def reason(self, name):
        """(status, error reason or None) of host name as `show hosts`
        prints it: the reason is on its counters line while down."""
        for r in parse_show(self.text("hosts")):
            if r["type"] == "host" and r["name"].split()[0] == name:
                why = None
                for e in r["extra"]:
                    m = re.search(r", error: (.*)$", e)
                    if m:
                        why = m.group(1)
                return r["status"], why
        raise LabError("%s: no host %s in show hosts" % (self.name, name))

    def states(self):
        return {n: h["state"] for n, h in self.hosts().items()}

    def wait_states(self, want, timeout=10):
        """Waits until every host named in want ({name: state}) is so."""
        return wait_until(lambda: all(self.state(n) == s
            for n, s in want.items()), timeout,
            desc=lambda: "%s: hosts %s\n%s" % (self.name, want, self.diag()))

    def wait_down(self, name, reason, timeout=10):
        """Waits until show hosts says host name is down with reason."""
        return wait_until(lambda: self.reason(name) == ("down", reason),
            timeout, desc=lambda: "%s down, error: %s\n%s" % (name, reason,
            self.diag()))

    def diag(self):
        try:
            t = self.text("hosts") + self.text("redirects")
        except Exception as e:  # the daemon may be the problem
            t = "show failed: %s" % e
        return "%s show hosts/redirects:\n%s\nnft buckets: %s\n" \
            "nft rules:\n%s\nlog tail:\n%s" % (self.name, t,
            nft_buckets(self.host), nft_rules(self.host)[-1500:],
            self.log_text()[-2500:])

    def pids(self):
        """Pids of relayd processes in its namespace (all children)."""
        out = []
        for pid in self.host.pids():
            try:
                with open("/proc/%d/comm" % pid) as f:
                    if f.read().strip().startswith("relayd"):
                        out.append(pid)
            except OSError:
                pass
        return out

    def rss_kb(self):
        """Total resident memory of every relayd process, in KiB."""
        total = 0
        for pid in self.pids():
            try:
                with open("/proc/%d/status" % pid) as f:
                    for l in f:
                        if l.startswith("VmRSS:"):
                            total += int(l.split()[1])
            except OSError:
                pass
        return total


def children(d, name):
    """Pids of relayd d's children whose name is NAME N (relay, ca)."""
    out = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/status" % pid) as f:
                st = f.read()
        except OSError:
            continue
        if re.search(r"^PPid:\s*%d$" % d.proc.pid, st, re.M) and \
                re.search(r"^Name:\s*%s \d+$" % name, st, re.M):
            out.append(int(pid))
    return sorted(out)


def start_scene(rl, relayd, conf=None, up=SERVER_IPS, timeout=15):
    """relayd on rl's box with conf (relayd_conf() by default), waited
    until every host in up is up; returns the Relayd."""
    d = relayd(rl.box, conf if conf is not None else relayd_conf())
    d.wait_states({ip: "up" for ip in up}, timeout)
    return d


def even(counts, names, total, slack=2):
    """True if counts ({name: n}) has exactly names, each within slack
    of an even share of total (roundrobin over 256 buckets, 13.3)."""
    if set(counts) != set(names):
        return False
    share = total / len(names)
    return all(abs(counts[n] - share) <= slack for n in names)


def check_only(host, path, timeout=20):
    """relayd -n -f path in host: the CompletedProcess."""
    return host.run([RELAYD, "-n", "-f", path], check=False,
        timeout=timeout)


# --- nftables ---

def nft_tables(host):
    """["family name", ...] of host's nftables tables."""
    r = host.run(["nft", "list", "tables"], check=False)
    return [l[len("table "):].strip() for l in r.stdout.splitlines()
        if l.startswith("table ")]


def nft_ruleset(host):
    r = host.run(["nft", "list", "ruleset"], check=False)
    return r.stdout + r.stderr


def nft_buckets(host):
    """{map name: {backend: buckets}} of relayd's maps: how the 256
    buckets are shared (13.3), for failure messages."""
    text = host.run(["nft", "list", "table", "inet", NFT_TABLE],
        check=False).stdout
    out = {}
    for m in re.finditer(r"map (\S+) \{(.*?)\n\t\}", text, re.S):
        els = re.findall(r"\d+ : ([0-9a-f.:]+ \. \d+)", m.group(2))
        if els:
            out[m.group(1)] = dict(collections.Counter(els))
    return out


def nft_rules(host):
    """relayd's table without map elements, for failure messages."""
    text = host.run(["nft", "list", "table", "inet", NFT_TABLE],
        check=False).stdout
    return re.sub(r"elements = \{[^}]*\}", "elements = {...}", text)


USER_TABLE = """table inet lab_user {
	counter seen { }
	chain input {
		type filter hook input priority 10; policy accept;
		tcp dport 9999 counter name seen
	}
}
"""


def add_user_table(host):
    """A table of the operator's in relayd's namespace: relayd must never
    touch it (13.1)."""
    host.run(["nft", "-f", "-"], input=USER_TABLE)


# --- Client tools: the script side ---

def _one_request(dst, port, src, timeout=1.0):
    try:
        s = socket.create_connection((dst, port), timeout=timeout,
            source_address=(src, 0) if src else None)
    except ConnectionRefusedError:
        return "refused"
    except socket.timeout:
        return "timeout"
    except OSError as e:
        return "error %s" % (e.strerror or e)
    try:
        s.settimeout(timeout)
        s.sendall(b"GET / HTTP/1.0\r\nHost: %s\r\n\r\n" % dst.encode())
        data = b""
        while len(data) < 65536:
            d = s.recv(4096)
            if not d:
                break
            data += d
    except socket.timeout:
        return "timeout"
    except ConnectionResetError:
        return "reset"
    except OSError as e:
        return "error %s" % (e.strerror or e)
    finally:
        s.close()
    head, sep, body = data.partition(b"\r\n\r\n")
    if not sep:
        return "bad answer"
    status = head.split(b"\r\n")[0].split()
    if len(status) < 2 or status[1] != b"200":
        return "http %s" % (status[1].decode("latin-1") if len(status) > 1
            else "?")
    return body.decode("latin-1").strip()


def _dump(out, obj):
    if out == "-":
        print(json.dumps(obj), flush=True)
        return
    tmp = out + ".tmp"
    with open(tmp, "w") as f:
        json.dump(obj, f)
    os.replace(tmp, out)


def _main_fetch(argv):
    dst, port, n, interval, maxtime, out = argv[:6]
    src = argv[6] if len(argv) > 6 else None
    port, n, interval, maxtime = int(port), int(n), float(interval), \
        float(maxtime)
    end = time.monotonic() + maxtime
    answers, times = [], []
    for _ in range(n):
        if time.monotonic() >= end:
            break
        answers.append(_one_request(dst, port, src))
        times.append(time.time())
        if interval:
            time.sleep(interval)
    _dump(out, {"answers": answers, "times": times})
    return 0


def _main_hold(argv):
    dst, port, interval, count, maxtime, out = argv[:6]
    port, interval, count, maxtime = int(port), float(interval), \
        int(count), float(maxtime)
    end = time.monotonic() + maxtime
    st = {"rounds": [], "error": None, "done": False, "local": None}
    stop = []
    signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
    try:
        s = socket.create_connection((dst, port), timeout=2)
        st["local"] = "%s:%d" % s.getsockname()[:2]
        s.settimeout(2)
        buf = b""
        for _ in range(count):
            if stop or time.monotonic() >= end:
                break
            s.sendall(b"GET / HTTP/1.1\r\nHost: %s\r\n\r\n" %
                dst.encode())
            while b"\r\n\r\n" not in buf:
                d = s.recv(4096)
                if not d:
                    raise OSError("closed by the peer")
                buf += d
                if len(buf) > 65536:
                    raise OSError("header too long")
            head, buf = buf.split(b"\r\n\r\n", 1)
            m = re.search(rb"(?i)content-length:\s*(\d+)", head)
            need = int(m.group(1)) if m else 0
            while len(buf) < need:
                d = s.recv(4096)
                if not d:
                    raise OSError("closed by the peer in a body")
                buf += d
            body, buf = buf[:need], buf[need:]
            st["rounds"].append((time.time(),
                body.decode("latin-1").strip()))
            _dump(out, st)
            time.sleep(interval)
    except (OSError, socket.timeout) as e:
        st["error"] = "%s at %.3f" % (e, time.time())
    st["done"] = True
    _dump(out, st)
    return 0


if __name__ == "__main__":
    if len(sys.argv) >= 8 and sys.argv[1] == "fetch":
        sys.exit(_main_fetch(sys.argv[2:]))
    if len(sys.argv) >= 8 and sys.argv[1] == "hold":
        sys.exit(_main_hold(sys.argv[2:]))
    print(__doc__)
    sys.exit(2)
