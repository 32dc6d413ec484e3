#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The hakit Authors
#
# PID 1 of the User-Mode Linux guest (tests/uml/uml.py boots it).  The
# root is the host's filesystem, read-only over hostfs.  This script
# mounts what the guest needs, loads the kernel modules by hand, runs the
# scenario named by UML_SCENARIO under a time bound and powers off, on
# every path.  The kernel passes the unknown "NAME=value" words of its
# command line to init as environment variables: that is how uml.py
# hands over UML_SCENARIO, UML_MODULES, UML_TIMEOUT and UML_SHARE.
#
# Console protocol (parsed by uml.py): lines "RESULT key=value ...",
# then "UML-SCENARIO-END rc=N" and "UML-GUEST-END".

PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH

poweroff() {
	echo "UML-GUEST-END"
	sync
	echo o >/proc/sysrq-trigger
	# The power-off is asynchronous; never return to the kernel (PID 1
	# exiting panics it, which also ends the run, but noisily).
	sleep 30
	exit 0
}

trap poweroff EXIT

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /dev/pts /dev/shm 2>/dev/null
mount -t devpts devpts /dev/pts 2>/dev/null
mount -t tmpfs -o mode=1777 shm /dev/shm 2>/dev/null
# Writable places: /run (ip netns, control sockets), /tmp and /var/tmp.
mount -t tmpfs -o mode=755 run /run
mount -t tmpfs -o mode=1777 tmp /tmp
mount -t tmpfs -o mode=1777 vartmp /var/tmp
hostname uml-guest 2>/dev/null
ip link set lo up

echo "RESULT boot_uptime=$(cut -d' ' -f1 /proc/uptime) kernel=$(uname -r)"

# A host directory the guest can write to (logs for the host to keep).
if [ -n "${UML_SHARE:-}" ]; then
	mkdir -p /run/share
	if mount -t hostfs -o "$UML_SHARE" share /run/share; then
		UML_OUT=/run/share
	else
		echo "RESULT share=unavailable"
		UML_OUT=/tmp
	fi
else
	UML_OUT=/tmp
fi
export UML_OUT

# The guest cannot find the package's modules on its own: they live in
# /usr/lib/uml/modules/<version>, not /lib/modules.  modprobe -d DIR
# reads DIR/lib/modules/<version>.
KVER=$(uname -r)
UML_MODDIR=/run/uml-modules
mkdir -p "$UML_MODDIR/lib/modules"
ln -s "/usr/lib/uml/modules/$KVER" "$UML_MODDIR/lib/modules/$KVER"
export UML_MODDIR
# One modprobe for all (each exec over hostfs costs ~0.2 s); then each
# module is checked in /sys/module, where a loaded module always shows.
mods=$(echo "${UML_MODULES:-}" | tr , " ")
[ -n "$mods" ] && modprobe -a -d "$UML_MODDIR" $mods 2>&1 |
    sed 's/^/modprobe: /'
loaded=""
failed=""
for m in $mods; do
	if [ -d "/sys/module/$(echo "$m" | tr - _)" ]; then
		loaded="$loaded,$m"
	else
		failed="$failed,$m"
	fi
done
echo "RESULT modules_loaded=${loaded#,}"
echo "RESULT modules_failed=${failed#,}"
echo "RESULT modules_uptime=$(cut -d' ' -f1 /proc/uptime)"

if [ -z "${UML_SCENARIO:-}" ] || [ ! -r "$UML_SCENARIO" ]; then
	echo "RESULT error=no_scenario"
	echo "UML-SCENARIO-END rc=127"
	exit 0
fi
UML_TESTDIR=$(dirname "$UML_SCENARIO")
export UML_TESTDIR
t0=$(cut -d' ' -f1 /proc/uptime)
# Own process group: on time out, the whole scenario is killed.
timeout -k 2 "${UML_TIMEOUT:-60}" sh "$UML_SCENARIO"
rc=$?
t1=$(cut -d' ' -f1 /proc/uptime)
echo "RESULT scenario_seconds=$(echo "$t0 $t1" | awk '{printf "%.2f", $2 - $1}')"
echo "UML-SCENARIO-END rc=$rc"
exit 0
