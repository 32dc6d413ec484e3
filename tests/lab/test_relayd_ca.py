# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The hakit Authors
"""
PRIV-5: relayd's TLS private keys live in its ca processes, never in the
relay processes that talk to clients.  What a user cares about: TLS 1.2
and 1.3 clients get served with RSA and ECDSA certificates, a relay
process's memory holds no private number of either key (a relay taken
over by a hostile client has no key to steal), and a keypair relayd
cannot keep that way is refused with its name before anything changes.
"""

import json
import os
import re
import subprocess
import time

from lab import PYTHON, wait_until
from relayd_lab import VIP, children
from test_relayd_relays import WEB, client, get, relay_conf, responses

# One TLS connection, what the client saw as JSON: the version, the
# certificate's subject and issuer (and its DER), the response.  sni
# and ver "-" leave them to the defaults.
PROBE = r'''
import json, socket, ssl, sys
host, port, ca, sni, ver = sys.argv[1:6]
ctx = ssl.create_default_context(cafile=ca)
ctx.check_hostname = False
if ver != "-":
    v = ssl.TLSVersion.TLSv1_2 if ver == "1.2" else ssl.TLSVersion.TLSv1_3
    ctx.minimum_version = ctx.maximum_version = v
out = {"error": None}
try:
    with socket.create_connection((host, int(port)), timeout=10) as s:
        with ctx.wrap_socket(s, server_hostname=None if sni == "-" else
                sni) as t:
            c = t.getpeercert()
            out["version"] = t.version()
            out["cn"] = dict(x[0] for x in c["subject"])["commonName"]
            out["issuer"] = dict(x[0] for x in c["issuer"])["commonName"]
            out["der"] = t.getpeercert(True).hex()
            t.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close"
                b"\r\n\r\n")
            data = b""
            while True:
                c = t.recv(65536)
                if not c:
                    break
                data += c
            out["status"] = data.split(b" ", 2)[1].decode()
            out["body"] = data.split(b"\r\n\r\n", 1)[1].decode()
except (OSError, ssl.SSLError) as e:
    out["error"] = str(e)
print(json.dumps(out))
'''


def ossl(d, *args):
    return subprocess.run(["openssl"] + list(args), cwd=d, check=True,
        capture_output=True, text=True, timeout=60).stdout


def mixed_certs(rl):
    """a.example with an RSA key, b.example with an ECDSA one, and an
    Ed25519 keypair, all signed by the lab's CA."""
    d = os.path.dirname(rl.ca)
    kinds = {"a.example": ["-newkey", "rsa:2048"],
        "b.example": ["-newkey", "ec", "-pkeyopt",
            "ec_paramgen_curve:prime256v1"],
        "c.example": ["-newkey", "ed25519"]}
    out = {}
    for name, kind in kinds.items():
        ossl(d, "req", *kind, "-nodes", "-keyout", name + ".key", "-out",
            name + ".csr", "-subj", "/CN=" + name)
        ossl(d, "x509", "-req", "-in", name + ".csr", "-CA", "ca.crt",
            "-CAkey", "ca.key", "-CAcreateserial", "-out", name + ".crt",
            "-days", "2")
        os.chmod(os.path.join(d, name + ".key"), 0o600)
        out[name] = (os.path.join(d, name + ".crt"),
            os.path.join(d, name + ".key"))
    return out


def private_numbers(d, key, password=None):
    """The private numbers of a PEM key as hex strings (RSA: d, p, q;
    EC: the scalar), from openssl's text dump."""
    text = ossl(d, "pkey", "-in", key, "-noout", "-text", *(["-passin",
        "pass:" + password] if password else []))
    out = []
    for field in ("privateExponent", "prime1", "prime2", "priv"):
        m = re.search(r"^%s:\s*\n((?:\s+[0-9a-f:]+\n)+)" % field, text,
            re.M)
        if m:
            out.append(re.sub(r"[\s:]", "", m.group(1)))
    assert out, text
    return out


def needles(numbers):
    """Each number's bytes big-endian (DER, PEM) and little-endian
    (OpenSSL's BIGNUM words on this machine), leading zeros dropped."""
    out = []
    for h in numbers:
        b = bytes.fromhex(h).lstrip(b"\0")
        out += [b[:24], b[::-1][:24]]
    return out


def memory_holds(pid, pats):
    """Which of pats occur in the readable memory of pid."""
    found = set()
    with open("/proc/%d/maps" % pid) as maps, \
            open("/proc/%d/mem" % pid, "rb", 0) as mem:
        for line in maps:
            f = line.split()
            if "r" not in f[1] or (len(f) > 5 and f[5] in ("[vvar]",
                    "[vsyscall]")):
                continue
            lo, hi = (int(x, 16) for x in f[0].split("-"))
            # ASan's shadow and reserved ranges are huge and unmapped
            if hi - lo > 1 << 30:
                continue
            try:
                mem.seek(lo)
                chunk = mem.read(hi - lo)
            except (OSError, ValueError, OverflowError):
                continue
            for p in pats:
                if p in chunk:
                    found.add(p)
    return found


def probe(rl, sni="-", ver="-", port=443, ca=None):
    r = rl.client.run([PYTHON, "-c", PROBE, VIP, str(port), ca or rl.ca,
        sni, ver], timeout=40)
    return json.loads(r.stdout.strip().splitlines()[-1])


def tls_conf(rl, a, b):
    return relay_conf(rl, tls=a + b)


def test_keys_serve_tls_from_the_ca_and_never_enter_a_relay(relayd_lab,
        relayd):
    rl = relayd_lab
    certs = mixed_certs(rl)
    d = relayd(rl.box, tls_conf(rl, certs["a.example"],
        certs["b.example"]))
    d.wait_states({ip: "up" for ip in WEB}, 15)
    # every process of the three serves: enough connections to reach all
    for ver in ("1.2", "1.3"):
        for sni in ("a.example", "b.example"):
            for _ in range(3):
                r = probe(rl, sni, ver)
                assert r["error"] is None, (r, d.log_text()[-2000:])
                assert (r["cn"], r["version"], r["status"]) == (sni,
                    "TLSv" + ver, "200"), r
    relays, cas = children(d, "relay"), children(d, "ca")
    assert len(relays) == 3 and len(cas) == 3, (relays, cas)
    keydir = os.path.dirname(rl.ca)
    pats = needles(private_numbers(keydir, certs["a.example"][1]) +
        private_numbers(keydir, certs["b.example"][1]))
    for pid in relays:
        held = memory_holds(pid, pats)
        assert not held, "relay process %d holds %d private numbers" % (
            pid, len(held))
    # the search finds them where they are: the ca processes
    rsa_p = needles(private_numbers(keydir, certs["a.example"][1])[1:2])
    ec_k = needles(private_numbers(keydir, certs["b.example"][1]))
    for pid in cas:
        held = memory_holds(pid, rsa_p + ec_k)
        assert held & set(rsa_p) and held & set(ec_k), pid
    assert "refused" not in d.log_text()


def test_a_keypair_the_ca_cannot_keep_stops_the_start_and_a_reload(
        relayd_lab, relayd):
    rl = relayd_lab
    certs = mixed_certs(rl)
    # Ed25519 at start: relayd says which keypair and why, and exits
    d = relayd(rl.box, tls_conf(rl, certs["c.example"],
        certs["b.example"]), wait=False)
    wait_until(lambda: not d.alive(), 15, desc=d.log_text)
    assert d.proc.returncode != 0
    assert "relay front: keypair a.example:443: ED25519 keys cannot be kept " \
        "in the ca process; use an RSA or ECDSA key" in d.log_text(), \
        d.log_text()[-2000:]

    # a key that is not its certificate's, at a reload: refused, and
    # the running keys go on serving
    d = relayd(rl.box, tls_conf(rl, certs["a.example"],
        certs["b.example"]))
    d.wait_states({ip: "up" for ip in WEB}, 15)
    good = open(d.conf).read()
    with open(d.conf, "w") as f:
        f.write(tls_conf(rl, (certs["a.example"][0],
            certs["b.example"][1]), certs["b.example"]))
    r = d.ctl("reload", check=False)
    wait_until(lambda: "the key is not the certificate's" in
        d.log_text(), 10, desc=d.log_text)
    assert "relay front: keypair a.example:443: the key is not the " \
        "certificate's" in d.log_text() + r.stdout + r.stderr
    for sni in ("a.example", "b.example"):
        p = probe(rl, sni, "1.3")
        assert (p["error"], p["cn"], p["status"]) == (None, sni, "200"), p
    with open(d.conf, "w") as f:
        f.write(good)
    r = client(rl, get(b"/"), port=80)
    assert responses(r["recv"]) == [b"200"], r


def inspection_ca(rl, password):
    """A second CA, for inspection only, its key encrypted."""
    d = os.path.dirname(rl.ca)
    ossl(d, "req", "-x509", "-newkey", "rsa:2048", "-keyout",
        "insp-ca.key", "-out", "insp-ca.crt", "-days", "2", "-subj",
        "/CN=hakit inspection CA", "-passout", "pass:" + password,
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    os.chmod(os.path.join(d, "insp-ca.key"), 0o600)
    return os.path.join(d, "insp-ca.crt"), os.path.join(d, "insp-ca.key")


def test_tls_inspection_serves_the_servers_certificate_signed_by_the_ca(
        relayd_lab, relayd):
    """REL-18, TLS-7/8: the client trusts only the inspection CA and gets
    the web server's certificate (its subject), issued by that CA, with
    the relay's key; the response is the server's.  The CA key, opened
    with its password, stays in the ca processes like the others."""
    rl = relayd_lab
    certs = mixed_certs(rl)
    cacert, cakey = inspection_ca(rl, "open sesame")
    conf = relay_conf(rl, tls=certs["a.example"] + certs["b.example"])
    conf += "\n".join(['http protocol "inspect" {',
        '\ttls { keypair "a.example" cert "%s" key "%s" }' %
        certs["a.example"],
        '\ttls ca cert "%s"' % cacert,
        '\ttls ca key "%s" password "open sesame"' % cakey, "}", "",
        'relay "inspect" {', "\tlisten on %s port 8444 tls" % VIP,
        '\tprotocol "inspect"',
        "\tforward with tls to <web> port 8443 mode roundrobin "
        "check tcp", "}", ""])
    d = relayd(rl.box, conf)
    d.wait_states({ip: "up" for ip in WEB}, 15)
    seen = []
    for _ in range(6):
        res = probe(rl, port=8444, ca=cacert)
        assert res["error"] is None, (res, d.log_text()[-2000:])
        assert (res["cn"], res["issuer"], res["status"]) == (
            "hakit relayd lab web", "hakit inspection CA", "200"), res
        seen.append(res["body"])
        der = bytes.fromhex(res["der"])
    assert set(seen) <= {"s1\n", "s2\n", "s3\n"}, seen
    # the relay's public key is in it, not the server's
    keydir = os.path.dirname(rl.ca)
    with open(os.path.join(keydir, "served.der"), "wb") as f:
        f.write(der)
    served = ossl(keydir, "x509", "-inform", "DER", "-in", "served.der",
        "-noout", "-pubkey")
    ours = ossl(keydir, "pkey", "-in", certs["a.example"][1], "-pubout")
    assert served == ours
    # a client trusting only the real CA refuses it: it is the
    # inspection CA's word, not the server's
    assert "certificate verify failed" in probe(rl, port=8444)["error"]
    pats = needles(private_numbers(keydir, cakey, "open sesame"))
    for pid in children(d, "relay"):
        assert not memory_holds(pid, pats), pid
    assert all(memory_holds(pid, pats) for pid in children(d, "ca"))


def test_failed_tls_handshakes_are_counted_on_their_relay(relayd_lab,
        relayd):
    """A client that speaks plain HTTP to a TLS listener, and one that
    offers only TLS 1.2 to a listener with TLS 1.3 alone, each fail
    their handshake and count once as "tls"; a good client is served
    after them."""
    rl = relayd_lab
    certs = mixed_certs(rl)
    d = relayd(rl.box, tls_conf(rl, certs["a.example"],
        certs["b.example"]).replace(
        '\tmatch response header set "X-Front" value "tls"',
        '\tmatch response header set "X-Front" value "tls"\n'
        "\ttls { no tlsv1.2 }"))
    d.wait_states({ip: "up" for ip in WEB}, 15)
    r = client(rl, get(b"/"), port=443)
    assert responses(r["recv"]) == [], r
    assert probe(rl, "a.example", "1.2")["error"] is not None
    assert probe(rl, "a.example", "1.3")["status"] == "200"

    def tls_count():
        for i in d.items("relays"):
            if i.get("name") == "front":
                return i["counters"]["tls"]
        return None
    wait_until(lambda: tls_count() == 2, 10,
        desc=lambda: json.dumps(d.items("relays")))
    time.sleep(1.5)
    assert tls_count() == 2
    assert "refused: 2 TLS handshakes" in d.text("relays")
