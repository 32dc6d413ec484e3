# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The hakit Authors
"""
The dhcpd lab (specs/dhcpd-sync.md): DHCP servers, real clients and an
attacker on one Ethernet segment, the daemon helper, wrappers around the
clients (busybox udhcpc, ISC dhclient) that report what the client was
given, a reader for the lease file, and a Python encoder and decoder of
lease-sync datagrams (spec sections 2.2 and 2.4) for scapy tests.

    switch sw
      s1 eth1 192.0.2.2/24      dhcpd
      s2 eth1 192.0.2.3/24      dhcpd (sync tests)
      c1 eth1 no address        00:00:5e:00:53:01 (RFC 7042 documentation
      c2 eth1 no address        00:00:5e:00:53:02  MACs)
      x  eth1 192.0.2.66/24     attacker: scapy frames, sniffer
      q  eth1 192.0.2.N/24      squatter: holds an address of the pool

Clients start without an address; the udhcpc script configures the one it
is given (as a real client does) and records every event's variables.

Run as a script (inside a namespace) it is the sniffer:
    python3 dhcp_lab.py sniff-sync IFACE SECONDS MAXPKTS
which prints "pkt SRC DST TTL HEX" for every UDP datagram to port 8067.
"""

import calendar
import hashlib
import hmac
import ipaddress
import json
import os
import re
import signal
import socket
import struct
import sys
import time

HERE = os.path.abspath(os.path.dirname(__file__))
sys.path.insert(0, HERE)

import lab as labmod  # noqa: E402
from lab import (PYTHON, REPO, LabError, check_addr, pid_alive,  # noqa: E402
    wait_until)

TOOL = os.path.abspath(__file__)

DHCPD = os.environ.get("HAKIT_DHCPD") or os.path.join(REPO, "dhcpd", "dhcpd")
DHCPCTL = os.environ.get("HAKIT_DHCPCTL") or \
    os.path.join(REPO, "dhcpctl", "dhcpctl")

NET = "192.0.2.0"
MASK = "255.255.255.0"
ROUTER = "192.0.2.1"
DNS = ("192.0.2.53", "192.0.2.54")
DOMAIN = "lab.example.org"
SERVER_IPS = ("192.0.2.2", "192.0.2.3")
ATTACKER_IP = "192.0.2.66"
RANGE = ("192.0.2.10", "192.0.2.50")
LEASE_TIME = 600
MAX_LEASE_TIME = 1200
FIXED_MAC = "00:00:5e:00:53:09"
FIXED_IP = "192.0.2.5"

SYNC_PORT = 8067
SYNC_GROUP = "224.0.1.240"
SYNC_VERSION = 1
SYNC_AF = 2
SYNC_HDRLEN = 32
SYNC_LEN = 100
SYNC_INFINITE = 0x7fffffff
TLV_END = 0
TLV_LEASE = 1

SYNC_DROPS = ("short", "version", "af", "length", "hmac", "tlvlen",
    "leaselen", "tlvtype", "addrlen", "hlen")
DHCP_DROPS = ("short", "op", "hlen", "optlen", "overload", "msgtype",
    "ether", "ip", "ipcsum", "frag", "udp", "udpcsum")


def client_mac(i):
    """The documentation MAC of client number i (1..255)."""
    return "00:00:5e:00:53:%02x" % i


def in_range(ip, rng=RANGE):
    a = ipaddress.ip_address(ip)
    return ipaddress.ip_address(rng[0]) <= a <= ipaddress.ip_address(rng[1])


# --- dhcpd.conf ---

def dhcpd_conf(ranges=(RANGE,), lease_time=LEASE_TIME,
    max_lease_time=MAX_LEASE_TIME, hosts=(), extra=()):
    """
    One subnet 192.0.2.0/24 with the lab's router, name servers, domain,
    ranges [(low, high)] and lease times; hosts [(name, mac, fixed ip)].
    """
    lines = ["# hakit lab", "subnet %s netmask %s {" % (NET, MASK),
        "\toption routers %s;" % ROUTER,
        "\toption domain-name-servers %s;" % ", ".join(DNS),
        '\toption domain-name "%s";' % DOMAIN,
        "\tdefault-lease-time %d;" % lease_time,
        "\tmax-lease-time %d;" % max_lease_time]
    for low, high in ranges:
        lines.append("\trange %s %s;" % (check_addr(low), check_addr(high)))
    for name, mac, ip in hosts:
        lines += ["\thost %s {" % name, "\t\thardware ethernet %s;" % mac,
            "\t\tfixed-address %s;" % check_addr(ip), "\t}"]
    lines += ["\t%s" % e for e in extra]
    lines.append("}")
    return "\n".join(lines) + "\n"


# --- Topology ---

class DhcpLan:
    """
    The segment above: `servers` DHCP servers s1.., `clients` clients
    c1.. (no address, MAC client_mac(i)), the attacker x when asked.
    More hosts come from add_client() and add_squatter().
    """

    def __init__(self, lab, servers=1, clients=1, attacker=False):
        self.lab = lab
        self.sw = lab.add_switch("sw")
        # With br_netfilter loaded (as container hosts have it) the
        # bridge checks IPv4 headers and drops a malformed packet before
        # it reaches the server: a plain switch forwards frames.
        if os.path.exists("/proc/sys/net/bridge"):
            self.sw.run(["sysctl", "-q", "-w",
                "net.bridge.bridge-nf-call-iptables=0"], check=False)
        self.servers = []
        for i in range(servers):
            h = lab.add_host("s%d" % (i + 1))
            lab.connect(h, self.sw, "eth1", [SERVER_IPS[i] + "/24"])
            h.ip4 = SERVER_IPS[i]
            self.servers.append(h)
        self.clients = []
        for i in range(clients):
            self.add_client("c%d" % (i + 1), client_mac(i + 1))
        self.attacker = None
        if attacker:
            self.attacker = lab.add_host("x")
            lab.connect(self.attacker, self.sw, "eth1",
                [ATTACKER_IP + "/24"])
            self.attacker.ip4 = ATTACKER_IP
        self.wait_links()

    def add_client(self, name, mac):
        h = self.lab.add_host(name)
        self.lab.connect(h, self.sw, "eth1", mac=mac)
        h.hwaddr = mac
        self.clients.append(h)
        return h

    def add_squatter(self, addr, name="q"):
        """A host that holds addr (in the pool) without asking dhcpd:
        it answers the server's ping."""
        h = self.lab.add_host(name)
        self.lab.connect(h, self.sw, "eth1", [check_addr(addr) + "/24"])
        h.ip4 = addr
        self.wait_links()
        return h

    def wait_links(self):
        # A veth reports carrier a moment after both ends are up.
        hosts = list(self.lab.hosts.values())
        wait_until(lambda: all(l.get("operstate") == "UP"
            for h in hosts for n, l in h.links().items() if n != "lo"),
            5, desc="every link up")

    def server_of(self, ip):
        for h in self.servers:
            if h.ip4 == ip:
                return h
        return None


def no_echo_replies(host):
    """host stops answering pings: a client that released its address and
    went away, so the server's release probe finds nobody."""
    host.sysctl("net.ipv4.icmp_echo_ignore_all", 1)


# --- The lease file (dhcpd.leases(5), spec 1.6) ---

_LEASE_RE = re.compile(r"lease\s+(\d+\.\d+\.\d+\.\d+)\s*\{(.*?)\}", re.S)


def _lease_time(tok):
    """['2', '2023/11/14', '22:13:20', 'UTC'] or ['never'] -> epoch or
    None (never)."""
    if tok and tok[0] == "never":
        return None
    if len(tok) < 3:
        raise ValueError("bad date %r" % (tok,))
    return calendar.timegm(time.strptime("%s %s" % (tok[1], tok[2]),
        "%Y/%m/%d %H:%M:%S"))


def parse_leases(text):
    """
    The lease blocks of a dhcpd.leases text, {ip: lease} with the last
    occurrence of each address winning.  A lease: starts, ends (epoch,
    None for never), hardware, uid, client_hostname, hostname,
    abandoned, dynamic_bootp, and count (blocks seen for that ip).
    """
    text = "\n".join(l for l in text.splitlines()
        if not l.lstrip().startswith("#"))
    out = {}
    for m in _LEASE_RE.finditer(text):
        ip, body = m.group(1), m.group(2)
        l = {"address": ip, "starts": None, "ends": None,
            "hardware": None, "uid": None, "client_hostname": None,
            "hostname": None, "abandoned": False, "dynamic_bootp": False}
        for stmt in body.split(";"):
            tok = stmt.split()
            if not tok:
                continue
            k = tok[0]
            if k in ("starts", "ends"):
                l[k] = _lease_time(tok[1:])
            elif k == "hardware" and len(tok) >= 3:
                l["hardware"] = tok[2].lower()
            elif k == "uid" and len(tok) >= 2:
                l["uid"] = tok[1].lower()
            elif k in ("client-hostname", "hostname"):
                v = stmt.strip()[len(k):].strip()
                l[k.replace("-", "_")] = v.strip('"')
            elif k == "abandoned":
                l["abandoned"] = True
            elif k == "dynamic-bootp":
                l["dynamic_bootp"] = True
        l["count"] = out.get(ip, {}).get("count", 0) + 1
        out[ip] = l
    return out


def read_file(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return ""


# --- dhcpd ---

class Dhcpd(labmod.Daemon):
    """
    dhcpd in a lab host, as Carpd is carpd:
        dhcpd -d -v -c CONF -s SOCK -l LEASES -k KEY [-y LISTEN]
            [-Y TARGET]... [EXTRA...] IFNAME...
    key: the key file's content (written mode 0600), or None for no key
    file (the empty key).  The lease and key files live in the lab
    directory and outlive a restart (start() again).
    """

    KIND = "dhcpd"
    PROG = DHCPD
    CTL = DHCPCTL
    FLAGS = ("-v",)
    CONF_FLAG = "-c"

    def __init__(self, host, conf, ifaces=("eth1",), listen=None,
        targets=(), key=None, leasefile=None, extra=(), name=None,
        leaks=False):
        super().__init__(host, conf, name=name, leaks=leaks)
        self.leasefile = leasefile or self.lab.path(self.name + ".leases")
        self.keyfile = self.lab.path(self.name + ".key")
        if key is not None:
            self.set_key(key)
        args = ["-l", self.leasefile, "-k", self.keyfile]
        if listen:
            args += ["-y", listen]
        for t in targets:
            args += ["-Y", t]
        args += list(extra)
        args += list(ifaces)
        self.args = args

    def set_key(self, key):
        data = key.encode() if isinstance(key, str) else bytes(key)
        fd = os.open(self.keyfile, os.O_WRONLY | os.O_CREAT | os.O_TRUNC,
            0o600)
        try:
            os.write(fd, data)
        finally:
            os.close(fd)
        os.chmod(self.keyfile, 0o600)

    def stats(self):
        return self.show()["stats"]

    def drops(self):
        return self.show()["drops"]

    def sync(self):
        return self.show()["sync"]

    def leases(self):
        """`dhcpctl show leases -j`: a list of lease objects."""
        r = json.loads(self.ctl("show", "leases", "-j").stdout)
        return r["leases"] if isinstance(r, dict) else r

    def lease(self, ip):
        """The lease object of ip in show leases, or None."""
        for l in self.leases():
            if l.get("address") == ip:
                return l
        return None

    def active_for(self, mac):
        """Addresses whose lease is active for mac."""
        mac = mac.lower()
        return sorted(l["address"] for l in self.leases()
            if l.get("state") == "active" and
            (l.get("hardware") or "").lower() == mac)

    def file_text(self):
        return read_file(self.leasefile)

    def file_leases(self):
        return parse_leases(self.file_text())

    def file_lease(self, ip):
        return self.file_leases().get(ip)

    def holds(self, ip, mac):
        """True once both the lease file and show leases hold ip as an
        active lease of mac (the file's entry not yet ended)."""
        f = self.file_lease(ip)
        if f is None or f["hardware"] != mac.lower():
            return False
        if f["ends"] is not None and f["ends"] <= time.time():
            return False
        l = self.lease(ip)
        return l is not None and l.get("state") == "active" and \
            (l.get("hardware") or "").lower() == mac.lower()

    def diag(self):
        """show -j, show leases -j and the log tail, for messages."""
        try:
            s = json.dumps(self.show(), sort_keys=True)
        except Exception as e:  # the daemon may be the problem
            s = "show failed: %s" % e
        try:
            ls = json.dumps(self.leases())
        except Exception as e:
            ls = "show leases failed: %s" % e
        return "%s show: %s\nleases: %s\nlease file:\n%s\nlog tail:\n%s" % (
            self.name, s, ls, self.file_text()[-1500:],
            self.log_text()[-2500:])


# --- Clients ---

UDHCPC_SCRIPT = r"""#!/bin/sh
# udhcpc event script for the hakit lab: configures the address as a real
# client would, then records the variables of the event.  Recording last
# means a test that sees a bound event also sees the address in place.
out="%(out)s"
now=$(date +%%s.%%N)
if [ %(configure)d = 1 ]; then
	case "$1" in
	deconfig)
		ip -4 addr flush dev "$interface" ;;
	bound|renew)
		ip -4 addr flush dev "$interface"
		ip addr add "$ip/${mask:-24}" dev "$interface" ;;
	esac
fi
{
	echo "event=$1"
	echo "time=$now"
	for v in interface ip subnet mask router dns domain lease serverid \
	    hostname broadcast message; do
		eval "echo \"$v=\${$v}\""
	done
	echo "."
} >> "$out"
exit 0
"""


class UdhcpcResult:
    """What one udhcpc run saw: its exit status, its output and the
    events its script recorded (each a dict of the variables)."""

    def __init__(self, rc, output, events, elapsed):
        self.rc = rc
        self.output = output
        self.events = events
        self.elapsed = elapsed
        bound = [e for e in events if e.get("event") in ("bound", "renew")]
        self.bound = bound[-1] if bound else None
        self.ip = self.bound["ip"] if self.bound else None
        self.serverid = self.bound.get("serverid") if self.bound else None

    def __repr__(self):
        return "<udhcpc rc %s ip %s server %s in %.1fs>" % (self.rc,
            self.ip, self.serverid, self.elapsed)

    def describe(self):
        return "%r\nevents: %s\noutput:\n%s" % (self, self.events,
            self.output[-2000:])


class Udhcpc:
    """
    busybox udhcpc on host's ifname, run to completion each time:
        busybox udhcpc -i IF -n -q -f -t TRIES -T SECS -s SCRIPT ...
    configure: the script adds the address it gets (and flushes it at
    deconfig), so the client answers pings and can send a release.
    """

    def __init__(self, host, ifname="eth1", configure=True):
        self.host = host
        self.ifname = ifname
        lab = host.lab
        self.out = lab.path("%s-udhcpc-events.txt" % host.name)
        self.script = lab.write("%s-udhcpc.sh" % host.name,
            UDHCPC_SCRIPT % {"out": self.out,
            "configure": 1 if configure else 0}, 0o755)
        self.runs = 0

    def events(self):
        ev = []
        cur = {}
        for line in read_file(self.out).splitlines():
            if line == ".":
                ev.append(cur)
                cur = {}
            elif "=" in line:
                k, v = line.split("=", 1)
                cur[k] = v
        return ev

    def start(self, request=None, release=False, tries=5, secs=2,
        extra=()):
        """udhcpc in the background (no -q): it stays bound, renews at
        T1 and rebinds at T2 until stopped (stop() or the lab's
        teardown, by pid).  Returns the Proc."""
        if tries > 10 or secs > 5:
            raise LabError("udhcpc run too long")
        with open(self.out, "w"):
            pass
        cmd = ["busybox", "udhcpc", "-i", self.ifname, "-f", "-t",
            str(tries), "-T", str(secs), "-s", self.script]
        if request:
            cmd += ["-r", check_addr(request)]
        if release:
            cmd.append("-R")
        cmd += list(extra)
        self.runs += 1
        self.proc = self.host.popen(cmd, log=self.host.lab.path(
            "%s-udhcpc-%d.log" % (self.host.name, self.runs)))
        return self.proc

    def bound_events(self):
        """The bound and renew events so far, with their time (unix)."""
        out = []
        for e in self.events():
            if e.get("event") in ("bound", "renew"):
                e = dict(e)
                e["time"] = float(e.get("time") or 0)
                out.append(e)
        return out

    def run(self, request=None, release=False, hostname=None, tries=5,
        secs=2, extra=()):
        """
        One client run to its end: -q (exit once bound) normally.  With
        release, udhcpc runs without -q until bound, then gets SIGTERM
        and, with -R, sends its DHCPRELEASE (busybox 1.35 releases
        nothing when -q ends it: it quits before entering BOUND).
        """
        if tries > 10 or secs > 5:
            raise LabError("udhcpc run too long")
        with open(self.out, "w"):
            pass
        cmd = ["busybox", "udhcpc", "-i", self.ifname, "-n", "-f",
            "-t", str(tries), "-T", str(secs), "-s", self.script]
        if not release:
            cmd.append("-q")
        if request:
            cmd += ["-r", check_addr(request)]
        if release:
            cmd.append("-R")
        if hostname:
            cmd += ["-x", "hostname:%s" % hostname]
        cmd += list(extra)
        self.runs += 1
        bound = tries * secs + 20
        t0 = time.monotonic()
        if not release:
            r = self.host.run(cmd, check=False, timeout=bound)
            res = UdhcpcResult(r.returncode, r.stdout + r.stderr,
                self.events(), time.monotonic() - t0)
        else:
            log = self.host.lab.path("%s-udhcpc-%d.log" % (self.host.name,
                self.runs))
            p = self.host.popen(cmd, log=log)
            deadline = time.monotonic() + bound
            while p.alive() and time.monotonic() < deadline and \
                    not any(e.get("event") == "bound"
                    for e in self.events()):
                time.sleep(0.05)
            elapsed = time.monotonic() - t0
            # SIGTERM: udhcpc releases (-R), runs deconfig and exits.
            rc = p.stop(timeout=10)
            res = UdhcpcResult(rc, p.log_text(), self.events(), elapsed)
        print("[%s] %r" % (self.host.name, res))
        return res


DHCLIENT_CONF = """\
# hakit lab: try quickly, ask for what the lab serves
timeout 20;
retry 5;
initial-interval 1;
request subnet-mask, broadcast-address, routers, domain-name,
	domain-name-servers, host-name;
"""


class Dhclient:
    """
    ISC dhclient, one attempt, no script:
        dhclient -4 -1 -v -cf CONF -sf /bin/true -lf LEASES -pf PID IF
    It forks once bound; stop() ends that child by the pid in its pid
    file (SIGTERM: no release).
    """

    def __init__(self, host, ifname="eth1"):
        self.host = host
        self.ifname = ifname
        lab = host.lab
        n = "%s-dhclient" % host.name
        self.cf = lab.write(n + ".conf", DHCLIENT_CONF)
        self.lf = lab.path(n + ".leases")
        self.pf = lab.path(n + ".pid")
        self.log = lab.path(n + ".log")
        self.proc = None

    def start(self, timeout=40):
        """Runs until dhclient is bound (its parent exits 0) or gives
        up; returns the parent's exit status."""
        self.proc = self.host.popen(["dhclient", "-4", "-1", "-v", "-cf",
            self.cf, "-sf", "/bin/true", "-lf", self.lf, "-pf", self.pf,
            self.ifname], log=self.log)
        rc = self.proc.wait(timeout)
        if rc is None:
            self.proc.stop()
            rc = self.proc.returncode
        return rc

    def log_text(self):
        return read_file(self.log)

    def pid(self):
        try:
            return int(read_file(self.pf).split()[0])
        except (IndexError, ValueError):
            return None

    def leases(self):
        """The lease blocks of its lease file, as dicts of the
        statements ("fixed-address", "option routers", ...)."""
        out = []
        for m in re.finditer(r"lease\s*\{(.*?)\}", read_file(self.lf),
                re.S):
            d = {}
            for stmt in m.group(1).split(";"):
                tok = stmt.split(None, 2)
                if not tok:
                    continue
                if tok[0] == "option" and len(tok) == 3:
                    d["option " + tok[1]] = tok[2].strip().strip('"')
                elif len(tok) >= 2:
                    d[tok[0]] = " ".join(tok[1:]).strip('"')
            out.append(d)
        return out

    def stop(self, timeout=5):
        """SIGTERM to the pid in the pid file (the bound child we
        started), SIGKILL after timeout; True if it was running."""
        pid = self.pid()
        if pid is None or not pid_alive(pid):
            return False
        # Only our child: it runs in this lab's namespace.
        if pid not in self.host.pids():
            raise LabError("pid %d in %s is not in %s" % (pid, self.pf,
                self.host.name))
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if pid_alive(pid):
            os.kill(pid, signal.SIGKILL)
        return True


# --- nftables sets (-A/-C/-L) ---

NFT_TABLE = "hakit_dhcpd"


def nft_set(host, name, table=NFT_TABLE):
    """The addresses in host's set `ip table name`, sorted; raises
    LabError if the set does not exist."""
    r = host.run(["nft", "-j", "list", "set", "ip", table, name])
    out = set()
    for obj in json.loads(r.stdout).get("nftables", []):
        s = obj.get("set")
        if not s:
            continue
        for e in s.get("elem", []):
            if isinstance(e, dict):
                e = e.get("elem", e).get("val", e)
            if isinstance(e, str):
                out.add(e)
            elif isinstance(e, dict) and "prefix" in e:
                out.add("%s/%s" % (e["prefix"]["addr"], e["prefix"]["len"]))
    return sorted(out)


# --- Lease sync datagrams (spec 2.2, 2.4) ---

def sync_key(content):
    """The HMAC key from a key file's content (bytes or str): the 40
    lowercase hex characters of its SHA-1, as ASCII bytes.  None (no
    key file) is the empty key."""
    if content is None:
        return b""
    if isinstance(content, str):
        content = content.encode()
    return hashlib.sha1(content).hexdigest().encode()


def mac_bytes(mac):
    if isinstance(mac, (bytes, bytearray)):
        return bytes(mac)
    return bytes.fromhex(mac.replace(":", ""))


def tlv(type_, data=b"", length=None):
    """A raw TLV: type, length (default 4 + len(data)), data."""
    if length is None:
        length = 4 + len(data)
    return struct.pack("!HH", type_ & 0xffff, length & 0xffff) + data


def end_tlv():
    return tlv(TLV_END)


def lease_body(ip, mac, starts, ends, timestamp=None, htype=1, hlen=None,
    addrlen=4, haddr=None):
    """The 60 bytes after a LEASE TLV's header: the 54-byte lease (BE
    times, little-endian address length, 16-byte iabuf, htype, hlen,
    16-byte haddr) and 10 bytes of padding."""
    hw = mac_bytes(mac) if haddr is None else bytes(haddr)
    if hlen is None:
        hlen = len(hw)
    if timestamp is None:
        timestamp = starts
    body = struct.pack("!III", starts & 0xffffffff, ends & 0xffffffff,
        timestamp & 0xffffffff)
    body += struct.pack("<i", addrlen)
    body += socket.inet_aton(ip).ljust(16, b"\0")
    body += bytes([htype & 0xff, hlen & 0xff]) + hw[:16].ljust(16, b"\0")
    assert len(body) == 50
    return body + bytes(10)


def lease_tlv(ip, mac, starts, ends, length=None, body=None, **kw):
    """The LEASE TLV (type 1, length 64); length= forces the length
    field, body= replaces the bytes after the header."""
    if body is None:
        body = lease_body(ip, mac, starts, ends, **kw)
    return tlv(TLV_LEASE, body, length)


def sync_datagram(tlvs, key=b"", counter=0, version=SYNC_VERSION,
    af=SYNC_AF, length=None, hmac_key=None, digest=None, trailer=b""):
    """
    A sync datagram: the 32-byte header, then the TLVs as given (add
    end_tlv() yourself).  length defaults to the real size; the HMAC is
    HMAC-SHA1 keyed by key (hmac_key overrides) over the first `length`
    bytes (the whole datagram if shorter) with the field zeroed, unless
    digest= forces 20 bytes.  trailer is appended after the HMAC.
    """
    body = b"".join(tlvs)
    if length is None:
        length = SYNC_HDRLEN + len(body)
    d = bytearray(struct.pack("!BBH", version & 0xff, af & 0xff,
        length & 0xffff) + struct.pack("<I", counter & 0xffffffff) +
        bytes(20) + bytes(4) + body)
    if digest is None:
        k = key if hmac_key is None else hmac_key
        digest = hmac.new(k, bytes(d[:min(length, len(d))]),
            hashlib.sha1).digest()
    assert len(digest) == 20
    d[8:28] = digest
    return bytes(d) + trailer


def sync_lease_datagram(ip, mac, starts, ends, key=b"", counter=0,
    timestamp=None):
    """The 100-byte datagram a server sends for one lease."""
    return sync_datagram([lease_tlv(ip, mac, starts, ends,
        timestamp=timestamp), end_tlv()], key=key, counter=counter)


def sync_decode(data, key=None):
    """
    Decodes a sync datagram: {version, af, length, counter, hmac,
    hmac_ok (None without key), leases: [{address, hardware, htype,
    hlen, addrlen, starts, ends, timestamp}], tlvs: [(type, length)]}.
    Raises ValueError on a malformed one.
    """
    if len(data) < SYNC_HDRLEN:
        raise ValueError("short: %d bytes" % len(data))
    version, af, length = struct.unpack_from("!BBH", data, 0)
    counter, = struct.unpack_from("<I", data, 4)
    digest = bytes(data[8:28])
    if length < SYNC_HDRLEN or length > len(data):
        raise ValueError("length %d of %d bytes" % (length, len(data)))
    r = {"version": version, "af": af, "length": length,
        "counter": counter, "hmac": digest.hex(), "hmac_ok": None,
        "leases": [], "tlvs": []}
    if key is not None:
        z = bytearray(data[:length])
        z[8:28] = bytes(20)
        r["hmac_ok"] = hmac.compare_digest(digest, hmac.new(key,
            bytes(z), hashlib.sha1).digest())
    off = SYNC_HDRLEN
    while off + 4 <= length:
        t, n = struct.unpack_from("!HH", data, off)
        r["tlvs"].append((t, n))
        if t == TLV_END:
            break
        if n < 4 or off + n > length:
            raise ValueError("TLV length %d at %d" % (n, off))
        if t == TLV_LEASE:
            if n < 54:
                raise ValueError("LEASE of %d bytes" % n)
            starts, ends, ts = struct.unpack_from("!III", data, off + 4)
            addrlen, = struct.unpack_from("<i", data, off + 16)
            ip = socket.inet_ntoa(bytes(data[off + 20:off + 24]))
            htype, hlen = data[off + 36], data[off + 37]
            hw = bytes(data[off + 38:off + 38 + min(hlen, 16)])
            r["leases"].append({"address": ip, "starts": starts,
                "ends": ends, "timestamp": ts, "addrlen": addrlen,
                "htype": htype, "hlen": hlen,
                "hardware": ":".join("%02x" % b for b in hw)})
        else:
            raise ValueError("TLV type %d" % t)
        off += n
    return r


def sync_frame(sender, dst_host, payload, dst_ip=None, sport=SYNC_PORT,
    dport=SYNC_PORT, ifname="eth1"):
    """An Ethernet frame from sender to dst_host's ifname carrying
    payload in UDP to port 8067."""
    from scapy.all import IP, UDP, Ether, Raw  # slow import, only here
    dst_ip = check_addr(dst_ip or dst_host.ip4)
    return bytes(Ether(src=sender.mac(ifname), dst=dst_host.mac(ifname)) /
        IP(src=check_addr(sender.ip4), dst=dst_ip, ttl=1) /
        UDP(sport=sport, dport=dport) / Raw(load=bytes(payload)))


def send_sync(sender, dst_host, payloads, inter=0.02):
    frames = [sync_frame(sender, dst_host, p) for p in payloads]
    return labmod.send_frames(sender, "eth1", frames, inter=inter)


# --- DHCP messages built by hand (RFC 2131), for malformed ones ---

DHCP_COOKIE = b"\x63\x82\x53\x63"


def dhcp_message(mac, msgtype=1, xid=0x5eed0001, ciaddr="0.0.0.0",
    options=None, hlen=6, op=1, flags=0x8000, cookie=DHCP_COOKIE,
    sname=b"", file=b""):
    """
    A BOOTREQUEST: fixed part, cookie and options.  options are the raw
    bytes after the cookie (END included); by default the message type
    and END.
    """
    hw = mac_bytes(mac)
    m = struct.pack("!BBBBIHH", op, 1, hlen, 0, xid, 0, flags)
    m += socket.inet_aton(ciaddr) + bytes(4) + bytes(4) + bytes(4)
    m += hw.ljust(16, b"\0")[:16]
    m += sname.ljust(64, b"\0")[:64] + file.ljust(128, b"\0")[:128]
    assert len(m) == 236
    if options is None:
        options = bytes([53, 1, msgtype, 255])
    return m + cookie + options


def dhcp_frame(src_mac, payload, src_ip="0.0.0.0", dst_ip="255.255.255.255",
    dst_mac="ff:ff:ff:ff:ff:ff"):
    """An Ethernet frame carrying payload from UDP 68 to UDP 67."""
    from scapy.all import IP, UDP, Ether, Raw
    if src_ip != "0.0.0.0":
        check_addr(src_ip)
    if dst_ip != "255.255.255.255":
        check_addr(dst_ip)
    return bytes(Ether(src=src_mac, dst=dst_mac) /
        IP(src=src_ip, dst=dst_ip, ttl=64) / UDP(sport=68, dport=67) /
        Raw(load=bytes(payload)))


def send_dhcp(sender, frames, inter=0.02):
    return labmod.send_frames(sender, "eth1", frames, inter=inter)


# --- Sniffing sync datagrams ---

class SyncSniffer:
    """scapy on host's ifname for UDP to port 8067, `seconds` long at
    most."""

    def __init__(self, host, ifname="eth1", seconds=5, maxpkts=200):
        self.log = host.lab.path("%s-sniff-sync-%d.log" % (host.name,
            len(host.lab.procs)))
        self.proc = host.popen([PYTHON, TOOL, "sniff-sync", ifname,
            str(seconds), str(maxpkts)], log=self.log)
        wait_until(lambda: "ready" in self.proc.log_text(), 15,
            desc="sync sniffer ready")

    def wait(self, timeout=20):
        if self.proc.wait(timeout) is None:
            self.proc.stop()
        return self

    def datagrams(self, with_ttl=False):
        """[(src, dst, payload)], or [(src, dst, ttl, payload)]."""
        out = []
        for line in self.proc.log_text().splitlines():
            f = line.split()
            if len(f) == 5 and f[0] == "pkt":
                p = bytes.fromhex(f[4]) if f[4] != "-" else b""
                out.append((f[1], f[2], int(f[3]), p) if with_ttl else
                    (f[1], f[2], p))
        return out


def _tool_sniff_sync(argv):
    iface, seconds, maxpkts = argv[0], float(argv[1]), int(argv[2])
    from scapy.all import IP, UDP, conf, sniff
    conf.verb = 0

    def show(p):
        print("pkt %s %s %d %s" % (p[IP].src, p[IP].dst, p[IP].ttl,
            bytes(p[UDP].payload).hex() or "-"), flush=True)

    sniff(iface=iface, timeout=seconds, count=maxpkts, store=False,
        lfilter=lambda p: UDP in p and p[UDP].dport == SYNC_PORT,
        prn=show, started_callback=lambda: print("ready", flush=True))
    return 0


if __name__ == "__main__":
    if len(sys.argv) >= 5 and sys.argv[1] == "sniff-sync":
        sys.exit(_tool_sniff_sync(sys.argv[2:]))
    print(__doc__)
    sys.exit(2)


# --- More helpers (test_dhcpd_more.py): option builder, BOOTP decoder,
# a DHCP reply sniffer, a relay agent, conntrack ---
#
# Run inside a namespace through run_tool() (python3 -c "import dhcp_lab"),
# since the script entry point above knows only sniff-sync.

IP_PKTINFO = getattr(socket, "IP_PKTINFO", 8)


def dhcp_options(*opts):
    """Raw options after the cookie: (code, bytes | [ints] | dotted
    address), then END."""
    out = b""
    for code, val in opts:
        if isinstance(val, str):
            val = socket.inet_aton(val)
        elif isinstance(val, (list, tuple)):
            val = bytes(val)
        out += bytes([code, len(val)]) + bytes(val)
    return out + bytes([255])


def ip_bytes(ip):
    return socket.inet_aton(ip)


def bootp_decode(data):
    """
    The fixed part of a BOOTP/DHCP message and its options: {op, htype,
    hlen, hops, xid, secs, flags, ciaddr, yiaddr, siaddr, giaddr, chaddr,
    sname, file, cookie (bool), options {code: bytes}, msgtype (0 for
    plain BOOTP), len}.  Raises ValueError if shorter than 236 bytes.
    """
    if len(data) < 236:
        raise ValueError("BOOTP message of %d bytes" % len(data))
    op, htype, hlen, hops, xid, secs, flags = struct.unpack_from(
        "!BBBBIHH", data, 0)
    addr = [socket.inet_ntoa(bytes(data[o:o + 4])) for o in (12, 16, 20,
        24)]
    r = {"op": op, "htype": htype, "hlen": hlen, "hops": hops, "xid": xid,
        "secs": secs, "flags": flags, "ciaddr": addr[0], "yiaddr": addr[1],
        "siaddr": addr[2], "giaddr": addr[3],
        "chaddr": ":".join("%02x" % b for b in data[28:28 + min(hlen, 16)]),
        "sname": bytes(data[44:108]).split(b"\0")[0].decode("latin-1"),
        "file": bytes(data[108:236]).split(b"\0")[0].decode("latin-1"),
        "cookie": bytes(data[236:240]) == DHCP_COOKIE, "options": {},
        "len": len(data)}
    if r["cookie"]:
        p = 240
        while p < len(data):
            code = data[p]
            if code == 255:
                break
            if code == 0:
                p += 1
                continue
            if p + 2 > len(data) or p + 2 + data[p + 1] > len(data):
                raise ValueError("option %d runs past the end" % code)
            n = data[p + 1]
            r["options"][code] = r["options"].get(code, b"") + \
                bytes(data[p + 2:p + 2 + n])
            p += 2 + n
    mt = r["options"].get(53)
    r["msgtype"] = mt[0] if mt else 0
    return r


def opt_addrs(val):
    """An option's value as a list of dotted addresses."""
    return [socket.inet_ntoa(val[i:i + 4]) for i in range(0, len(val) - 3,
        4)]


_TOOL_CMD = ("import sys; sys.path.insert(0, %r); import dhcp_lab; "
    "sys.exit(dhcp_lab.TOOLS[sys.argv[1]](sys.argv[2:]))" % HERE)


def run_tool(host, name, args, log):
    """Starts tool `name` of TOOLS in host's namespace (a lab Proc,
    stopped by pid by the lab's teardown if not before)."""
    return host.popen([PYTHON, "-c", _TOOL_CMD, name] + [str(a) for a in
        args], log=log)


class DhcpSniffer:
    """scapy on host's ifname for UDP from port 67 to port 68 (what
    servers and relays send to clients), `seconds` long at most."""

    def __init__(self, host, ifname="eth1", seconds=15, maxpkts=50):
        if seconds > 120 or maxpkts > 1000:
            raise LabError("sniffer bound too large")
        self.log = host.lab.path("%s-sniff-dhcp-%d.log" % (host.name,
            len(host.lab.procs)))
        self.proc = run_tool(host, "sniff-dhcp", [ifname, seconds,
            maxpkts], self.log)
        wait_until(lambda: "ready" in self.proc.log_text(), 15,
            desc="DHCP sniffer ready")

    def packets(self):
        """[{src_mac, dst_mac, src, dst, sport, dport, **bootp_decode}]"""
        out = []
        for line in self.proc.log_text().splitlines():
            f = line.split()
            if len(f) != 8 or f[0] != "pkt":
                continue
            try:
                d = bootp_decode(bytes.fromhex(f[7]))
            except ValueError:
                continue
            d.update({"src_mac": f[1], "dst_mac": f[2], "src": f[3],
                "dst": f[4], "sport": int(f[5]), "dport": int(f[6])})
            out.append(d)
        return out

    def wait_for(self, pred, timeout=10, desc="a DHCP reply"):
        """The first packet for which pred is true, waiting up to
        timeout seconds."""
        return wait_until(lambda: next((p for p in self.packets()
            if pred(p)), None), timeout, desc=lambda: "%s; sniffed: %s" % (
            desc, self.packets()))

    def stop(self):
        self.proc.stop()


def _tool_sniff_dhcp(argv):
    iface, seconds, maxpkts = argv[0], float(argv[1]), int(argv[2])
    from scapy.all import IP, UDP, Ether, conf, sniff
    conf.verb = 0

    def show(p):
        print("pkt %s %s %s %s %d %d %s" % (p[Ether].src, p[Ether].dst,
            p[IP].src, p[IP].dst, p[UDP].sport, p[UDP].dport,
            bytes(p[UDP].payload).hex() or "-"), flush=True)

    sniff(iface=iface, timeout=seconds, count=maxpkts, store=False,
        lfilter=lambda p: IP in p and UDP in p and p[UDP].sport == 67 and
        p[UDP].dport == 68, prn=show,
        started_callback=lambda: print("ready", flush=True))
    return 0


class DhcpRelay:
    """
    A minimal BOOTP relay agent (RFC 1542) in host's namespace, for
    lack of busybox dhcprelay (Debian's busybox lacks the applet):
    requests received on client_if get giaddr (client_if's address) and
    hops + 1 and go by unicast to server_ip:67; replies addressed to
    giaddr are broadcast on client_if to port 68.  It logs "req" and
    "rep" lines, ends after `seconds` or `maxpkts` datagrams, and is
    stopped by pid (stop(), or the lab's teardown).
    """

    def __init__(self, host, client_if, giaddr, server_ip, seconds=110,
        maxpkts=500):
        if seconds > 300 or maxpkts > 5000:
            raise LabError("relay bound too large")
        self.host = host
        self.log = host.lab.path("%s-relay.log" % host.name)
        self.proc = run_tool(host, "relay", [client_if, check_addr(giaddr),
            check_addr(server_ip), seconds, maxpkts], self.log)
        wait_until(lambda: "ready" in self.proc.log_text() or
            not self.proc.alive(), 15, desc="relay ready")
        if not self.proc.alive():
            raise LabError("relay exited: %s" % self.proc.log_text())

    def lines(self, kind):
        return [l.split() for l in self.proc.log_text().splitlines()
            if l.startswith(kind + " ")]

    def log_text(self):
        return self.proc.log_text()

    def stop(self):
        return self.proc.stop()


def _tool_relay(argv):
    import select
    client_if, giaddr, server_ip = argv[0], argv[1], argv[2]
    seconds, maxpkts = float(argv[3]), int(argv[4])
    ifindex = socket.if_nametoindex(client_if)
    gi = socket.inet_aton(giaddr)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    s.setsockopt(socket.IPPROTO_IP, IP_PKTINFO, 1)
    s.bind(("0.0.0.0", 67))
    print("ready", flush=True)
    deadline = time.monotonic() + seconds
    n = 0
    while n < maxpkts:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        if not select.select([s], [], [], left)[0]:
            continue
        data, anc, _, src = s.recvmsg(4096, socket.CMSG_SPACE(12))
        n += 1
        inif = 0
        for lvl, typ, d in anc:
            if lvl == socket.IPPROTO_IP and typ == IP_PKTINFO:
                inif = struct.unpack_from("i", d)[0]
        if len(data) < 236:
            print("short %d from %s" % (len(data), src[0]), flush=True)
            continue
        pkt = bytearray(data)
        xid = struct.unpack_from("!I", pkt, 4)[0]
        if pkt[0] == 1 and inif == ifindex:
            if pkt[3] >= 4:
                print("hops %d xid %08x" % (pkt[3], xid), flush=True)
                continue
            pkt[3] += 1
            if pkt[24:28] == bytes(4):
                pkt[24:28] = gi
            s.sendto(bytes(pkt), (server_ip, 67))
            print("req xid %08x from %s to %s" % (xid, src[0], server_ip),
                flush=True)
        elif pkt[0] == 2 and bytes(pkt[24:28]) == gi:
            pi = struct.pack("i4s4s", ifindex, gi, bytes(4))
            s.sendmsg([bytes(pkt)], [(socket.IPPROTO_IP, IP_PKTINFO, pi)],
                0, ("255.255.255.255", 68))
            print("rep xid %08x from %s yiaddr %s" % (xid, src[0],
                socket.inet_ntoa(bytes(pkt[16:20]))), flush=True)
        else:
            print("other op %d xid %08x from %s if %d" % (pkt[0], xid,
                src[0], inif), flush=True)
    return 0


TOOLS = {"sniff-dhcp": _tool_sniff_dhcp, "relay": _tool_relay}


def conntrack_list(host):
    """host's conntrack table, one line per entry (conntrack -L)."""
    r = host.run(["conntrack", "-L"], check=False)
    if r.returncode != 0:
        raise LabError("conntrack -L: %s" % r.stderr.strip())
    return [l for l in r.stdout.splitlines() if l.strip()]
