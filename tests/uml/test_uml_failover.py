# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The hakit Authors
"""
Two gateways with carpd and sasyncd in a User-Mode Linux guest, an ESP
tunnel to a remote peer, the master killed (scenario_failover.sh): the
backup carries the tunnel on and the peer's replay window drops
nothing.  The control run ("nosync") copies the SAs by hand with the
outbound counter at 0, as a syncer without counter sync would, and the
peer drops the backup's packets: the assertions can fail.

Skips when linux.uml is missing, or a program is an ASan build (which
cannot run in UML): make check points HAKIT_UML_CARPD, _CARPCTL,
_SASYNCD and _SASYNCCTL at release builds (make uml).
"""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import uml  # noqa: E402

SCENARIO = os.path.join(uml.HERE, "scenario_failover.sh")
PROGRAMS = ("carpd", "carpctl", "sasyncd", "sasyncctl")
PINGS = 150


def _why_not():
    return uml.skip_reason() or uml.program_problem("carpd") or \
        uml.program_problem("carpctl")


def _why_not_sasyncd():
    return uml.program_problem("sasyncd") or \
        uml.program_problem("sasyncctl")


pytestmark = pytest.mark.skipif(_why_not() is not None,
    reason=str(_why_not()))


def failover(sync):
    env = uml.program_env(*PROGRAMS)
    env["SYNC"] = sync
    r = uml.run(SCENARIO, env=env, name="failover_" + sync)
    assert r.leftover == 0, "UML processes left running: %s" % r.host
    assert not r.timed_out, r.tail()
    assert r.rc == 0 and r.get("done") == "1", \
        "scenario exit %s (logs in %s):\n%s" % (r.rc, r.logdir, r.tail())
    assert r.get("sync") == sync
    assert r.get("carp_gw1") == "MASTER" and r.get("carp_gw2") == "BACKUP"
    # carpd's master-down at advskew 100: 3 * (1 + 100/256) s.
    assert 2.5 < float(r.get("takeover_s")) < 8, r.get("takeover_s")
    assert r.int("pings_sent") == PINGS
    return r


def assert_no_replay_loss(r):
    # gw2 held the SA and the out, in and fwd policies before the kill.
    assert r.get("synced_gw2_out_missing") is None
    assert r.int("gw2_policies") == 3
    # Traffic goes on through gw2 to the end.
    assert r.int("pings_last20") == 20, r.tail()
    # The peer's inbound SA accepted everything the new master sent.
    assert r.int("peer_in_replay_window") == 0
    assert r.int("peer_in_replay") == 0
    assert r.int("peer_seqerr") == 0
    # gw2 sent above what gw1 had sent.
    assert r.int("gw2_out_packets") > 0
    assert r.int("peer_in_seq") == r.int("gw2_out_oseq")
    assert r.int("synced_gw2_out_oseq") > r.int("before_peer_in_seq")


def test_without_counter_sync_the_peer_drops_the_backups_packets():
    r = failover("nosync")
    assert r.int("synced_gw2_out_oseq") == 0
    assert r.int("peer_seqerr") > 0
    assert r.int("peer_in_replay_window") + r.int("peer_in_replay") > 0
    # Until gw2's counter overtakes gw1's, its packets are all dropped.
    assert r.int("pings_answered") < PINGS - r.int("before_peer_in_seq")


@pytest.mark.skipif(_why_not_sasyncd() is not None,
    reason=str(_why_not_sasyncd()))
def test_sasyncd_syncs_the_sas_and_the_peer_sees_no_replay_failure():
    assert_no_replay_loss(failover("sasyncd"))
