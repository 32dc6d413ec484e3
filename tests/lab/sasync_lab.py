# SPDX-License-Identifier: ISC
"""
sasyncd's lab: two (or three) gateways on one segment, each with a
sasyncd, and a fake carpd per gateway that the test drives (spec 8,
tier a), or the real kernel's XFRM (tier b).  Frames for hostile tests
are built here with the spec's layout (4.2).
"""

import hashlib
import json
import os
import socket
import struct
import threading

import lab as labmod
from lab import wait_until

REPO = labmod.REPO
SASYNCD = os.path.join(REPO, "sasyncd", "sasyncd")
SASYNCCTL = os.path.join(REPO, "sasyncctl", "sasyncctl")
KEY = bytes(range(16))
KEYHEX = "0x" + KEY.hex()
GW_IPS = ("192.0.2.1", "192.0.2.2", "192.0.2.3")
PORT = 500


class FakeCarpd:
    """
    carpd's control socket as sasyncd uses it: subscribe answers with
    the interfaces and groups, state changes are pushed, demote commands
    with session shares are kept per connection and dropped when it
    closes.  Runs in a thread; stop() ends it.
    """

    def __init__(self, path, ifname="carp0", state="INIT", demote=0):
        self.path = path
        self.ifname = ifname
        self.state = state
        self.base = demote          # the group's demotion without ours
        self.shares = {}            # conn -> amount
        self.demote_log = []
        self.subs = []
        self.lock = threading.Lock()
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(path)
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.stopping = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def demote(self):
        with self.lock:
            return self.base + sum(self.shares.values())

    def _iface(self):
        return {"ifname": self.ifname, "state": self.state, "vhid": 1,
            "carpdev": "eth0", "demote": self.demote(),
            "groups": ["carp"]}

    def _show(self):
        return {"ok": True, "interfaces": [self._iface()],
            "groups": [{"name": "carp", "demote": self.demote()}]}

    def set_state(self, state):
        self.state = state
        ev = dict(self._iface(), event="state")
        with self.lock:
            subs = list(self.subs)
        for c in subs:
            try:
                c.sendall((json.dumps(ev) + "\n").encode())
            except OSError:
                pass

    def _serve(self):
        while not self.stopping:
            try:
                c, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            threading.Thread(target=self._conn, args=(c,),
                daemon=True).start()

    def _conn(self, c):
        c.settimeout(0.2)
        buf = b""
        try:
            while not self.stopping:
                try:
                    d = c.recv(4096)
                except socket.timeout:
                    continue
                if not d:
                    break
                buf += d
                while b"\n" in buf:
                    line, buf = buf.split(b"\n", 1)
                    rep = self._request(c, json.loads(line))
                    c.sendall((json.dumps(rep) + "\n").encode())
        except OSError:
            pass
        finally:
            with self.lock:
                self.shares.pop(c, None)
                if c in self.subs:
                    self.subs.remove(c)
            c.close()

    def _request(self, c, req):
        cmd = req.get("cmd")
        if cmd == "subscribe":
            with self.lock:
                self.subs.append(c)
            return self._show()
        if cmd == "show":
            return self._show()
        if cmd == "demote":
            with self.lock:
                self.shares[c] = self.shares.get(c, 0) + req["delta"]
                self.demote_log.append(req["delta"])
            return {"ok": True, "group": req["group"],
                "demote": self.demote()}
        return {"ok": False, "error": "unknown command"}

    def stop(self):
        self.stopping = True
        try:
            self.sock.close()
        except OSError:
            pass
        self.thread.join(2)
        try:
            os.unlink(self.path)
        except OSError:
            pass


class Sasyncd(labmod.Daemon):
    KIND = "sasyncd"
    PROG = SASYNCD
    CTL = SASYNCCTL
    FLAGS = ("-v",)
    CONF_FLAG = "-c"

    def __init__(self, host, conf, **kw):
        super().__init__(host, conf, **kw)
        os.chmod(self.conf, 0o600)   # sasyncd refuses anything looser

    def counters(self):
        return self.show()["counters"]

    def peer(self, i=0):
        return self.show()["peers"][i]

    def mem(self, op, **kw):
        args = ["mem", op] + ["%s=%s" % (k, str(v).lower()
            if isinstance(v, bool) else v) for k, v in kw.items()]
        r = self.ctl(*args, "-j")
        return json.loads(r.stdout) if r.stdout.strip() else None

    def store(self):
        """(sorted SA descriptions with oseq/seq, sorted policies)"""
        r = self.mem("list")
        sas = sorted((s["sa"], s.get("oseq"), s.get("seq"))
            for s in r["sas"])
        return sas, sorted(r["policies"])

    def diag(self):
        try:
            s = json.dumps(self.show(), sort_keys=True)
        except Exception as e:
            s = "show failed: %s" % e
        return "%s show: %s\nlog tail:\n%s" % (self.name, s,
            self.log_text()[-3000:])


def conf(me, peers, extra=(), key=KEYHEX, iface="carp0"):
    lines = []
    if iface:
        lines.append("interface %s" % iface)
    lines.append("listen on %s" % me)
    lines += ["peer %s" % p for p in peers]
    lines.append("sharedkey %s" % key)
    lines += list(extra)
    return "\n".join(lines) + "\n"


class Gateways:
    """n gateways on one switch, 192.0.2.1.. on eth0."""

    def __init__(self, lab, n=2):
        self.lab = lab
        self.sw = lab.add_switch("sw")
        self.gws = []
        for i in range(n):
            h = lab.add_host("gw%d" % (i + 1))
            lab.connect(h, self.sw, "eth0", addrs=[GW_IPS[i] + "/24"])
            h.run(["ip", "link", "set", "lo", "up"])
            self.gws.append(h)
        self.carps = []
        lab.fake_carps = self.carps

    def fake_carp(self, i, state="INIT", demote=0):
        c = FakeCarpd(self.lab.path("carp%d.sock" % i), state=state,
            demote=demote)
        self.carps.append(c)
        return c

    def stop(self):
        for c in self.carps:
            c.stop()


def start_pair(gws, sasyncd, states=("MASTER", "BACKUP"), extra=((), ()),
        demote=(0, 0), memory=True, wait_connected=True):
    """sasyncd on gw1 and gw2, each following its fake carpd; returns
    ([Sasyncd], [FakeCarpd])."""
    ds, cs = [], []
    for i in (0, 1):
        c = gws.fake_carp(i, state=states[i], demote=demote[i])
        args = ["-C", c.path] + (["-M"] if memory else [])
        me = GW_IPS[i]
        other = GW_IPS[1 - i]
        d = sasyncd(gws.gws[i], conf(me, [other], extra=extra[i]),
            args=args)
        ds.append(d)
        cs.append(c)
    if wait_connected:
        wait_until(lambda: all(d.peer()["connection"] in
            ("incoming", "outgoing") for d in ds), 10,
            desc="the two sasyncd connected")
    return ds, cs


def frame(ftype, payload, key=KEY, iv=None, padlen=None, length=None):
    """A frame as spec 4.2 lays it out (padding descending)."""
    from cryptography.hazmat.primitives.ciphers import (Cipher,
        algorithms, modes)
    iv = iv or os.urandom(16)
    p = (16 - len(payload) % 16) % 16
    padded = payload + bytes(range(p, 0, -1))
    enc = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    ct = enc.update(padded) + enc.finalize()
    h = hashlib.sha1(payload).digest()
    n = 4 + 4 + 20 + 16 + len(ct) if length is None else length
    return struct.pack(">III", n, ftype, p if padlen is None else padlen) \
        + h + iv + ct


def ctl_payload(t, d=0, d2=0):
    return struct.pack(">III", t, d, d2)
