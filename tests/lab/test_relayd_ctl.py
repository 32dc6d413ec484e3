# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The hakit Authors
"""
relayctl as an operator uses it during maintenance (specs/relayd.md
section 10, CTL-8..10, and the backup table of RDR-4, RDR-12): taking a
host out moves its traffic off at once, putting it back returns traffic
after a check; disabling the main table hands the service to the backup
table; disabling the redirect stops the service.  The backup table
takes over by itself when every main host is down and gives the service
back when one returns; with no live host at all the redirect is down
(its rules removed) and comes back with the first live host.  The text
of `show hosts` keeps OpenBSD's layout byte for byte.
"""

import re

from lab import hold, wait_until
from relayd_lab import (RELAYCTL, SERVER_IPS, even, parse_show, relayd_conf,
    start_scene)

S1, S2, S3, S4 = SERVER_IPS
BACKUP = "active (using backup table)"


def fetch_until(rl, d, pred, desc, n=64, timeout=3):
    """Fetches n requests until pred(Fetch) holds; returns that Fetch."""
    return wait_until(lambda: (lambda f: f if pred(f) else None)(
        rl.fetch(n)), timeout, desc=lambda: "%s: %s\n%s" % (desc,
        rl.fetch(n), d.diag()))


def ctl_ok(d, *args):
    r = d.ctl(*args, check=False)
    assert r.returncode == 0 and r.stdout.strip() == "command succeeded", \
        "relayctl %s: exit %d: %r %r" % (" ".join(args), r.returncode,
        r.stdout, r.stderr)


def test_host_disable_moves_traffic_off_at_once_and_enable_brings_it_back(
        relayd_lab, relayd):
    """
    CTL-8: `relayctl host disable` takes s1 out of the map at once (no
    check round to wait for): new connections go to s2 and s3 only,
    none fails.  `enable` makes it unknown, and after its next check it
    is up and gets its share again.
    """
    rl = relayd_lab
    d = start_scene(rl, relayd)
    hid = d.host_item(S1)["id"]
    ctl_ok(d, "host", "disable", str(hid))
    assert d.state(S1) == "disabled", d.diag()
    f = fetch_until(rl, d, lambda f: not f.errors and "s1" not in
        f.counts, "s1 out of the map", timeout=1)
    f = rl.fetch(256)
    assert not f.errors and even(f.servers(), ("s2", "s3"), 256), \
        "%s\n%s" % (f, d.diag())
    h = d.host_item(S1)
    assert h["checks"] == 0 and h["ups"] == 0, h

    ctl_ok(d, "host", "enable", S1)
    assert d.state(S1) in ("unknown", "up"), d.diag()
    d.wait_states({S1: "up"}, 10)
    fetch_until(rl, d, lambda f: not f.errors and even(f.servers(),
        ("s1", "s2", "s3"), 256), "s1 back in the roundrobin", n=256,
        timeout=5)


def test_table_disable_hands_the_service_to_the_backup_table(relayd_lab,
        relayd):
    """
    CTL-9, RDR-4: with table <web> disabled the redirect runs on its
    backup: status "active (using backup table)" and every connection
    reaches s4.  Enabled again, <web> serves and s4 gets nothing.
    """
    rl = relayd_lab
    d = start_scene(rl, relayd)
    t = d.table("web")
    ctl_ok(d, "table", "disable", str(t["id"]))
    assert d.table("web")["status"] == "disabled", d.diag()
    wait_until(lambda: d.redirect()["status"] == BACKUP, 3,
        desc=lambda: "redirect on its backup table\n%s" % d.diag())
    fetch_until(rl, d, lambda f: f.servers() == {"s4": 64} and
        not f.errors, "every connection on s4")

    ctl_ok(d, "table", "enable", str(t["id"]))
    d.wait_states({S1: "up", S2: "up", S3: "up"}, 10)
    wait_until(lambda: d.redirect()["status"] == "active", 3,
        desc=lambda: "redirect active on <web>\n%s" % d.diag())
    fetch_until(rl, d, lambda f: not f.errors and even(f.servers(),
        ("s1", "s2", "s3"), 256), "<web> serving again", n=256, timeout=5)


def test_redirect_disable_stops_the_service_and_enable_restores_it(
        relayd_lab, relayd):
    """
    CTL-10: a disabled redirect has no rules: a connection to the VIP
    reaches no web server (the box itself refuses it).  Enabled, the
    service is back on every live host.
    """
    rl = relayd_lab
    d = start_scene(rl, relayd)
    ctl_ok(d, "redirect", "disable", "www")
    assert d.redirect()["status"] == "disabled", d.diag()
    f = fetch_until(rl, d, lambda f: not f.servers(), "no web server "
        "reached", n=10)
    assert set(f.counts) <= {"refused", "timeout"}, f

    ctl_ok(d, "redirect", "enable", "www")
    d.wait_states({S1: "up", S2: "up", S3: "up"}, 10)
    wait_until(lambda: d.redirect()["status"] == "active", 5,
        desc=lambda: "redirect active\n%s" % d.diag())
    fetch_until(rl, d, lambda f: not f.errors and even(f.servers(),
        ("s1", "s2", "s3"), 256), "service back", n=256, timeout=5)


def test_a_redirect_enabled_by_relayctl_stays_on_over_reloads(relayd_lab,
        relayd):
    """
    A redirect the file starts `disable`d and relayctl enables keeps
    serving when the file is reloaded: unchanged, and then without
    `disable` and with a changed session timeout (its rules rebuilt).
    """
    rl = relayd_lab
    d = relayd(rl.box, relayd_conf(backup=(), disable_redirect=True))
    assert d.redirect()["status"] == "disabled", d.diag()
    ctl_ok(d, "redirect", "enable", "www")
    d.wait_states({S1: "up", S2: "up", S3: "up"}, 10)
    fetch_until(rl, d, lambda f: not f.errors and set(f.servers()) ==
        {"s1", "s2", "s3"}, "service on", n=30, timeout=5)
    for conf in (relayd_conf(backup=(), disable_redirect=True),
            relayd_conf(backup=(), session_timeout=90)):
        d.reload(conf)
        hold(lambda: d.alive() and d.redirect()["status"] == "active", 3,
            desc=lambda: "redirect active after the reload\n%s" %
            d.diag())
        fetch_until(rl, d, lambda f: not f.errors and set(f.servers()) ==
            {"s1", "s2", "s3"}, "service on after the reload", n=30,
            timeout=5)


def test_the_backup_table_takes_over_and_gives_back_and_none_live_is_down(
        relayd_lab, relayd):
    """
    RDR-4, RDR-12, 15.7: every main host dead -> "active (using backup
    table)", traffic on s4; s2 back -> "active", traffic on s2 alone;
    then s2 and s4 dead too -> "down", the VIP answers nothing; s4 back
    -> on the backup again.
    """
    rl = relayd_lab
    d = start_scene(rl, relayd)
    for n in ("s1", "s2", "s3"):
        rl.ws(n).kill()
    d.wait_states({S1: "down", S2: "down", S3: "down", S4: "up"}, 10)
    wait_until(lambda: d.redirect()["status"] == BACKUP, 3,
        desc=lambda: "redirect on its backup\n%s" % d.diag())
    fetch_until(rl, d, lambda f: f.servers() == {"s4": 64},
        "every connection on s4")

    rl.ws("s2").fix()
    d.wait_states({S2: "up"}, 10)
    wait_until(lambda: d.redirect()["status"] == "active", 3,
        desc=lambda: "redirect back on <web>\n%s" % d.diag())
    fetch_until(rl, d, lambda f: f.servers() == {"s2": 64},
        "every connection on s2, none on the backup")

    rl.ws("s2").kill()
    rl.ws("s4").kill()
    d.wait_states({S2: "down", S4: "down"}, 10)
    wait_until(lambda: d.redirect()["status"] == "down", 3,
        desc=lambda: "redirect down\n%s" % d.diag())
    f = fetch_until(rl, d, lambda f: not f.servers(), "nothing answers",
        n=5)
    assert set(f.counts) <= {"refused", "timeout"}, f

    rl.ws("s4").fix()
    d.wait_states({S4: "up"}, 10)
    wait_until(lambda: d.redirect()["status"] == BACKUP, 3,
        desc=lambda: "redirect on its backup again\n%s" % d.diag())
    fetch_until(rl, d, lambda f: f.servers() == {"s4": 64},
        "every connection on s4 again")


HEADER = "Id  \tType    \tName                    \tAvlblty\tStatus"


def test_show_hosts_keeps_openbsds_layout(relayd_lab, relayd):
    """
    CTL-3, 15.5: scripts written for OpenBSD's relayctl parse hakit's
    output: the header, printf "%-4u\\t%-8s\\t%-24s\\t%-7s\\t%s" rows, a
    "%.2f%%" availability, and the counters line under each checked
    host, with the error while down.  A bad id fails with exit 1.
    """
    rl = relayd_lab
    d = start_scene(rl, relayd)
    rl.ws("s3").kill()
    d.wait_states({S3: "down"}, 10)
    text = d.text("hosts")
    lines = text.splitlines()
    assert lines[0] == HEADER, repr(lines[0])
    row = re.compile(r"^(\d+ *)\t(\S+ *)\t([^\t]*)\t([^\t]*)\t([^\t]*)$")
    for l in lines[1:]:
        if l.startswith("\t        \t"):
            assert re.match(r"^\t        \ttotal: \d+/\d+ checks"
                r"(, \d+ retries)?(, error: [a-z/ ]+)?$", l), repr(l)
            continue
        m = row.match(l)
        assert m, repr(l)
        assert [len(m.group(i)) >= w for i, w in ((1, 4), (2, 8),
            (3, 24), (4, 7))] == [True] * 4, repr(l)
    rows = parse_show(text)
    hosts = {r["name"]: r for r in rows if r["type"] == "host"}
    assert re.match(r"^\d+\.\d\d%$", hosts[S1]["avail"]), hosts[S1]
    assert hosts[S1]["status"] == "up" and hosts[S3]["status"] == "down"
    assert re.search(r", error: tcp connect failed$",
        hosts[S3]["extra"][0]), hosts[S3]
    assert not any("error:" in e for e in hosts[S1]["extra"]), hosts[S1]
    tables = [r for r in rows if r["type"] == "table"]
    assert any(r["name"].startswith("web") and r["status"] ==
        "active (2 hosts)" for r in tables), tables

    r = d.ctl("host", "disable", "198.51.100.99", check=False)
    assert r.returncode == 1 and "command failed" in r.stdout, r
    r = d.ctl("host", "disable", "4000", check=False)
    assert r.returncode == 1 and "command failed" in r.stdout, r


def test_poll_checks_at_once_instead_of_waiting_for_the_interval(
        relayd_lab, relayd):
    """
    CTL-14: with a 10 s interval, a server that dies right after a round
    would go unnoticed for 10 s; `relayctl poll` starts a round now, so
    it is down (and out of the map) within a couple of seconds.
    """
    rl = relayd_lab
    d = start_scene(rl, relayd, relayd_conf(interval=10), timeout=20)
    c0 = d.host_item(S2)["checks"]
    wait_until(lambda: d.host_item(S2)["checks"] > c0, 15,
        desc=lambda: "a check round\n%s" % d.diag())
    rl.ws("s2").kill()
    ctl_ok(d, "poll")
    wait_until(lambda: d.state(S2) == "down", 2.5,
        desc=lambda: "s2 down after poll\n%s" % d.diag())
    fetch_until(rl, d, lambda f: not f.errors and "s2" not in f.counts,
        "no connection to s2", n=30, timeout=1)


def test_keywords_accept_a_unique_prefix(relayd_lab, relayd):
    """
    Section 10: `relayctl sh h` is `show hosts`, as on OpenBSD, so
    operators' fingers and scripts keep working.
    """
    rl = relayd_lab
    d = start_scene(rl, relayd)
    a = d.ctl("sh", "h").stdout
    assert parse_show(a) and a.splitlines()[0] == HEADER, a
    assert [(r["type"], r["name"]) for r in parse_show(a)] == \
        [(r["type"], r["name"]) for r in parse_show(d.text("hosts"))]


def test_monitor_prints_host_changes_as_they_happen(relayd_lab, relayd):
    """
    CTL-13: `relayctl monitor`, started before relayd has its control
    socket, connects when it appears and prints OpenBSD's event lines: a
    server dying gives a host_status event with the host's id and
    "state: down", a relayctl host disable a ctl_host_disable event.
    """
    rl = relayd_lab
    d = relayd(rl.box, relayd_conf(check="tcp", backup=()), wait=False)
    mon = rl.box.popen([RELAYCTL, "-s", d.sock, "monitor"])
    try:
        d.wait_states({ip: "up" for ip in SERVER_IPS[:3]}, 15)
        s1 = d.hosts()[SERVER_IPS[0]]["id"]
        s2 = d.hosts()[SERVER_IPS[1]]["id"]
        rl.ws("s1").kill()
        d.wait_states({SERVER_IPS[0]: "down"}, 10)
        ctl_ok(d, "host", "disable", SERVER_IPS[1])

        def seen():
            t = mon.log_text()
            return re.search(r"host_status: imsg type \d+ len \d+ peerid "
                r"\d+ pid \d+\n\ttimestamp: \d+, .*\n\tid: %d\n"
                r"\tstate: down\n" % s1, t) and re.search(
                r"ctl_host_disable: imsg type \d+ len \d+ peerid \d+ "
                r"pid \d+\n\ttimestamp: \d+, .*\n\tid: %d\n" % s2, t)
        wait_until(seen, 5, desc=lambda: "monitor lines:\n%s" %
            mon.log_text()[-2000:])
        assert mon.alive()
    finally:
        mon.stop()
