#!/usr/bin/python3
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The hakit Authors
"""
Computes the CARP known answers of specs/carp.md section 13 without the C
code, and writes them in the format of tests/unit/vectors/carp.txt.

Every digest is computed twice, with Python's hmac/hashlib and with an
ipad/opad HMAC over a SHA-1 written out here, and both must equal the value
printed in the spec.  The GARP and NA frames are built with scapy, whose
ICMPv6 checksum code shares nothing with ours.

    gen_carp.py                 print the vectors (carp.txt's content)
    gen_carp.py --check FILE    exit 1 unless FILE equals what we print
"""

import hashlib
import hmac
import ipaddress
import struct
import sys

# The spec's inputs and its printed answers.  Vectors B and D share A's
# passphrase; advbase 1 and demote 0 throughout.
PASS = "hakit-test-pass"

SPEC = {
    "A": dict(
        pass_=PASS, vhid=1, advskew=0, advbase=1,
        addrs=["192.0.2.1"], counter="0123456789abcdef", ctx="nov6ll",
        message="020101c00002010123456789abcdef",
        digest="da98d3dfc07761d19c2fc070497c7226991b77ea",
        header="21010007000146c60123456789abcdef"
               "da98d3dfc07761d19c2fc070497c7226991b77ea"),
    "A-bowout": dict(
        pass_=PASS, vhid=1, advskew=255, advbase=255,
        addrs=["192.0.2.1"], counter="0123456789abcdef", ctx="nov6ll",
        digest="da98d3dfc07761d19c2fc070497c7226991b77ea",
        header_prefix="2101ff0700ff46c7"),
    "B": dict(
        pass_=PASS, vhid=7, advskew=100, advbase=1,
        addrs=["198.51.100.20", "192.0.2.10", "203.0.113.5", "192.0.2.10",
               "2001:db8:0:1::20", "2001:db8::1",
               "fe80::200:5eff:fe00:107"],
        counter="8badf00ddeadbeef", ctx="nov6ll",
        message="020107c000020ac6336414cb007105"
                "20010db8000000000000000000000001"
                "20010db8000000010000000000000020"
                "8badf00ddeadbeef",
        digest="7bf158b0d29ecf1276f152adf5e3dc15a2b89f45",
        header="2107640700010dad8badf00ddeadbeef"
               "7bf158b0d29ecf1276f152adf5e3dc15a2b89f45"),
    "B-orig": dict(
        pass_=PASS, vhid=7, advskew=100, advbase=1,
        addrs=["198.51.100.20", "192.0.2.10", "203.0.113.5", "192.0.2.10",
               "2001:db8:0:1::20", "2001:db8::1",
               "fe80::200:5eff:fe00:107"],
        counter="8badf00ddeadbeef", ctx="orig",
        message="020107c000020ac6336414cb007105"
                "20010db8000000000000000000000001"
                "20010db8000000010000000000000020"
                "fe8000000000000002005efffe000107"
                "8badf00ddeadbeef",
        digest="54738f79ca62337b6a683cedaf00a5962de7104b"),
    "C": dict(
        pass_=None, vhid=255, advskew=0, advbase=1,
        addrs=["203.0.113.254"], counter="0000000000000001", ctx="nov6ll",
        message="0201ffcb0071fe0000000000000001",
        digest="99f3a7a92d869b0a00f10b4ce99a1339bece716f",
        cksum="9a7a"),
    "D20": dict(
        pass_="abcdefghijklmnopqrst", vhid=1, advskew=0, advbase=1,
        addrs=["192.0.2.1"], counter="0123456789abcdef", ctx="nov6ll",
        digest="238b21ae487bd8188b98f934b72adfc88ca76e33", cksum="c467"),
    "D19": dict(
        pass_="abcdefghijklmnopqrs", vhid=1, advskew=0, advbase=1,
        addrs=["192.0.2.1"], counter="0123456789abcdef", ctx="nov6ll",
        digest="238b21ae487bd8188b98f934b72adfc88ca76e33", cksum="c467"),
}
ORDER = ["A", "A-bowout", "B", "B-orig", "C", "D20", "D19"]

FRAMES = [
    # name, mac, address, router flag
    ("GARP", "00:00:5e:00:01:01", "192.0.2.1", None),
    ("NA", "00:00:5e:00:01:07", "2001:db8::1", 0),
    ("NA-router", "00:00:5e:00:01:07", "2001:db8:0:1::20", 1),
]


def sha1_by_hand(data):
    """FIPS 180-4 SHA-1, written out so the check does not trust OpenSSL."""
    def rol(x, n):
        return ((x << n) | (x >> (32 - n))) & 0xffffffff

    h = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0]
    msg = data + b"\x80"
    msg += b"\x00" * ((56 - len(msg)) % 64)
    msg += struct.pack(">Q", len(data) * 8)
    for off in range(0, len(msg), 64):
        w = list(struct.unpack(">16I", msg[off:off + 64]))
        for i in range(16, 80):
            w.append(rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1))
        a, b, c, d, e = h
        for i in range(80):
            if i < 20:
                f, k = (b & c) | (~b & d), 0x5a827999
            elif i < 40:
                f, k = b ^ c ^ d, 0x6ed9eba1
            elif i < 60:
                f, k = (b & c) | (b & d) | (c & d), 0x8f1bbcdc
            else:
                f, k = b ^ c ^ d, 0xca62c1d6
            t = (rol(a, 5) + f + e + k + w[i]) & 0xffffffff
            a, b, c, d, e = t, a, rol(b, 30), c, d
        h = [(x + y) & 0xffffffff for x, y in zip(h, (a, b, c, d, e))]
    return struct.pack(">5I", *h)


def hmac_by_hand(key, msg):
    """RFC 2104 with a 64-byte block: H(K^opad || H(K^ipad || m))."""
    if len(key) > 64:
        key = sha1_by_hand(key)
    key = key.ljust(64, b"\x00")
    ipad = bytes(b ^ 0x36 for b in key)
    opad = bytes(b ^ 0x5c for b in key)
    return sha1_by_hand(opad + sha1_by_hand(ipad + msg))


def carp_key(passphrase):
    """First 19 bytes, then NUL, zero padding; never hashed."""
    if passphrase is None:
        return bytes(20)
    return passphrase.encode()[:19].ljust(20, b"\x00")


def carp_message(vhid, addrs, counter, ctx):
    v4 = sorted({ipaddress.ip_address(a).packed for a in addrs
                 if ipaddress.ip_address(a).version == 4})
    v6 = set()
    for a in addrs:
        ip = ipaddress.ip_address(a)
        if ip.version != 6:
            continue
        if ip.is_link_local:
            if ctx == "nov6ll":
                continue
            b = bytearray(ip.packed)
            b[2:4] = b"\x00\x00"	# where OpenBSD embeds the scope
            v6.add(bytes(b))
        else:
            v6.add(ip.packed)
    return (bytes([2, 1, vhid]) + b"".join(v4) + b"".join(sorted(v6)) +
            bytes.fromhex(counter))


def cksum(data):
    """RFC 1071 over big-endian 16-bit words."""
    if len(data) % 2:
        data += b"\x00"
    s = sum(struct.unpack(">%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def header(vhid, advskew, advbase, demote, counter, digest):
    h = bytearray(bytes([0x21, vhid, advskew, 7, demote, advbase, 0, 0]) +
                  bytes.fromhex(counter) + digest)
    struct.pack_into(">H", h, 6, cksum(bytes(h)))
    return bytes(h)


class Mismatch(Exception):
    pass


def expect(name, what, got, want):
    if got != want:
        raise Mismatch("%s: %s is %s, spec says %s" % (name, what, got, want))


def carp_vector(name, v):
    key = carp_key(v["pass_"])
    msg = carp_message(v["vhid"], v["addrs"], v["counter"], v["ctx"])
    d_lib = hmac.new(key, msg, hashlib.sha1).digest()
    d_hand = hmac_by_hand(key, msg)
    expect(name, "hashlib digest", d_lib.hex(), d_hand.hex())
    expect(name, "hashlib SHA-1", hashlib.sha1(msg).hexdigest(),
           sha1_by_hand(msg).hex())
    expect(name, "digest", d_lib.hex(), v["digest"])
    if "message" in v:
        expect(name, "message", msg.hex(), v["message"])
    # The ORIG digest is never sent: the header carries the NOV6LL one.
    if v["ctx"] == "nov6ll":
        hdr = header(v["vhid"], v["advskew"], v["advbase"], 0,
                     v["counter"], d_lib)
        expect(name, "receive sum", cksum(hdr), 0)
        if "header" in v:
            expect(name, "header", hdr.hex(), v["header"])
        if "header_prefix" in v:
            expect(name, "header start", hdr.hex()[:16], v["header_prefix"])
        if "cksum" in v:
            expect(name, "checksum", hdr[6:8].hex(), v["cksum"])
    else:
        hdr = None

    out = ["vector %s" % name]
    if v["pass_"] is not None:
        out.append("pass %s" % v["pass_"])
        out.append("truncated %d" % (len(v["pass_"].encode()) > 19))
    else:
        out.append("truncated 0")
    out.append("key %s" % key.hex())
    out.append("vhid %d" % v["vhid"])
    out.append("advbase %d" % v["advbase"])
    out.append("advskew %d" % v["advskew"])
    out.append("demote 0")
    for a in v["addrs"]:
        out.append("addr %s" % a)
    out.append("counter %s" % v["counter"])
    out.append("ctx %s" % v["ctx"])
    out.append("message %s" % msg.hex())
    out.append("digest %s" % d_lib.hex())
    if hdr is not None:
        out.append("cksum %s" % hdr[6:8].hex())
        out.append("header %s" % hdr.hex())
    return out


def frame_vector(name, mac, addr, router):
    from scapy.layers.inet6 import (ICMPv6ND_NA, ICMPv6NDOptDstLLAddr,
                                    IPv6)
    from scapy.layers.l2 import ARP, Ether

    if router is None:
        f = (Ether(dst="ff:ff:ff:ff:ff:ff", src=mac) /
             ARP(op=1, hwsrc=mac, psrc=addr, hwdst="00:00:00:00:00:00",
                 pdst=addr))
    else:
        f = (Ether(dst="33:33:00:00:00:01", src=mac) /
             IPv6(src=addr, dst="ff02::1", hlim=255) /
             ICMPv6ND_NA(R=router, S=0, O=1, tgt=addr) /
             ICMPv6NDOptDstLLAddr(lladdr=mac))
    out = ["vector %s" % name, "mac %s" % mac, "addr %s" % addr]
    if router is not None:
        out.append("router %d" % router)
    out.append("frame %s" % bytes(f).hex())
    return out


def render():
    lines = [
        "# SPDX-License-Identifier: ISC",
        "# CARP v2 known answers: specs/carp.md section 13 and the",
        "# takeover frames of section 9.  Written by gen_carp.py, which",
        "# checks every digest against the spec with two HMACs; do not edit.",
        "# A block starts at \"vector NAME\"; fields are \"name value\";",
        "# addr repeats; no pass line means no passphrase.",
    ]
    for name in ORDER:
        lines.append("")
        lines += carp_vector(name, SPEC[name])
    for name, mac, addr, router in FRAMES:
        lines.append("")
        lines += frame_vector(name, mac, addr, router)
    return "\n".join(lines) + "\n"


def main(argv):
    try:
        text = render()
    except Mismatch as e:
        print("gen_carp: %s" % e, file=sys.stderr)
        return 1
    if len(argv) == 3 and argv[1] == "--check":
        with open(argv[2]) as f:
            if f.read() != text:
                print("gen_carp: %s differs from the computed vectors" %
                      argv[2], file=sys.stderr)
                return 1
        print("gen_carp: %s matches; all spec digests reproduced" % argv[2])
        return 0
    if len(argv) != 1:
        print("usage: gen_carp.py [--check FILE]", file=sys.stderr)
        return 2
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
