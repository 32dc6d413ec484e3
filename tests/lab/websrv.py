# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The hakit Authors
"""
The relayd lab's web server: one process per backend, in the backend's
namespace, serving three ports on its address:

    HTTP    (--http)    GET/HEAD; "/" answers "NAME\n" (so a client can
                        count which backend served it), "/static" answers
                        STATIC (the same on every server, for digest
                        checks); HTTP/1.1 keeps the connection alive
    HTTPS   (--https)   the same over TLS (--cert, --key)
    banner  (--banner)  line based, for send/expect: on connect
                        "220 NAME ready\r\n", then "250 NAME LINE\r\n" per
                        line received

The behaviour is switched at run time through the control file (--ctl):
it holds one mode word, read every 50 ms; once applied the server writes
the word to CTL.ack.  Modes:

    ok        as above
    code500   every HTTP answer has status 500
    body      /static answers another body (digest mismatch); the
              banner says "554 NAME go away"
    hang      accept, read, never answer (every port, TLS included)
    refuse    listening sockets closed (connection refused)
    garbage   answer any request (or banner) with bytes that are not
              HTTP, then close
    endless   "HTTP/1.0 200 OK" and then header lines without end
    huge      a 200 with a 1 GiB body

Dead (killed) and blackholed (nft drop in the namespace) servers are the
test's doing, not modes.  Everything is bounded: the process exits after
--maxtime, at most --maxconn connections at once, each connection lives
at most CONN_LIFETIME s, hostile answers stop at HOSTILE_BYTES or
HOSTILE_TIME.

    python3 websrv.py --name s1 --addr 198.51.100.11 --http 8080
        --https 8443 --banner 7000 --cert C --key K --ctl FILE
        [--maxtime 600] [--maxconn 256]
"""

import argparse
import os
import selectors
import socket
import ssl
import sys
import threading
import time

STATIC = b"hakit relayd lab static page\n"
MODES = ("ok", "code500", "body", "hang", "refuse", "garbage", "endless",
    "huge")
CONN_LIFETIME = 120.0
IO_TIMEOUT = 5.0
HOSTILE_BYTES = 1 << 30
HOSTILE_TIME = 30.0
MAX_HEADER = 16384
MAX_REQUESTS = 1000     # per connection
MAX_LINES = 100         # per banner connection

mode = "ok"
active = 0
lock = threading.Lock()


def current():
    return mode


def read_mode(path):
    try:
        with open(path) as f:
            m = f.read().strip()
    except OSError:
        return None
    return m if m in MODES else None


def write_ack(path, m):
    tmp = path + ".ack.tmp"
    with open(tmp, "w") as f:
        f.write(m + "\n")
    os.replace(tmp, path + ".ack")


def hang(conn, deadline):
    """Reads and discards until EOF or deadline; never writes."""
    conn.settimeout(0.5)
    while time.monotonic() < deadline:
        try:
            if not conn.recv(4096):
                return
        except socket.timeout:
            continue
        except (OSError, ssl.SSLError):
            return


def garbage(conn):
    """Bytes that are not HTTP, then a clean close (FIN, not a reset:
    whatever the peer sent is read first)."""
    junk = b"\x00\xff\xfe garbage \x01\x02 not http at all \x7f" * 64
    try:
        conn.sendall(junk)
        conn.shutdown(socket.SHUT_WR)
        conn.settimeout(1.0)
        end = time.monotonic() + 2.0
        while time.monotonic() < end and conn.recv(4096):
            pass
    except OSError:
        pass


def flood(conn, head, unit, deadline):
    """head, then unit again and again up to HOSTILE_BYTES or time."""
    end = min(deadline, time.monotonic() + HOSTILE_TIME)
    conn.settimeout(2.0)
    try:
        conn.sendall(head)
        sent = len(head)
        while sent < HOSTILE_BYTES and time.monotonic() < end:
            conn.sendall(unit)
            sent += len(unit)
    except OSError:
        pass


def read_request(conn, buf):
    """(request head bytes, rest) or (None, buf) at EOF or overflow."""
    while b"\r\n\r\n" not in buf:
        if len(buf) > MAX_HEADER:
            return None, buf
        try:
            d = conn.recv(4096)
        except (OSError, ssl.SSLError):
            return None, buf
        if not d:
            return None, buf
        buf += d
    head, rest = buf.split(b"\r\n\r\n", 1)
    return head, rest


def read_body(conn, buf, hdrs):
    """(body bytes, rest) as Content-Length or chunked frame it; the
    framing the relay forwarded is what the server reads."""
    want = None
    if "chunked" in hdrs.get("transfer-encoding", ""):
        while True:
            end = buf.find(b"\r\n0\r\n\r\n")
            if buf.startswith(b"0\r\n\r\n"):
                return b"", buf[5:]
            if end >= 0:
                return buf[:end + 7], buf[end + 7:]
            if len(buf) > MAX_HEADER * 16:
                return buf, b""
            d = conn.recv(4096)
            if not d:
                return buf, b""
            buf += d
    if "content-length" in hdrs:
        want = int(hdrs["content-length"])
    if not want:
        return b"", buf
    while len(buf) < want:
        d = conn.recv(4096)
        if not d:
            break
        buf += d
    return buf[:want], buf[want:]


def serve_http(conn, name, deadline):
    buf = b""
    conn.settimeout(IO_TIMEOUT)
    for _ in range(MAX_REQUESTS):
        if current() == "hang":
            hang(conn, deadline)
            return
        head, buf = read_request(conn, buf)
        if head is None or time.monotonic() > deadline:
            return
        m = current()
        if m == "hang":
            hang(conn, deadline)
            return
        if m == "garbage":
            garbage(conn)
            return
        if m == "endless":
            flood(conn, b"HTTP/1.0 200 OK\r\n",
                b"X-Endless: " + b"a" * 1000 + b"\r\n", deadline)
            return
        if m == "huge":
            flood(conn, b"HTTP/1.0 200 OK\r\nContent-Type: text/plain"
                b"\r\nContent-Length: %d\r\n\r\n" % HOSTILE_BYTES,
                b"x" * 65536, deadline)
            return
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split()
        if len(parts) != 3:
            return
        method, path, version = parts
        hdrs = {}
        for l in lines[1:]:
            k, _, v = l.partition(":")
            hdrs[k.strip().lower()] = v.strip().lower()
        try:
            reqbody, buf = read_body(conn, buf, hdrs)
        except (OSError, ssl.SSLError, ValueError):
            return
        if path.startswith("/static"):
            body = STATIC if m != "body" else \
                b"hakit relayd lab page changed on " + name.encode() + b"\n"
        elif path.startswith("/big"):
            # 1 MiB named by the server: relays splice bodies this large
            body = (name.encode() + b"\n") * (1 << 18)
        elif path.startswith("/echo"):
            # what reached the server, for relays' filter rules
            try:
                peer = conn.getpeername()[0].encode()
            except OSError:
                peer = b"?"
            body = name.encode() + b"\n" + head + b"\r\n\r\n" + \
                reqbody + b"\npeer: " + peer + b"\n"
        else:
            body = name.encode() + b"\n"
        code = b"500 Internal Server Error" if m == "code500" else b"200 OK"
        keep = version == "HTTP/1.1" and hdrs.get("connection") != "close"
        out = b"%s %s\r\nContent-Type: text/plain\r\nContent-Length: %d" \
            b"\r\nConnection: %s\r\n\r\n" % (version.encode() if
            version in ("HTTP/1.0", "HTTP/1.1") else b"HTTP/1.0", code,
            len(body), b"keep-alive" if keep else b"close")
        if method != "HEAD":
            out += body
        try:
            conn.sendall(out)
        except (OSError, ssl.SSLError):
            return
        if not keep:
            return


def serve_banner(conn, name, deadline):
    m = current()
    if m == "hang":
        hang(conn, deadline)
        return
    if m == "garbage":
        garbage(conn)
        return
    code = b"554" if m == "body" else b"220"
    conn.settimeout(IO_TIMEOUT)
    try:
        conn.sendall(code + b" " + name.encode() + (b" go away\r\n"
            if m == "body" else b" ready\r\n"))
        buf = b""
        for _ in range(MAX_LINES):
            while b"\n" not in buf:
                if len(buf) > 4096 or time.monotonic() > deadline:
                    return
                d = conn.recv(4096)
                if not d:
                    return
                buf += d
            line, buf = buf.split(b"\n", 1)
            reply = b"554" if current() == "body" else b"250"
            conn.sendall(reply + b" " + name.encode() + b" " +
                line.rstrip(b"\r") + b"\r\n")
    except (OSError, ssl.SSLError):
        return


def handle(kind, conn, name, tls):
    global active
    deadline = time.monotonic() + CONN_LIFETIME
    try:
        if kind == "banner":
            serve_banner(conn, name, deadline)
        elif kind == "https":
            m = current()
            if m == "hang":
                hang(conn, deadline)
                return
            if m == "garbage":
                garbage(conn)
                return
            conn.settimeout(IO_TIMEOUT)
            try:
                s = tls.wrap_socket(conn, server_side=True)
            except (OSError, ssl.SSLError):
                return
            conn = s
            serve_http(conn, name, deadline)
        else:
            serve_http(conn, name, deadline)
    finally:
        try:
            conn.close()
        except OSError:
            pass
        with lock:
            active -= 1


def main(argv):
    global mode, active
    p = argparse.ArgumentParser()
    p.add_argument("--name", required=True)
    p.add_argument("--addr", required=True)
    p.add_argument("--http", type=int, default=8080)
    p.add_argument("--https", type=int, default=8443)
    p.add_argument("--banner", type=int, default=7000)
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--ctl", required=True)
    p.add_argument("--maxtime", type=float, default=600)
    p.add_argument("--maxconn", type=int, default=256)
    a = p.parse_args(argv)

    tls = None
    if a.cert:
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(a.cert, a.key)
    ports = [("http", a.http), ("banner", a.banner)]
    if tls is not None:
        ports.append(("https", a.https))
    fam = socket.AF_INET6 if ":" in a.addr else socket.AF_INET
    sel = selectors.DefaultSelector()
    listeners = {}

    def open_all():
        for kind, port in ports:
            s = socket.socket(fam, socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((a.addr, port))
            s.listen(128)
            s.setblocking(False)
            sel.register(s, selectors.EVENT_READ, kind)
            listeners[kind] = s

    def close_all():
        for s in listeners.values():
            sel.unregister(s)
            s.close()
        listeners.clear()

    m = read_mode(a.ctl) or "ok"
    mode = m
    if mode != "refuse":
        open_all()
    write_ack(a.ctl, mode)
    print("websrv %s on %s: %s" % (a.name, a.addr, ports), flush=True)
    end = time.monotonic() + a.maxtime
    while time.monotonic() < end:
        m = read_mode(a.ctl)
        if m is not None and m != mode:
            if m == "refuse":
                close_all()
            elif mode == "refuse":
                open_all()
            mode = m
            write_ack(a.ctl, m)
            print("mode %s" % m, flush=True)
        for key, _ in sel.select(0.05):
            try:
                conn, _peer = key.fileobj.accept()
            except OSError:
                continue
            conn.setblocking(True)
            with lock:
                if active >= a.maxconn:
                    conn.close()
                    continue
                active += 1
            threading.Thread(target=handle, args=(key.data, conn,
                a.name, tls), daemon=True).start()
    print("websrv %s: maxtime reached" % a.name, flush=True)
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
