#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The hakit Authors
#
# make demo: the talk's network in namespaces, failover shown live.
#
# A client and a server on either side of two stateful NAT firewalls
# that share their gateway addresses with carpd and their conntrack
# table with pfsyncd.  A TCP stream runs through fw1; fw1 is killed
# (kill -9, links down); fw2 carries the stream on, every byte checked.
# Then the same scene without pfsyncd, where the stream dies; relayd on
# the pair in front of two web servers; sasyncd's ESP failover in a UML
# guest when linux.uml is there.  The story is told by demo/demo.py; this wrapper makes sure nothing is left
# behind, whatever happens (error, Ctrl-C, SIGTERM).
set -u

cd "$(dirname "$0")/.." || exit 1

if [ "$(id -u)" -ne 0 ]; then
	echo "demo: must run as root (network namespaces)" >&2
	exit 1
fi
for b in carpd/carpd carpctl/carpctl pfsyncd/pfsyncd pfsyncctl/pfsyncctl \
    sasyncd/sasyncd sasyncctl/sasyncctl relayd/relayd relayctl/relayctl; do
	if [ ! -x "$b" ]; then
		echo "demo: $b missing: run make" >&2
		exit 1
	fi
done

# demo.py's namespaces carry its pid; once it is gone, the lab's own
# cleanup removes whatever it could not (it ends their processes by pid).
cleanup() {
	/usr/bin/python3 -c 'import sys; sys.dont_write_bytecode = True
sys.path.insert(0, "tests/lab"); import lab; lab.cleanup_stale()' \
	    >/dev/null 2>&1
	return 0
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

/usr/bin/python3 demo/demo.py "$@"
