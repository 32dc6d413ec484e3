#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The hakit Authors
#
# make demo: the talk's network in namespaces, failover shown live.
#
# A client and two routers r1, r2 sharing the client's gateway address
# 192.0.2.1 with carpd (CARP).  r1 is killed (kill -9, links down) while
# the client pings the VIP; r2 takes over; r1 comes back and preempts.
# The story is told by demo/demo.py; this wrapper makes sure nothing is
# left behind, whatever happens (error, Ctrl-C, SIGTERM).
#
# This first version has one segment (the client side).  Later issues add
# the inside network, pfsync between the routers and relayd in front of
# web servers, so that the client's TCP connection survives the failover.
set -u

cd "$(dirname "$0")/.." || exit 1

if [ "$(id -u)" -ne 0 ]; then
	echo "demo: must run as root (network namespaces)" >&2
	exit 1
fi
for b in carpd/carpd carpctl/carpctl; do
	if [ ! -x "$b" ]; then
		echo "demo: $b missing: run make" >&2
		exit 1
	fi
done

# Every namespace of this run starts with this tag.
TAG="hkd$$x"
HAKIT_DEMO_TAG="$TAG"
export HAKIT_DEMO_TAG

cleanup() {
	for ns in $(ip netns list 2>/dev/null | awk '{ print $1 }'); do
		case "$ns" in
		"$TAG"*) ;;
		*) continue ;;
		esac
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -9 "$pid" 2>/dev/null
		done
		ip netns del "$ns" 2>/dev/null
	done
	# The work directory (configs, sockets, logs) if demo.py could not
	# remove it itself.
	for d in "${TMPDIR:-/tmp}/$TAG"-*; do
		[ -d "$d" ] && rm -rf "$d"
	done
	return 0
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

/usr/bin/python3 demo/demo.py "$@"
