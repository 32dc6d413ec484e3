# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The hakit Authors
"""
The User-Mode Linux tier (spec sasyncd.md section 8(c)): boots the Debian
package's linux.uml with the host's filesystem as a read-only hostfs root,
runs one guest shell script (a "scenario") and returns what the guest
printed.  No KVM, no disk image, no root needed for the boot itself.

A scenario is a plain sh script under tests/uml/ (the guest sees the
whole host tree read-only through hostfs, so it can run the tree's
daemons, e.g. /work/main/carpd/carpd).  It runs as root in the guest,
after tests/uml/guest_init.sh mounted /proc, /sys, /dev, tmpfs on /run,
/tmp and /var/tmp, and loaded the modules.  In its environment:

  UML_TESTDIR  the directory of the scenario (source guestlib.sh there)
  UML_OUT      a host directory the guest may write (logs), kept after
               the run in build/results/uml-logs/<scenario>/
  UML_MODDIR   the -d argument for modprobe, for more modules
  HAKIT_REPO   the repository's top directory

It reports through lines "RESULT key=value ..." on its stdout (the
console); Run.results holds them.  Header lines of the scenario tune the
run:

  # uml-modules: nf_tables nf_conntrack   (added to DEFAULT_MODULES)
  # uml-timeout: 40                       (seconds for the scenario)
  # uml-mem: 384M

Every process started here stops by itself: the guest bounds the
scenario with timeout(1); a supervisor process (this file run with
--supervise) bounds the whole UML run, kills its process group when
late, and, being a child subreaper, reaps every UML helper process.

Command line: python3 tests/uml/uml.py [-v] [-t SECONDS] SCENARIO.sh
prints the console (live with -v) and exits with the scenario's status.
"""

import ctypes
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
GUEST_INIT = os.path.join(HERE, "guest_init.sh")
LINUX_UML = os.environ.get("HAKIT_LINUX_UML") or \
    shutil.which("linux.uml") or "/usr/bin/linux.uml"
MODULE_ROOT = "/usr/lib/uml/modules"
LOG_DIR = os.path.join(REPO, "build", "results", "uml-logs")

# Spec 6.6 / 8(c), in load order; then what carpd needs (its virtual
# addresses live on a macvlan, and it opens an IPv6 raw socket).
SPEC_MODULES = ("xfrm_user esp4 ah4 ipcomp authenc cbc hmac sha512_generic "
    "drbg echainiv seqiv deflate gcm ghash-generic ctr veth tunnel4 "
    "xfrm4_tunnel").split()
CARP_MODULES = ["macvlan", "ipv6"]
DEFAULT_MODULES = SPEC_MODULES + CARP_MODULES
# Not loaded by default (each list about 0.3 s more); a scenario asks
# for them with "# uml-modules:".  All present in the package (checked).
NETFILTER_MODULES = ("nf_tables nf_conntrack nf_conntrack_netlink nf_nat "
    "nft_ct nft_numgen nft_hash nft_masq xt_cluster").split()
INET6_XFRM_MODULES = "esp6 ah6 ipcomp6 tunnel6 xfrm6_tunnel".split()
LAB_MODULES = ["bridge", "dummy"]

BOOT_ALLOWANCE = 30     # seconds for boot, modules and power-off
DEFAULT_TIMEOUT = 60    # seconds for the scenario itself
DEFAULT_MEM = "256M"

RESULT_RE = re.compile(r"^RESULT\s+(.*)$")
END_RE = re.compile(r"^UML-SCENARIO-END rc=(\d+)")
HOST_RE = re.compile(r"^UML-HOST (.*)$")


def skip_reason():
    """Why this tier cannot run here, or None."""
    if not os.access(LINUX_UML, os.X_OK):
        return "linux.uml not found (apt-get install user-mode-linux)"
    if not os.path.isdir(MODULE_ROOT) or not os.listdir(MODULE_ROOT):
        return "no User-Mode Linux modules in %s" % MODULE_ROOT
    if shutil.which("modprobe") is None:
        return "modprobe not found (apt-get install kmod)"
    if re.search(r"\s", REPO):
        return "the repository path holds a blank: %r" % REPO
    return None


def program(name):
    """
    The path of a tree program for the guest: HAKIT_UML_<NAME> if set
    (e.g. HAKIT_UML_CARPD), else the tree's NAME/NAME.
    """
    return os.environ.get("HAKIT_UML_" + name.upper()) or \
        os.path.join(REPO, name, name)


def built_with_asan(path):
    try:
        with open(path, "rb") as f:
            return b"__asan_init" in f.read()
    except OSError:
        return False


def program_problem(name):
    """
    Why program(name) cannot run in the guest, or None.  ASan builds
    (make check's BUILD=asan) cannot: their shadow memory does not fit
    the address space of a UML process ("Shadow memory range
    interleaves with an existing memory mapping").
    """
    path = program(name)
    if not os.access(path, os.X_OK):
        return "%s is not built" % path
    if built_with_asan(path):
        return ("%s is an ASan build, which cannot run in User-Mode "
            "Linux; point HAKIT_UML_%s at a release build" %
            (path, name.upper()))
    return None


def program_env(*names):
    """Guest variables UML_<NAME>=path for scenarios."""
    return {"UML_" + n.upper(): program(n) for n in names}


def _scratch_dir():
    # UML maps its memory from a file in TMPDIR: tmpfs is much faster.
    for d in ("/dev/shm", None):
        if d is None or os.access(d, os.W_OK):
            return tempfile.mkdtemp(prefix="hakit-uml-", dir=d)
    return None


def _directives(path):
    """The '# uml-NAME: value' header lines of a scenario."""
    d = {}
    with open(path) as f:
        for line in f:
            m = re.match(r"^#\s*uml-([a-z]+):\s*(.*?)\s*$", line)
            if m:
                d[m.group(1)] = m.group(2)
    return d


class Run:
    """What one boot produced."""

    def __init__(self, scenario, console, wall, logdir):
        self.scenario = scenario
        self.console = console
        self.wall = wall                # host seconds, start to reaped
        self.logdir = logdir
        self.result_list = []           # (key, value) in console order
        self.rc = None                  # scenario's exit status
        self.host = {}                  # the supervisor's summary
        for line in console.splitlines():
            line = line.rstrip("\r")
            m = RESULT_RE.match(line)
            if m:
                for tok in m.group(1).split():
                    k, _, v = tok.partition("=")
                    self.result_list.append((k, v))
                continue
            m = END_RE.match(line)
            if m:
                self.rc = int(m.group(1))
                continue
            m = HOST_RE.match(line)
            if m:
                for tok in m.group(1).split():
                    k, _, v = tok.partition("=")
                    self.host[k] = v
        self.results = dict(self.result_list)
        self.timed_out = self.host.get("timed_out") == "1"
        self.leftover = int(self.host.get("leftover", "0"))

    def get(self, key, default=None):
        return self.results.get(key, default)

    def int(self, key):
        v = self.results.get(key)
        if v is None:
            raise KeyError("no RESULT %s in the console:\n%s" % (key,
                self.tail()))
        return int(v, 0)

    def tail(self, n=60):
        return "\n".join(self.console.splitlines()[-n:])

    def __repr__(self):
        return "<Run %s rc=%s wall=%.1fs>" % (
            os.path.basename(self.scenario), self.rc, self.wall)


def kernel_args(scenario, modules, timeout, mem, share, umid, uml_dir,
    env=None):
    args = ["mem=%s" % mem, "rootfstype=hostfs", "rootflags=/", "ro",
        "init=%s" % GUEST_INIT, "con=null", "ssl=null", "con0=fd:0,fd:1",
        "umid=%s" % umid, "uml_dir=%s" % uml_dir, "quiet",
        # Unknown NAME=value words become init's environment.
        "UML_SCENARIO=%s" % scenario,
        "UML_MODULES=%s" % ",".join(modules),
        "UML_TIMEOUT=%d" % timeout,
        "HAKIT_REPO=%s" % REPO]
    if share:
        args.append("UML_SHARE=%s" % share)
    for k, v in (env or {}).items():
        if not re.match(r"^[A-Z][A-Z0-9_]*$", k) or re.search(r"\s", v):
            raise ValueError("guest variable %s=%r" % (k, v))
        args.append("%s=%s" % (k, v))
    return args


def run(scenario, modules=None, extra_modules=(), timeout=None, mem=None,
    env=None, verbose=False, name=None, limit=None):
    """
    Boots the guest on `scenario` (a path) and returns a Run once every
    process of it is gone.  `timeout` bounds the scenario in the guest;
    the whole run gets BOOT_ALLOWANCE more on the host, or `limit`
    seconds in all.  `env` adds guest variables (no blanks in values).
    """
    why = skip_reason()
    if why:
        raise RuntimeError(why)
    scenario = os.path.abspath(scenario)
    if re.search(r"\s", scenario) or not os.path.isfile(scenario):
        raise ValueError("scenario %r" % scenario)
    d = _directives(scenario)
    if modules is None:
        modules = list(DEFAULT_MODULES)
    modules = list(modules) + list(extra_modules) + \
        d.get("modules", "").split()
    if timeout is None:
        timeout = int(d.get("timeout", DEFAULT_TIMEOUT))
    mem = mem or d.get("mem", DEFAULT_MEM)
    name = name or os.path.splitext(os.path.basename(scenario))[0]

    logdir = os.path.join(LOG_DIR, name)
    shutil.rmtree(logdir, ignore_errors=True)
    os.makedirs(logdir)
    scratch = _scratch_dir()
    umid = ("hakit-%d-%s" % (os.getpid(), name))[:40]
    argv = [LINUX_UML] + kernel_args(scenario, modules, timeout, mem,
        logdir, umid, scratch, env)
    if limit is None:
        limit = timeout + BOOT_ALLOWANCE
    sup = [sys.executable, os.path.abspath(__file__), "--supervise",
        str(limit), scratch, "--"] + argv
    t0 = time.monotonic()
    lines = []
    try:
        p = subprocess.Popen(sup, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            for raw in p.stdout:
                line = raw.decode("utf-8", "replace")
                lines.append(line)
                if verbose:
                    sys.stdout.write(line)
                    sys.stdout.flush()
            # The supervisor exits at most a few seconds after its limit.
            p.wait(timeout=15)
        finally:
            if p.poll() is None:
                # Interrupted: the supervisor kills and reaps UML on TERM.
                p.terminate()
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
            p.stdout.close()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    console = "".join(lines)
    # Logs only: the run's outcome never depends on them.
    try:
        os.makedirs(logdir, exist_ok=True)
        with open(os.path.join(logdir, "console.log"), "w") as f:
            f.write(console)
    except OSError:
        pass
    return Run(scenario, console, time.monotonic() - t0, logdir)


# --- Supervisor: a separate process, so that the reaping of UML's helper
# processes (PR_SET_CHILD_SUBREAPER) never touches the caller. ---

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36


def _session_members(sid):
    pids = []
    for e in os.listdir("/proc"):
        if not e.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % e) as f:
                st = f.read()
        except OSError:
            continue
        # pid (comm) state ppid pgrp session ...; comm may hold blanks.
        fields = st[st.rindex(")") + 2:].split()
        if int(fields[3]) == sid and fields[0] != "Z":
            pids.append(int(e))
    return pids


def _supervise(limit, scratch, argv):
    parent = os.getppid()
    stop = []

    def on_signal(signum, frame):
        stop.append(signum)

    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(s, on_signal)
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    # The caller killed (pytest's own timeout, SIGKILL): stop too.
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    if os.getppid() != parent:
        stop.append(signal.SIGTERM)
    env = dict(os.environ, TMPDIR=scratch)
    t0 = time.monotonic()
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, env=env,
        start_new_session=True)
    timed_out = 0
    while p.poll() is None:
        if stop or time.monotonic() - t0 > limit:
            timed_out = 0 if stop else 1
            break
        time.sleep(0.05)
    status = p.returncode
    # Whatever is left in UML's process group (everything, if it is late;
    # helpers, if it died): SIGKILL, then reap it all.  A ptrace-stopped
    # process still dies of SIGKILL.
    try:
        os.killpg(p.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    if status is None:
        status = p.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if pid == 0:
            time.sleep(0.02)
    leftover = _session_members(p.pid)
    for pid in leftover:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    # UML's memory file and mconsole socket live here.
    shutil.rmtree(scratch, ignore_errors=True)
    try:
        sys.stdout.flush()
        print("UML-HOST exit=%s timed_out=%d interrupted=%d leftover=%d "
            "wall=%.2f" % (status, timed_out, 1 if stop else 0,
            len(leftover), time.monotonic() - t0), flush=True)
    except OSError:
        pass    # the caller is gone
    return 124 if timed_out else 0


def main(argv):
    if len(argv) > 4 and argv[1] == "--supervise" and argv[4] == "--":
        return _supervise(float(argv[2]), argv[3], argv[5:])
    import argparse
    ap = argparse.ArgumentParser(description="Run one guest scenario in "
        "User-Mode Linux.")
    ap.add_argument("-t", "--timeout", type=int, default=None,
        help="seconds for the scenario (default: its header or %d)" %
        DEFAULT_TIMEOUT)
    ap.add_argument("-m", "--modules", default="",
        help="extra modules, comma-separated")
    ap.add_argument("-e", "--env", action="append", default=[],
        metavar="NAME=VALUE", help="a variable for the guest scenario")
    ap.add_argument("-v", "--verbose", action="store_true",
        help="show the console while it runs")
    ap.add_argument("scenario")
    a = ap.parse_args(argv[1:])
    why = skip_reason()
    if why:
        print("uml: cannot run: %s" % why, file=sys.stderr)
        return 77
    r = run(a.scenario, timeout=a.timeout,
        extra_modules=[m for m in a.modules.split(",") if m],
        env=dict(e.split("=", 1) for e in a.env), verbose=a.verbose)
    if not a.verbose:
        sys.stdout.write(r.console)
    print("uml: %s: scenario rc=%s, %.1f s, logs in %s" % (
        os.path.basename(r.scenario), r.rc, r.wall, r.logdir))
    if r.rc is None:
        return 1
    return r.rc


if __name__ == "__main__":
    sys.exit(main(sys.argv))
