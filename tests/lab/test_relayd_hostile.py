# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The hakit Authors
"""
Web servers that answer badly (specs/relayd.md HCE-4..6, section 15
items 9 and 13): bytes that are not HTTP, a header that never ends, a
body of a gigabyte.  The checker must read them bounded, call the host
down with the reason OpenBSD gives, keep checking the other hosts and
keep serving traffic through them, and not grow without bound.

The reasons follow OpenBSD's check_tcp.c: the code check looks at the
status line of whatever arrived by EOF or the timeout, so garbage is
"http code malformed"; the digest check needs the end of the header, so
an endless header is "http digest malformed"; a huge body digested as far
as it arrived is "http digest mismatch" (hakit may stop reading earlier
at its own bound, which must not change the verdict to up).
"""

import pytest

from lab import built_with_asan, hold, wait_until
from relayd_lab import (HTTP_PORT, RELAYD, SERVER_IPS, STATIC_SHA1,
    relayd_conf)

S1, S2 = SERVER_IPS[:2]
CODE = 'http "/" code 200'
DIGEST = 'http "/static" digest "%s"' % STATIC_SHA1

# (websrv mode, check, acceptable reasons)
HOSTILE = [
    ("garbage", CODE, ("http code malformed",)),
    ("garbage", DIGEST, ("http digest malformed",)),
    ("endless", DIGEST, ("http digest malformed",)),
    ("huge", DIGEST, ("http digest mismatch", "http digest malformed")),
]

# Growth of relayd's total resident memory allowed over the test (KiB).
# ASan keeps freed memory in quarantine (256 MB by default).
RSS_GROWTH = (320 if built_with_asan(RELAYD) else 64) * 1024


@pytest.mark.parametrize("mode,check,reasons", HOSTILE,
    ids=["%s-%s" % (m, "code" if c == CODE else "digest")
    for m, c, _ in HOSTILE])
def test_a_hostile_server_is_down_with_the_right_reason_and_relayd_lives(
        mode, check, reasons, relayd_lab, relayd):
    """
    s2 turns hostile: it is down within a few rounds with the reason
    OpenBSD gives, stays down, s1 stays up and keeps serving every new
    connection, relayd keeps answering relayctl and its memory stays
    bounded; s2 fixed is up again.
    """
    rl = relayd_lab
    conf = relayd_conf(check=check, port=HTTP_PORT, hosts=(S1, S2),
        backup=())
    d = relayd(rl.box, conf)
    d.wait_states({S1: "up", S2: "up"}, 15)
    rss0 = d.rss_kb()
    rl.ws("s2").set(mode)
    wait_until(lambda: d.reason(S2)[0] == "down", 10,
        desc=lambda: "s2 down\n%s" % d.diag())
    st, why = d.reason(S2)
    assert why in reasons, "s2 down for %r, wanted %s\n%s" % (why, reasons,
        d.diag())
    # Several more rounds of hostility: still down for the same reason,
    # the neighbour up, the service on it.
    hold(lambda: d.alive() and d.reason(S2) == ("down", why) and
        d.state(S1) == "up", 5, desc=lambda: "steady under a hostile s2\n%s"
        % d.diag())
    f = wait_until(lambda: (lambda f: f if not f.errors and
        f.servers() == {"s1": 50} else None)(rl.fetch(50)), 3,
        desc=lambda: "traffic on s1 only\n%s" % d.diag())
    assert f
    grew = d.rss_kb() - rss0
    assert grew < RSS_GROWTH, "relayd grew by %d KiB under a hostile " \
        "server\n%s" % (grew, d.diag())

    rl.ws("s2").fix()
    d.wait_states({S2: "up"}, 10)
    assert d.alive()
