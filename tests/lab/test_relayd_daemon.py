# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The hakit Authors
"""
relayd as a system service (specs/relayd.md CLI-4, 13.1, IMP-14 and
section 15 items 1 and 4): `relayd -n` tells the operator whether a file
is good before it is used, and where it is wrong (file:line, also inside
an included file), without touching the system; and relayd owns exactly
one nftables table, inet hakit_relayd, which SIGTERM removes while a
table of the operator's in the same namespace stays as it was.
"""

import re

import pytest

from lab import wait_until
from relayd_lab import (NFT_TABLE, RELAYD, add_user_table, check_only,
    nft_tables, relayd_conf, start_scene)

GOOD = relayd_conf()


def test_check_only_accepts_a_good_file_and_installs_nothing(relayd_lab,
        relayd_bin):
    """
    CLI-4: `relayd -n` on a good file prints "configuration OK" and exits
    0; it starts nothing and installs no nftables table.
    """
    rl = relayd_lab
    path = rl.lab.write("good.conf", GOOD)
    r = check_only(rl.box, path)
    assert r.returncode == 0, "exit %d: %s" % (r.returncode, r.stderr)
    assert "configuration OK" in r.stderr.splitlines(), r.stderr
    assert "inet " + NFT_TABLE not in nft_tables(rl.box)
    assert not [p for p in rl.box.pids()], "processes left in the box"


# (name, main file text, included file text or None, line with the error
# in the file named by "where", where: "main" or "inc"; None = any line)
BAD = [
    ("syntax", GOOD.replace("log state changes\n",
        "log state changes\nthis is not relayd syntax\n"), None, 4,
        "main"),
    ("in-include", 'include "%(inc)s"\n' + GOOD, "interval 1\n\n"
        "table <x> { 198.51.100.11 } bogus words here\n", 3, "inc"),
    ("timeout-above-interval", relayd_conf(interval=1, timeout=2000),
        None, None, "main"),
    ("no-check", GOOD.replace(" check http \"/\" code 200", ""), None,
        None, "main"),
    ("unknown-table", GOOD.replace("forward to <spare>",
        "forward to <nosuch>"), None, None, "main"),
]


@pytest.mark.parametrize("name,text,inc,line,where", BAD,
    ids=[b[0] for b in BAD])
def test_check_only_rejects_a_bad_file_with_its_file_and_line(name, text,
        inc, line, where, relayd_lab, relayd_bin):
    """
    CLI-4, 15.1: a bad file exits 1 with "file:line: message" on stderr,
    naming the included file and its own line when the error is there,
    and never "configuration OK"; nothing is installed.
    """
    rl = relayd_lab
    incpath = rl.lab.path("%s-inc.conf" % name)
    if inc is not None:
        with open(incpath, "w") as f:
            f.write(inc)
    path = rl.lab.write("%s.conf" % name, text % {"inc": incpath}
        if inc is not None else text)
    r = check_only(rl.box, path)
    assert r.returncode == 1, "exit %d: %s" % (r.returncode, r.stderr)
    assert "configuration OK" not in r.stderr, r.stderr
    want = path if where == "main" else incpath
    lines = [l for l in r.stderr.splitlines() if l.startswith(want + ":")]
    assert lines, "no %s:LINE: in stderr: %r" % (want, r.stderr)
    if line is not None:
        assert any(l.startswith("%s:%d: " % (want, line)) for l in lines), \
            "wanted %s:%d:, got %r" % (want, line, r.stderr)
    assert "inet " + NFT_TABLE not in nft_tables(rl.box)


def test_sigterm_removes_its_table_and_leaves_the_operators_table(
        relayd_lab, relayd):
    """
    13.1, IMP-14, 15.4: relayd's rules live in inet hakit_relayd only;
    an operator's table in the same namespace is the same before relayd
    starts, while it runs and after it stops.  SIGTERM: exit 0, every
    relayd process gone, its table gone, the VIP no longer redirected.
    """
    rl = relayd_lab
    add_user_table(rl.box)
    mine = rl.box.run(["nft", "list", "table", "inet", "lab_user"]).stdout
    d = start_scene(rl, relayd)
    assert "inet " + NFT_TABLE in nft_tables(rl.box), d.diag()
    assert not rl.fetch(10).errors
    assert rl.box.run(["nft", "list", "table", "inet",
        "lab_user"]).stdout == mine
    rc = d.stop(timeout=10)
    assert rc == 0, "relayd exit status %s\n%s" % (rc, d.log_text()[-2000:])
    wait_until(lambda: not d.pids(), 5, desc="every relayd process gone")
    assert "inet " + NFT_TABLE not in nft_tables(rl.box), \
        rl.box.run(["nft", "list", "ruleset"]).stdout
    assert rl.box.run(["nft", "list", "table", "inet",
        "lab_user"]).stdout == mine
    f = rl.fetch(5)
    assert not f.servers(), f


def test_relayd_refuses_to_start_on_a_bad_file(relayd_lab, relayd_bin):
    """
    CLI-4 again, at start: relayd -d on a bad file exits non-zero at
    once with file:line, and leaves no table behind.
    """
    rl = relayd_lab
    path = rl.lab.write("bad.conf", BAD[0][1])
    r = rl.box.run([RELAYD, "-d", "-f", path, "-s",
        rl.lab.path("bad.sock")], check=False, timeout=20)
    assert r.returncode != 0, r
    assert "%s:4:" % path in r.stderr, r.stderr
    assert "inet " + NFT_TABLE not in nft_tables(rl.box)


def test_an_interface_group_name_stands_for_its_interfaces(lab, relayd_bin):
    """
    CFG-4 on Linux: a group in relayd.conf (OpenBSD's "egress") is a
    link group, named in iproute2's group file.  "default" (group 0)
    gives the addresses of every interface still in group 0, IPv4 first;
    an interface moved to another group is left out.
    """
    h = lab.add_host("g")
    for i, addr in ((0, "192.0.2.7/24"), (1, "198.51.100.7/24")):
        h.run(["ip", "link", "add", "d%d" % i, "type", "veth", "peer",
            "name", "d%dp" % i])
        h.run(["ip", "addr", "add", addr, "dev", "d%d" % i])
    h.run(["ip", "link", "set", "d1", "group", "5"])
    conf = lab.write("group.conf", "table <web> { 198.51.100.11 }\n"
        'redirect "www" {\n\tlisten on default port 80\n'
        "\tforward to <web> port 80 check tcp\n}\n")
    r = h.run([RELAYD, "-nv", "-f", conf], check=False)
    assert r.returncode == 0, r.stderr
    assert re.findall(r"listen on (\S+) port 80", r.stdout) == \
        ["127.0.0.1", "192.0.2.7", "::1"], r.stdout
