# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The hakit Authors
"""
pfsync version 6 for scapy (specs/pfsync.md sections 2-4), bound to IP
protocol 240, so lab tests can dissect what pfsyncd sends and craft what
it must refuse.

    IP / PfsyncHeader / PfsyncSubheader(action=..., msgs=[...]) / ...

A subheader carries its messages in `msgs`; `len` (one message, in 32-bit
words) and `count` are filled in when left as None, and can be set to
anything to build a hostile packet.  Dissection follows pfsyncd's walk:
stride len*4, the header's len trims the packet, and a section pfsyncd
would refuse (len*4 below the structure, count past the end, a skipped
action without len or count) ends the dissection as Raw.

pfsync_state() builds a full state from python values (section 4.3's
orientation included) and pfsync_state_packet() an INS/UPD packet of them.
Run as a script, it checks itself against the spec's golden frames.
"""

import socket
import struct

from scapy.config import conf
from scapy.fields import (ByteEnumField, ByteField, PacketField,
    PacketListField, ShortField, SignedIntField, StrFixedLenField,
    XByteField, XIntField, XLongField, XShortField, IntField, LongField)
from scapy.layers.inet import IP
from scapy.packet import Packet, bind_layers

PFSYNC_PROTO = 240
PFSYNC_GROUP = "224.0.0.240"
PFSYNC_VERSION = 6
PFSYNC_TTL = 255
PFSYNC_TOS = 0x10

ACT_CLR, ACT_OINS, ACT_INS_ACK, ACT_OUPD, ACT_UPD_C, ACT_UPD_REQ = range(6)
ACT_DEL, ACT_DEL_C, ACT_INS_F, ACT_DEL_F, ACT_BUS, ACT_OTDB = range(6, 12)
ACT_EOF, ACT_INS, ACT_UPD, ACT_TDB = range(12, 16)

ACTIONS = {
    0: "CLR", 1: "OINS", 2: "INS_ACK", 3: "OUPD", 4: "UPD_C", 5: "UPD_REQ",
    6: "DEL", 7: "DEL_C", 8: "INS_F", 9: "DEL_F", 10: "BUS", 11: "OTDB",
    12: "EOF", 13: "INS", 14: "UPD", 15: "TDB",
}

AF_INET = 2         # BSD numbering, as pfsync carries it
AF_INET6 = 24
AFS = {0: "key", AF_INET: "inet", AF_INET6: "inet6"}
PF_IN, PF_OUT = 1, 2
DIRECTIONS = {0: "any", PF_IN: "in", PF_OUT: "out"}
BUS_START, BUS_END = 1, 2

PFSTATE_SLOPPY = 0x0002
PFSTATE_ACK = 0x0010

TCPS = {
    0: "CLOSED", 1: "LISTEN", 2: "SYN_SENT", 3: "SYN_RECEIVED",
    4: "ESTABLISHED", 5: "CLOSE_WAIT", 6: "FIN_WAIT_1", 7: "CLOSING",
    8: "LAST_ACK", 9: "FIN_WAIT_2", 10: "TIME_WAIT", 11: "PROXY_SRC",
    12: "PROXY_DST",
}
TCPS_ESTABLISHED = 4

HDRLEN, SUBHDRLEN = 20, 4
STATELEN, UPDCLEN, REFLEN, CLRLEN, BUSLEN, TDBLEN = 264, 84, 12, 20, 12, 52


class PfAddrField(StrFixedLenField):
    """16 raw address bytes; takes "192.0.2.1", "2001:db8::1" or bytes."""

    def __init__(self, name, default="0.0.0.0"):
        StrFixedLenField.__init__(self, name, default, 16)

    def i2m(self, pkt, x):
        if x is None:
            return b"\0" * 16
        if isinstance(x, str):
            if ":" in x:
                return socket.inet_pton(socket.AF_INET6, x)
            return socket.inet_pton(socket.AF_INET, x) + b"\0" * 12
        return bytes(x).ljust(16, b"\0")[:16]

    def any2i(self, pkt, x):
        return x

    def m2i(self, pkt, x):
        if x[4:] == b"\0" * 12:
            return socket.inet_ntop(socket.AF_INET, x[:4])
        return socket.inet_ntop(socket.AF_INET6, x)

    def i2repr(self, pkt, x):
        return repr(self.m2i(pkt, self.i2m(pkt, x)))


class _Fixed(Packet):
    """A fixed-size part inside another message: no payload of its own."""

    def extract_padding(self, s):
        return b"", s


class PfsyncPeer(_Fixed):
    name = "pfsync peer"
    fields_desc = [
        XShortField("scrub_flags", 0),
        ByteField("scrub_ttl", 0),
        XByteField("scrub_flag", 0),
        XIntField("scrub_ts_mod", 0),
        XIntField("seqlo", 0),
        XIntField("seqhi", 0),
        XIntField("seqdiff", 0),
        ShortField("max_win", 0),
        ShortField("mss", 0),
        ByteField("state", 0),
        XByteField("wscale", 0),
        StrFixedLenField("pad", b"\0" * 6, 6),
    ]


class PfsyncStateKey(_Fixed):
    name = "pfsync state key"
    fields_desc = [
        PfAddrField("addr0"),
        PfAddrField("addr1"),
        ShortField("port0", 0),     # raw network order on the wire
        ShortField("port1", 0),
        ShortField("rdomain", 0),
        ByteEnumField("af", 0, AFS),
        ByteField("pad", 0),
    ]


class _Message(Packet):
    """One message of a section; bytes past the structure (a longer
    stride) stay as its Raw payload."""

    def guess_payload_class(self, payload):
        return conf.raw_layer


class PfsyncState(_Message):
    name = "pfsync state"
    fields_desc = [
        XLongField("id", 0),
        StrFixedLenField("ifname", b"", 16),
        PacketField("key_wire", PfsyncStateKey(), PfsyncStateKey),
        PacketField("key_stack", PfsyncStateKey(), PfsyncStateKey),
        PacketField("src", PfsyncPeer(), PfsyncPeer),
        PacketField("dst", PfsyncPeer(), PfsyncPeer),
        PfAddrField("rt_addr"),
        XIntField("rule", 0xffffffff),
        XIntField("anchor", 0xffffffff),
        XIntField("nat_rule", 0xffffffff),
        IntField("creation", 0),
        IntField("expire", 0),
        LongField("packets0", 0),   # pf's [hi, lo] words, big-endian
        LongField("packets1", 0),
        LongField("bytes0", 0),
        LongField("bytes1", 0),
        XIntField("creatorid", 0),
        SignedIntField("rtableid0", -1),
        SignedIntField("rtableid1", -1),
        ShortField("max_mss", 0),
        ByteEnumField("af", AF_INET, AFS),
        ByteEnumField("proto", 6, {1: "icmp", 6: "tcp", 17: "udp",
            58: "icmp6", 132: "sctp"}),
        # "direction" is taken by scapy's Packet (sniffed direction)
        ByteEnumField("dir", PF_IN, DIRECTIONS),
        ByteField("log", 0),
        ByteField("rt", 0),
        ByteField("timeout", 0),
        XByteField("sync_flags", 0),
        ByteField("updates", 0),
        ByteField("min_ttl", 0),
        ByteField("set_tos", 0),
        XShortField("state_flags", 0),
        ByteField("set_prio0", 0),
        ByteField("set_prio1", 0),
    ]


class PfsyncUpdC(_Message):
    name = "pfsync upd_c"
    fields_desc = [
        XLongField("id", 0),
        PacketField("src", PfsyncPeer(), PfsyncPeer),
        PacketField("dst", PfsyncPeer(), PfsyncPeer),
        XIntField("creatorid", 0),
        IntField("expire", 0),
        ByteField("timeout", 0),
        XByteField("state_flags", 0),
        StrFixedLenField("pad", b"\0\0", 2),
    ]


class PfsyncRef(_Message):
    """INS_ACK, UPD_REQ (0/0: bulk request) and DEL_C."""
    name = "pfsync ref"
    fields_desc = [
        XLongField("id", 0),
        XIntField("creatorid", 0),
    ]


class PfsyncClr(_Message):
    name = "pfsync clr"
    fields_desc = [
        StrFixedLenField("ifname", b"", 16),
        XIntField("creatorid", 0),
    ]


class PfsyncBus(_Message):
    name = "pfsync bus"
    fields_desc = [
        XIntField("creatorid", 0),
        IntField("endtime", 0),
        ByteEnumField("status", BUS_END, {BUS_START: "start",
            BUS_END: "end"}),
        StrFixedLenField("pad", b"\0" * 3, 3),
    ]


# The structure each action carries; actions not listed are skipped by
# len*4*count, their messages kept as Raw.
MSG_CLASSES = {
    ACT_CLR: PfsyncClr, ACT_INS_ACK: PfsyncRef, ACT_UPD_C: PfsyncUpdC,
    ACT_UPD_REQ: PfsyncRef, ACT_DEL: PfsyncState, ACT_DEL_C: PfsyncRef,
    ACT_BUS: PfsyncBus, ACT_INS: PfsyncState, ACT_UPD: PfsyncState,
}
MSG_SIZES = {
    ACT_CLR: CLRLEN, ACT_INS_ACK: REFLEN, ACT_UPD_C: UPDCLEN,
    ACT_UPD_REQ: REFLEN, ACT_DEL: STATELEN, ACT_DEL_C: REFLEN,
    ACT_BUS: BUSLEN, ACT_INS: STATELEN, ACT_UPD: STATELEN, ACT_TDB: TDBLEN,
}


class _MsgListField(PacketListField):
    """count messages of len*4 bytes each, cut as pfsyncd's walk does."""

    def __init__(self, name):
        PacketListField.__init__(self, name, [], conf.raw_layer)

    def getfield(self, pkt, s):
        stride = (pkt.len or 0) * 4
        count = pkt.count or 0
        size = MSG_SIZES.get(pkt.action, 0)
        pkt.pf_stop = True
        if size == 0 and (stride == 0 or count == 0):
            return s, []                    # badact
        if stride < size or stride * count > len(s):
            return s, []                    # badlen
        pkt.pf_stop = False
        cls = MSG_CLASSES.get(pkt.action, conf.raw_layer)
        msgs = [cls(s[i * stride:(i + 1) * stride]) for i in range(count)]
        return s[stride * count:], msgs

    def addfield(self, pkt, s, val):
        return s + b"".join(bytes(m) for m in val)


class PfsyncSubheader(Packet):
    name = "pfsync subheader"
    fields_desc = [
        ByteEnumField("action", ACT_INS, ACTIONS),
        ByteField("len", None),
        ShortField("count", None),
        _MsgListField("msgs"),
    ]
    pf_stop = False

    def post_build(self, p, pay):
        if self.len is None:
            if self.msgs:
                words = len(bytes(self.msgs[0])) // 4
            else:
                words = MSG_SIZES.get(self.action, 0) // 4
            p = p[:1] + struct.pack("!B", words) + p[2:]
        if self.count is None:
            p = p[:2] + struct.pack("!H", len(self.msgs)) + p[4:]
        return p + pay

    def guess_payload_class(self, payload):
        if self.pf_stop or len(payload) < SUBHDRLEN:
            return conf.raw_layer
        return PfsyncSubheader


class PfsyncHeader(Packet):
    name = "pfsync"
    fields_desc = [
        ByteField("version", PFSYNC_VERSION),
        ByteField("pad", 0),
        ShortField("len", None),    # header start to end of pfsync data
        StrFixedLenField("spare", b"\0" * 16, 16),
    ]

    def post_build(self, p, pay):
        if self.len is None:
            p = p[:2] + struct.pack("!H", len(p) + len(pay)) + p[4:]
        return p + pay

    def extract_padding(self, s):
        # Bytes past len are not pfsync data (pfsyncd trims them).
        if self.len is None or self.len < HDRLEN:
            return s, b""
        return s[:self.len - HDRLEN], s[self.len - HDRLEN:]

    def guess_payload_class(self, payload):
        if self.version != PFSYNC_VERSION or len(payload) < SUBHDRLEN:
            return conf.raw_layer
        return PfsyncSubheader


bind_layers(IP, PfsyncHeader, proto=PFSYNC_PROTO)


def _af_of(addr):
    return AF_INET6 if ":" in addr else AF_INET


def _set_fields(pkt, values):
    """Sets fields by name, refusing names the packet does not have (a
    typo would otherwise become a plain attribute, never sent)."""
    names = {f.name for f in pkt.fields_desc}
    for name, value in values.items():
        if name not in names:
            raise TypeError("%s has no field %r" % (pkt.name, name))
        pkt.setfieldval(name, value)


def _tcp_timeout(src, dst):
    """pf's TCP timeout index for two peer states (section 4.4)."""
    if src >= 9 and dst >= 9:
        return 5
    if src >= 7 and dst >= 7:
        return 4
    if src < 4 or dst < 4:
        return 1
    if src >= 7 or dst >= 7:
        return 3
    return 2


def pfsync_state(src="198.51.100.7", sport=51000, dst="203.0.113.10",
        dport=443, proto=6, direction=PF_IN, nat_src=None, nat_sport=None,
        nat_dst=None, nat_dport=None, id=1, creatorid=0x5eed0001,
        src_state=TCPS_ESTABLISHED, dst_state=TCPS_ESTABLISHED,
        timeout=None, expire=86400, creation=0, state_flags=None,
        ifname=b"", rdomain=0, wire=None, stack=None, src_peer=None,
        dst_peer=None, **fields):
    """A full pf state for a flow src:sport -> dst:dport, translated to
    nat_src:nat_sport -> nat_dst:nat_dport (each defaulting to the
    untranslated value), laid out as pf does (section 4.3): for PF_IN the
    WIRE key is the untranslated view, for PF_OUT the STACK key is, and
    the source sits at index 0 (IN) or 1 (OUT).

    Any PfsyncState field can be forced through **fields (af=10,
    creatorid=0, timeout=99, dir=3...: the field is "dir", scapy keeps
    "direction" for itself); wire/stack/src_peer/dst_peer take dicts
    of PfsyncStateKey/PfsyncPeer fields, so a hostile packet differs from
    a valid one in exactly the field under test."""
    pre = (src, sport, dst, dport)
    post = (nat_src or src, nat_sport or sport, nat_dst or dst,
        nat_dport or dport)
    s = 0 if direction != PF_OUT else 1

    def key(view, extra):
        a = [None, None]
        p = [0, 0]
        a[s], p[s], a[1 - s], p[1 - s] = view
        k = PfsyncStateKey(addr0=a[0], addr1=a[1], port0=p[0], port1=p[1],
            rdomain=rdomain, af=_af_of(view[0]))
        _set_fields(k, extra or {})
        return k

    if direction == PF_OUT:
        kw, ks = key(post, wire), key(pre, stack)
    else:
        kw, ks = key(pre, wire), key(post, stack)
    if timeout is None:
        if proto == 6:
            timeout = _tcp_timeout(src_state, dst_state)
        elif proto == 17:
            timeout = 8
        else:
            timeout = 13
    if state_flags is None:
        state_flags = PFSTATE_SLOPPY if proto == 6 else 0
    sp = PfsyncPeer(state=src_state)
    _set_fields(sp, src_peer or {})
    dp = PfsyncPeer(state=dst_state)
    _set_fields(dp, dst_peer or {})
    if isinstance(ifname, str):
        ifname = ifname.encode()
    st = PfsyncState(id=id, ifname=ifname, key_wire=kw, key_stack=ks,
        src=sp, dst=dp, creation=creation, expire=expire,
        creatorid=creatorid, af=_af_of(src), proto=proto,
        dir=direction, timeout=timeout, state_flags=state_flags)
    _set_fields(st, fields)
    return st


def pfsync_state_packet(states, action=ACT_INS, ip_src=None,
        ip_dst=PFSYNC_GROUP, ttl=PFSYNC_TTL):
    """An INS (or UPD, DEL) packet of full states: a PfsyncState or a dict
    of pfsync_state() arguments each.  With ip_src, an IP packet as pfsync
    sends it (TTL 255, TOS 0x10, DF); otherwise the pfsync payload."""
    if isinstance(states, (PfsyncState, dict)):
        states = [states]
    msgs = [s if isinstance(s, Packet) else pfsync_state(**s)
        for s in states]
    p = PfsyncHeader() / PfsyncSubheader(action=action, msgs=msgs)
    if ip_src is None:
        return p
    return IP(src=ip_src, dst=ip_dst, ttl=ttl, tos=PFSYNC_TOS, flags="DF",
        proto=PFSYNC_PROTO) / p


def _golden(hexstr):
    return bytes.fromhex(hexstr.replace(" ", ""))


GOLDEN_BULK_REQ = _golden("06 00 00 24  00000000 00000000 00000000 00000000"
    "05 03 00 01  00000000 00000000 00000000")
GOLDEN_BUS_END = _golden("06 00 00 24  00000000 00000000 00000000 00000000"
    "0a 03 00 01  5eed0001 00000000 02 000000")
GOLDEN_INS_ACK = _golden("06 00 00 24  00000000 00000000 00000000 00000000"
    "02 03 00 01  6543210000000007 5eed0001")


def _selfcheck():
    req = PfsyncHeader() / PfsyncSubheader(action=ACT_UPD_REQ,
        msgs=[PfsyncRef(id=0, creatorid=0)])
    assert bytes(req) == GOLDEN_BULK_REQ, bytes(req).hex()
    bus = PfsyncHeader() / PfsyncSubheader(action=ACT_BUS,
        msgs=[PfsyncBus(creatorid=0x5eed0001, endtime=0, status=BUS_END)])
    assert bytes(bus) == GOLDEN_BUS_END, bytes(bus).hex()
    ack = PfsyncHeader() / PfsyncSubheader(action=ACT_INS_ACK,
        msgs=[PfsyncRef(id=0x6543210000000007, creatorid=0x5eed0001)])
    assert bytes(ack) == GOLDEN_INS_ACK, bytes(ack).hex()

    d = PfsyncHeader(GOLDEN_INS_ACK)
    assert d[PfsyncSubheader].action == ACT_INS_ACK
    assert d[PfsyncSubheader].msgs[0].id == 0x6543210000000007

    # Section 4.3's inbound rdr, offsets of table 4.1
    st = pfsync_state(dst="203.0.113.10", dport=443, nat_dst="192.0.2.80",
        nat_dport=8443, id=0x6543210000000007, state_flags=0x12)
    b = bytes(st)
    assert len(b) == STATELEN
    assert b[24:28] == socket.inet_aton("198.51.100.7")
    assert b[40:44] == socket.inet_aton("203.0.113.10")
    assert b[56:60] == bytes.fromhex("c73801bb")
    assert b[80:84] == socket.inet_aton("192.0.2.80")
    assert b[96:100] == bytes.fromhex("c73820fb")
    assert b[128] == TCPS_ESTABLISHED and b[160] == TCPS_ESTABLISHED
    assert b[236:240] == bytes.fromhex("5eed0001")
    assert b[240:248] == b"\xff" * 8
    assert b[250] == AF_INET and b[251] == 6 and b[252] == PF_IN
    assert b[255] == 2 and b[260:262] == b"\x00\x12"

    # A larger stride dissects to the known prefix; a short one stops.
    pkt = PfsyncHeader() / PfsyncSubheader(action=ACT_UPD, len=70,
        msgs=[PfsyncState(b + b"\xee" * 16), PfsyncState(b + b"\xee" * 16)])
    d = PfsyncHeader(bytes(pkt))
    assert d[PfsyncSubheader].count == 2
    assert all(m.id == 0x6543210000000007 for m in d[PfsyncSubheader].msgs)
    short = PfsyncHeader() / PfsyncSubheader(action=ACT_INS, len=65,
        count=1) / (b"\0" * 260)
    assert PfsyncHeader(bytes(short))[PfsyncSubheader].msgs == []

    # Bytes past the header's len are padding, not sections.
    d = PfsyncHeader(GOLDEN_INS_ACK + GOLDEN_BUS_END[20:])
    assert len(d[PfsyncSubheader].msgs) == 1
    assert not isinstance(d[PfsyncSubheader].payload, PfsyncSubheader)

    ip = pfsync_state_packet({"src": "2001:db8::7", "dst": "2001:db8::10"},
        ip_src="198.51.100.1")
    ip = IP(bytes(ip))
    assert ip.proto == PFSYNC_PROTO and ip.ttl == 255 and ip.tos == 0x10
    assert ip[PfsyncState].af == AF_INET6
    print("pfsync_scapy: golden frames and layouts ok")


def corpus_seeds():
    """The fuzzer's seeds (tests/fuzz/corpus/fuzz_pfsync_wire): name ->
    pfsync payload."""
    H, S = PfsyncHeader, PfsyncSubheader
    rdr = pfsync_state(dst="203.0.113.10", dport=443, nat_dst="192.0.2.80",
        nat_dport=8443, id=0x6543210000000007, state_flags=0x12)
    v6 = pfsync_state(src="2001:db8::7", sport=40000, dst="2001:db8:1::10",
        dport=53, proto=17, src_state=2, dst_state=2, id=0x10,
        ifname="em1", rdomain=2)
    snat = pfsync_state(src="192.0.2.50", sport=33000, dst="203.0.113.9",
        dport=22, nat_src="198.51.100.1", nat_sport=61000,
        direction=PF_OUT, id=0x11, src_state=9, dst_state=10,
        packets0=(1 << 32) + 5, bytes1=1 << 40)
    upd_c = [PfsyncUpdC(id=0x6543210000000007, creatorid=0x5eed0001,
        src=PfsyncPeer(state=4, wscale=0x87), dst=PfsyncPeer(state=7),
        timeout=3), PfsyncUpdC(id=0x12, creatorid=0x5eed0002, timeout=8,
        src=PfsyncPeer(state=2), dst=PfsyncPeer(state=2))]
    ack = PfsyncRef(id=7, creatorid=0x5eed0001)
    return {
        "golden-bulk-req": GOLDEN_BULK_REQ,
        "golden-bus-end": GOLDEN_BUS_END,
        "golden-ins-ack": GOLDEN_INS_ACK,
        "ins-upd-states": bytes(H() / S(action=ACT_INS, msgs=[rdr, v6]) /
            S(action=ACT_UPD, msgs=[snat])),
        "upd-c": bytes(H() / S(action=ACT_UPD_C, msgs=upd_c)),
        "clr": bytes(H() / S(action=ACT_CLR, msgs=[PfsyncClr(ifname=b"em0",
            creatorid=0x5eed0001), PfsyncClr(creatorid=0x5eed0002)])),
        "tdb": bytes(H() / S(action=ACT_TDB, msgs=[conf.raw_layer(
            bytes(range(TDBLEN)))]) / S(action=ACT_DEL_C, msgs=[ack])),
        "skip-deprecated": bytes(H() /
            S(action=ACT_OTDB, msgs=[conf.raw_layer(b"\x01" * 48)]) /
            S(action=ACT_OINS, len=3, msgs=[conf.raw_layer(b"\x0d" * 12)]) /
            S(action=42, msgs=[conf.raw_layer(b"\x07" * 8)] * 2) /
            S(action=ACT_INS_ACK, msgs=[ack])),
        "bus-start-del": bytes(H() / S(action=ACT_BUS, msgs=[PfsyncBus(
            creatorid=0x5eed0002, status=BUS_START)]) /
            S(action=ACT_DEL, msgs=[rdr]) /
            S(action=ACT_DEL_C, msgs=[ack, ack])),
        "stride-70": bytes(H() / S(action=ACT_UPD, len=70,
            msgs=[conf.raw_layer(bytes(snat) + b"\xee" * 16)])),
        "count-overflow": bytes(H() / S(action=ACT_INS_ACK, msgs=[ack]) /
            S(action=ACT_DEL_C, count=30, msgs=[ack, ack])),
        "trailing-bytes": GOLDEN_INS_ACK + GOLDEN_BUS_END[20:],
    }


if __name__ == "__main__":
    import os
    import sys
    if len(sys.argv) == 3 and sys.argv[1] == "corpus":
        for seed, data in corpus_seeds().items():
            with open(os.path.join(sys.argv[2], seed), "wb") as f:
                f.write(data)
    else:
        _selfcheck()
