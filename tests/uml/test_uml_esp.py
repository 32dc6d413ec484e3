# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The hakit Authors
"""
Real ESP SAs and traffic in a User-Mode Linux guest (spec sasyncd.md
8(c)), no daemon yet: the kernel modules load, every algorithm family
sasyncd must carry can be installed, and spec 6.4's experiment holds: an
outbound SA re-installed with a synced oseq is accepted by the peer, one
re-installed with oseq 0 is dropped by the peer's replay window.

Skips when linux.uml (Debian user-mode-linux) is not installed.
"""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import uml  # noqa: E402

pytestmark = pytest.mark.skipif(uml.skip_reason() is not None,
    reason=str(uml.skip_reason()))

N = 3   # echo requests per phase (scenario_esp.sh)


@pytest.fixture(scope="module")
def esp():
    r = uml.run(os.path.join(uml.HERE, "scenario_esp.sh"))
    assert r.leftover == 0, "UML processes left running: %s" % r.host
    assert not r.timed_out, "UML run timed out:\n%s" % r.tail()
    assert r.rc == 0, "scenario exit %s (logs in %s):\n%s" % (r.rc,
        r.logdir, r.tail())
    assert r.get("done") == "1", r.tail()
    return r


def test_the_guest_boots_and_loads_every_module_the_spec_lists(esp):
    loaded = esp.get("modules_loaded", "").split(",")
    assert esp.get("modules_failed") == "", esp.tail()
    for m in uml.DEFAULT_MODULES:
        assert m in loaded, "%s not loaded" % m
    assert esp.get("kernel", "").startswith("6.")
    # Spec 8(c): a boot of about 1.3 s; allow a slow or busy host.
    assert float(esp.get("boot_uptime")) < 10


@pytest.mark.parametrize("probe", ["esp_cbc_sha1", "esp_cbc_sha256",
    "esp_gcm", "ah_sha1", "ipcomp_tunnel"])
def test_every_algorithm_family_can_be_installed_as_an_sa(esp, probe):
    assert esp.get("probe_" + probe) == "ok", esp.tail()


def test_a_fresh_esp_tunnel_carries_pings_with_counters_in_step(esp):
    assert esp.int("plain_ping") == 1
    assert esp.int("base_ping") == N
    assert esp.int("base_a_out_oseq") == N
    assert esp.int("base_a_out_packets") == N
    assert esp.int("base_b_in_seq") == N
    assert esp.int("base_b_in_replay_window") == 0
    assert esp.int("base_b_in_replay") == 0


def test_an_outbound_sa_reinstalled_with_oseq_1000_is_accepted(esp):
    assert esp.int("o1000_a_out_before_oseq") == 1000
    assert esp.int("o1000_ping") == N
    # Sent 0x3e9, 0x3ea, 0x3eb: the receiver's window moved there.
    assert esp.int("o1000_a_out_oseq") == 1000 + N
    assert esp.int("o1000_b_in_seq") == 1000 + N
    assert esp.int("o1000_b_in_replay_window") == 0
    assert esp.int("o1000_b_seqerr") == 0


def test_an_outbound_sa_reinstalled_with_oseq_0_is_dropped_as_replay(esp):
    assert esp.int("o0_ping") == 0
    assert esp.int("o0_a_out_oseq") == N
    # Sequence numbers 1..3 fall behind the window's top, 1003.
    assert esp.int("o0_b_in_seq") == 1000 + N
    assert esp.int("o0_b_in_replay_window") == N
    assert esp.int("o0_b_seqerr") == N


def test_the_run_stops_by_itself_and_leaves_no_process(esp):
    assert esp.host.get("exit") == "0"
    assert esp.leftover == 0
    # Boot, modules, scenario and power-off well inside the bound.
    assert esp.wall < uml.BOOT_ALLOWANCE + 40


def test_a_scenario_past_its_time_is_ended_by_the_guest():
    # scenario_hang.sh sleeps past its "uml-timeout: 2"; timeout(1) in
    # the guest ends it, and the guest still powers off.
    r = uml.run(os.path.join(uml.HERE, "scenario_hang.sh"), modules=[])
    assert r.get("started") == "1"
    assert r.rc == 124, r.tail()
    assert not r.timed_out
    assert r.leftover == 0
    assert r.wall < 20


def test_a_guest_past_the_host_limit_is_killed_with_all_its_helpers():
    r = uml.run(os.path.join(uml.HERE, "scenario_hang.sh"), modules=[],
        timeout=60, limit=4, name="scenario_hang_host")
    assert r.timed_out, r.tail()
    assert r.rc is None
    assert r.leftover == 0
    assert r.wall < 15
