# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The hakit Authors
"""
pytest glue for the lab: root check, markers, a per-test time bound, and
the fixtures that build a Lab and always tear it down (test failure,
timeout, KeyboardInterrupt and SIGTERM included).

Fixtures:
  lab         an empty Lab; torn down after the test
  lan         Lan(lab): switch, nodes a and b, client c
  lan_factory lan_factory(nodes=..., attacker=...) for other shapes
  carpd       carpd(host, conf) -> a started Carpd (skips if not built,
              fails instead under HAKIT_LAB_STRICT=1)
"""

import os
import shutil
import signal
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import lab as labmod  # noqa: E402

TEST_TIMEOUT = int(os.environ.get("HAKIT_LAB_TIMEOUT", "120"))
LOG_DIR = os.path.join(labmod.REPO, "build", "results", "lab-logs")
_skip_all = None


class LabTimeout(Exception):
    pass


def _probe():
    """Why lab tests cannot run here, or None."""
    if os.geteuid() != 0:
        return "lab tests need root (network namespaces)"
    for tool in ("ip", "ping", "bridge"):
        if shutil.which(tool) is None:
            return "%s not installed" % tool
    name = "%s%dzzz-probe" % (labmod.NS_PREFIX, os.getpid())
    r = subprocess.run(["ip", "netns", "add", name], capture_output=True,
        text=True)
    if r.returncode != 0:
        return "cannot create a network namespace: %s" % r.stderr.strip()
    subprocess.run(["ip", "netns", "del", name], capture_output=True)
    return None


def _sigterm(signum, frame):
    # pytest turns KeyboardInterrupt into an orderly stop that runs the
    # fixture finalizers: make SIGTERM do the same.
    raise KeyboardInterrupt("SIGTERM")


def pytest_configure(config):
    global _skip_all
    _skip_all = _probe()
    if _skip_all is None:
        labmod.cleanup_stale()
        signal.signal(signal.SIGTERM, _sigterm)


def pytest_collection_modifyitems(config, items):
    if _skip_all:
        mark = pytest.mark.skip(reason=_skip_all)
        for item in items:
            item.add_marker(mark)


def pytest_runtest_setup(item):
    for m in item.iter_markers(name="needs"):
        for prog in m.args:
            if shutil.which(prog) is None:
                pytest.skip("%s not installed" % prog)


def _alarm(signum, frame):
    raise LabTimeout("test exceeded %d s" % TEST_TIMEOUT)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(TEST_TIMEOUT)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)


def _failed(request):
    for when in ("setup", "call"):
        rep = getattr(request.node, "rep_" + when, None)
        if rep is not None and rep.failed:
            return True
    return False


def _keep_logs(lab, request):
    """Copies the lab directory (configs, logs) to build/results."""
    safe = "".join(c if c.isalnum() or c in "-_." else "_"
        for c in request.node.name)
    dst = os.path.join(LOG_DIR, safe)
    shutil.rmtree(dst, ignore_errors=True)
    try:
        shutil.copytree(lab.workdir, dst, ignore=shutil.ignore_patterns(
            "*.sock"))
    except OSError:
        return None
    return dst


@pytest.fixture
def lab(request):
    l = labmod.Lab(keep_dir=True)
    try:
        yield l
    finally:
        err = None
        try:
            l.teardown()
        except labmod.LabError as e:
            err = e
        bad = [(d, d.sanitizer_report()) for d in
            getattr(l, "daemons", []) if not d.sanitizer_checked]
        bad = [(d, r) for d, r in bad if r]
        if _failed(request) or bad or err:
            where = _keep_logs(l, request)
            if where:
                print("lab logs kept in %s" % where)
            for d in getattr(l, "daemons", []):
                print("--- %s log (tail) ---\n%s" % (d.name,
                    d.log_text()[-4000:]))
        shutil.rmtree(l.workdir, ignore_errors=True)
        if bad:
            pytest.fail("sanitizer report from %s:\n%s" % (
                bad[0][0].name, bad[0][1]), pytrace=False)
        if err:
            raise err


@pytest.fixture
def lan_factory(lab):
    def make(**kw):
        return labmod.Lan(lab, **kw)
    return make


@pytest.fixture
def lan(lab):
    return labmod.Lan(lab)


@pytest.fixture
def carpd(lab):
    """carpd(host, conf, **kw) -> a started Carpd."""
    for prog in (labmod.CARPD, labmod.CARPCTL):
        if not os.access(prog, os.X_OK):
            msg = "%s is not built" % os.path.relpath(prog,
                labmod.REPO)
            if os.environ.get("HAKIT_LAB_STRICT") == "1":
                pytest.fail(msg, pytrace=False)
            pytest.skip(msg)

    def start(host, conf, wait=True, **kw):
        return labmod.Carpd(host, conf, **kw).start(wait=wait)
    return start


# --- pfsyncd: tests/lab/pfsync_lab.py ---

def _need_programs(progs):
    """Skips (fails under HAKIT_LAB_STRICT=1) unless every program in
    progs (paths or names on PATH) can run."""
    for prog in progs:
        ok = os.access(prog, os.X_OK) if os.sep in prog else \
            shutil.which(prog) is not None
        if not ok:
            msg = "%s is not %s" % (os.path.relpath(prog, labmod.REPO)
                if os.sep in prog else prog,
                "built" if os.sep in prog else "installed")
            if os.environ.get("HAKIT_LAB_STRICT") == "1":
                pytest.fail(msg, pytrace=False)
            pytest.skip(msg)


@pytest.fixture
def pfsyncd(lab):
    """pfsyncd(host, conf, **kw) -> a started Pfsyncd."""
    import pfsync_lab
    _need_programs((pfsync_lab.PFSYNCD, pfsync_lab.PFSYNCCTL))

    def start(host, conf, wait=True, **kw):
        return pfsync_lab.Pfsyncd(host, conf, **kw).start(wait=wait)
    return start


@pytest.fixture
def fwpair_factory(lab):
    """fwpair_factory(attacker=False) -> a FwPair: client, two NAT
    firewalls with a sync link, server (nftables loaded, no daemons)."""
    import pfsync_lab
    _need_programs(("nft", "conntrack"))

    def make(**kw):
        return pfsync_lab.FwPair(lab, **kw)
    return make


@pytest.fixture
def fwpair(fwpair_factory):
    return fwpair_factory()


# --- dhcpd: tests/lab/dhcp_lab.py ---

@pytest.fixture
def dhcpd(lab):
    """dhcpd(host, conf, **kw) -> a started Dhcpd (kw: Dhcpd's: listen,
    targets, key, ifaces, extra)."""
    import dhcp_lab
    _need_programs((dhcp_lab.DHCPD, dhcp_lab.DHCPCTL))

    def start(host, conf, wait=True, **kw):
        return dhcp_lab.Dhcpd(host, conf, **kw).start(wait=wait)
    return start


@pytest.fixture
def dhcp_lan(lab):
    """dhcp_lan(servers=1, clients=1, attacker=False) -> a DhcpLan."""
    import dhcp_lab

    def make(**kw):
        return dhcp_lab.DhcpLan(lab, **kw)
    return make


@pytest.fixture
def udhcpc(lab):
    """udhcpc(host, **kw) -> a Udhcpc (busybox) for host's eth1."""
    import dhcp_lab
    _need_programs(("busybox",))

    def make(host, **kw):
        return dhcp_lab.Udhcpc(host, **kw)
    return make


@pytest.fixture
def dhclient(lab):
    """dhclient(host) -> a Dhclient (ISC) for host's eth1; a child still
    running at the end is stopped by the pid in its pid file."""
    import dhcp_lab
    _need_programs(("dhclient",))
    made = []

    def make(host, **kw):
        d = dhcp_lab.Dhclient(host, **kw)
        made.append(d)
        return d
    try:
        yield make
    finally:
        for d in made:
            try:
                d.stop()
            except labmod.LabError:
                pass


@pytest.fixture
def dhcp_nft(lab):
    """Skips unless nft is installed (the -A/-C/-L set tests read the
    sets with it)."""
    _need_programs(("nft",))
    return True


# --- relayd: tests/lab/relayd_lab.py (begin) ---

@pytest.fixture
def relayd_lab(lab, request):
    """A RelaydLab: client, relayd box, web servers s1..s4 running
    websrv.py (no relayd).  A test that also wants relayd skips (fails
    under HAKIT_LAB_STRICT=1) before the lab is built."""
    import relayd_lab as rl
    if {"relayd", "relayd_bin"} & set(request.fixturenames):
        _need_programs((rl.RELAYD, rl.RELAYCTL))
    _need_programs(("nft", "openssl"))
    return rl.RelaydLab(lab)


@pytest.fixture
def relayd_bin(lab):
    """The relayd program (for -n), or a skip (a failure under
    HAKIT_LAB_STRICT=1) while it is not built; makes the relayd user
    when missing."""
    import relayd_lab as rl
    _need_programs((rl.RELAYD, rl.RELAYCTL, "nft"))
    rl.ensure_user()
    return rl.RELAYD


@pytest.fixture
def relayd(lab, relayd_bin):
    """relayd(host, conf, **kw) -> a started Relayd (relayd -d -f CONF
    -s SOCK in host), stopped by the lab's teardown."""
    import relayd_lab as rl

    def start(host, conf, wait=True, **kw):
        return rl.Relayd(host, conf, **kw).start(wait=wait)
    return start

# --- relayd (end) ---


# --- sasyncd: tests/lab/sasync_lab.py ---

@pytest.fixture
def sasyncd(lab):
    """sasyncd(host, conf, **kw) -> a started Sasyncd (kw: args)."""
    import sasync_lab
    _need_programs((sasync_lab.SASYNCD, sasync_lab.SASYNCCTL))

    def start(host, conf, wait=True, **kw):
        return sasync_lab.Sasyncd(host, conf, **kw).start(wait=wait)
    return start


@pytest.fixture
def gateways(lab):
    """Two gateways on one switch, with fake carpds stopped at the end."""
    import sasync_lab
    g = sasync_lab.Gateways(lab)
    yield g
    g.stop()


@pytest.fixture
def gateways3(lab):
    import sasync_lab
    g = sasync_lab.Gateways(lab, n=3)
    yield g
    g.stop()
