# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The hakit Authors
#
# Guest scenario (DRAFT, run by tests/uml/uml.py): two VPN gateways share
# a VIP with carpd; sasyncd copies the master's ESP SAs and policies to
# the backup; a remote peer pings through the tunnel; the master dies;
# the pings go on through the backup and the peer's replay window drops
# nothing (spec sasyncd.md 8(c)).
#
#              sw (bridge br0, 192.0.2.0/24)
#      +-------------+--------------+
#    gw1 eth1 .1   gw2 eth1 .2     peer eth1 .20
#    carp0 VIP .10 (vhid 1)         inner 203.0.113.129/25 on lo
#    inner 203.0.113.1 on lo (the protected net, on both gateways)
#    gw1 eth2 198.51.100.1 ==sync link (veth)== gw2 eth2 198.51.100.2
#
# ESP tunnel VIP <-> peer: SPI 0x3001 VIP->peer (the one whose replay
# counters the peer checks), 0x3002 peer->VIP.  The SAs are set on gw1 by
# hand, as an IKE daemon would.
#
# SYNC (guest variable, uml.run(env={"SYNC": ...})):
#   sasyncd  gw2 gets the SAs, policies and replay updates from
#            sasyncd (the test);
#   manual   the SAs are copied to gw2 by hand once, before the kill,
#            with oseq = gw1's oseq + MARGIN (checks the guest alone);
#   nosync   as manual with oseq 0: the control run, where the peer's
#            replay-window counter rises.
# The default is sasyncd when sasyncd is built, else manual.
#
# uml-timeout: 60
# uml-modules: bridge

. "$UML_TESTDIR/guestlib.sh"

# The programs (uml.program_env() passes UML_CARPD...; release builds:
# ASan ones cannot run in UML).
REPO=${HAKIT_REPO:-/work/main}
CARPD=${UML_CARPD:-$REPO/carpd/carpd}
CARPCTL=${UML_CARPCTL:-$REPO/carpctl/carpctl}
SASYNCD=${UML_SASYNCD:-$REPO/sasyncd/sasyncd}
SASYNCCTL=${UML_SASYNCCTL:-$REPO/sasyncctl/sasyncctl}
if [ -z "${SYNC:-}" ]; then
	if [ -x "$SASYNCD" ]; then SYNC=sasyncd; else SYNC=manual; fi
fi
result sync=$SYNC
[ -x "$CARPD" ] && [ -x "$CARPCTL" ] || fail carpd_not_built
[ $SYNC != sasyncd ] || [ -x "$SASYNCCTL" ] || fail sasyncd_not_built

VIP=192.0.2.10 PEER=192.0.2.20
GWNET=203.0.113.0/25 GWIN=203.0.113.1
PEERNET=203.0.113.128/25 PEERIN=203.0.113.129
SPI_OUT=0x3001 SPI_IN=0x3002   # as seen from the gateways
MARGIN=1000                    # spec 6.4: > packets between two syncs
PINGS=150                      # 0.1 s apart: 15 s of traffic at most
W=/run/failover
mkdir -p $W /run/hakit

pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	sleep 0.2
	for p in $pids; do kill -9 "$p" 2>/dev/null; done
	cp $W/*.log $W/*.conf "$UML_OUT/" 2>/dev/null
}
trap cleanup EXIT

# bg NS NAME CMD...: a daemon in NS, its output in $W/NAME.log (copied
# to $UML_OUT at the end), its pid in $W/NAME.pid (ip netns exec execs
# the command: same pid).
bg() {
	_ns=$1 _name=$2
	shift 2
	ip netns exec "$_ns" "$@" >"$W/$_name.log" 2>&1 &
	pids="$pids $!"
	echo $! >"$W/$_name.pid"
}

carp_state() {
	"$CARPCTL" -s "/run/hakit/$1-carpd.sock" show -j 2>/dev/null |
	    tr -d ' \n' | sed -n 's/.*"state":"\([A-Z]*\)".*/\1/p'
}
is_state() {
	[ "$(carp_state "$1")" = "$2" ]
}

# --- Topology ---
netns_bridge sw br0 || fail bridge
netns_plug sw br0 gw1 eth1 192.0.2.1/24 || fail plug
netns_plug sw br0 gw2 eth1 192.0.2.2/24 || fail plug
netns_plug sw br0 peer eth1 $PEER/24 || fail plug
netns_pair gw1 eth2 198.51.100.1/24 gw2 eth2 198.51.100.2/24 || fail sync
for gw in gw1 gw2; do
	ip -n $gw addr add $GWIN/32 dev lo
	ip -n $gw route add $PEERNET dev eth1 src $GWIN
	ip netns exec $gw sysctl -qw net.ipv4.ip_forward=1
done
ip -n peer addr add $PEERIN/32 dev lo
ip -n peer route add $GWNET dev eth1 src $PEERIN

# --- carpd on both gateways ---
for gw in gw1 gw2; do
	[ $gw = gw1 ] && skew=0 || skew=100
	cat >$W/$gw-carpd.conf <<EOF
set preempt no
carp0 {
	carpdev eth1
	vhid 1
	pass "uml lab pass"
	advbase 1
	advskew $skew
	inet $VIP/24
}
EOF
	chmod 600 $W/$gw-carpd.conf
	bg $gw ${gw}_carpd "$CARPD" -d -f $W/$gw-carpd.conf \
	    -s /run/hakit/$gw-carpd.sock
done
# sasyncd's role and connection, from sasyncctl show -j.
sa_role() {
	"$SASYNCCTL" -s /run/hakit/$1-sasyncd.sock show -j 2>/dev/null |
	    grep -m1 '"state"' | grep -q "\"$2\""
}
sa_connected() {
	"$SASYNCCTL" -s /run/hakit/$1-sasyncd.sock show -j 2>/dev/null |
	    grep -Eq '"connection": "(incoming|outgoing)"'
}
oseq_above() {
	o=$(sa_counters "$1" $VIP $PEER $SPI_OUT x |
	    sed -n 's/.*x_oseq=\([0-9]*\).*/\1/p')
	[ -n "$o" ] && [ "$o" -gt "$2" ]
}
has_state() {
	[ -n "$(carp_state "$1")" ]
}
wait_for 5 has_state gw1 || fail carpd_gw1_start
wait_for 5 has_state gw2 || fail carpd_gw2_start
"$CARPCTL" -s /run/hakit/gw1-carpd.sock carp0 state master >/dev/null
wait_for 10 is_state gw1 MASTER || fail gw1_not_master
wait_for 10 is_state gw2 BACKUP || fail gw2_not_backup
result "carp_gw1=$(carp_state gw1)" "carp_gw2=$(carp_state gw2)"

# --- sasyncd on both gateways ---
if [ $SYNC = sasyncd ]; then
	for gw in gw1 gw2; do
		[ $gw = gw1 ] && other=198.51.100.2 || other=198.51.100.1
		[ $gw = gw1 ] && me=198.51.100.1 || me=198.51.100.2
		cat >$W/$gw-sasyncd.conf <<EOF
interface carp0
listen on $me
peer $other
sharedkey 0x00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff
flushmode startup
control none
replay margin $MARGIN
replay interval 1
EOF
		chmod 600 $W/$gw-sasyncd.conf
		bg $gw ${gw}_sasyncd "$SASYNCD" -d -v -c $W/$gw-sasyncd.conf \
		    -s /run/hakit/$gw-sasyncd.sock \
		    -C /run/hakit/$gw-carpd.sock
	done
	wait_for 10 sa_role gw1 MASTER || fail sasyncd_gw1_not_master
	wait_for 10 sa_role gw2 SLAVE || fail sasyncd_gw2_not_slave
	wait_for 10 sa_connected gw1 || fail sasyncd_not_connected
fi

# --- The tunnel: SAs and policies by hand on gw1 (an IKE daemon's job)
# and on the peer ---
esp_sa gw1 $VIP $PEER $SPI_OUT 1 || fail sa_gw1
esp_sa gw1 $PEER $VIP $SPI_IN 2 || fail sa_gw1
tunnel_policy gw1 $GWNET $PEERNET $VIP $PEER 1 2 || fail policy_gw1
esp_sa peer $VIP $PEER $SPI_OUT 1 || fail sa_peer
esp_sa peer $PEER $VIP $SPI_IN 2 || fail sa_peer
tunnel_policy peer $PEERNET $GWNET $PEER $VIP 2 1 || fail policy_peer

# The peer's traffic, bounded: PINGS echo requests 0.1 s apart.
ip netns exec peer ping -n -i 0.1 -W 1 -c $PINGS -I $PEERIN $GWIN \
    >$W/peer-ping.log 2>&1 &
pid_ping=$!
pids="$pids $pid_ping"
sleep 3
result "$(sa_counters gw1 $VIP $PEER $SPI_OUT pre_gw1_out)"

# --- gw2 gets the SAs ---
case $SYNC in
sasyncd)
	# Both SAs and the three policies on gw2, and a replay update
	# (NEWAE) has moved gw2's outbound counter past the margin the
	# first copy had: the master's traffic is being followed.
	wait_for 10 sh -c "ip -n gw2 xfrm state list spi $SPI_OUT |
	    grep -q ." || fail sa_not_synced
	wait_for 10 sh -c "ip -n gw2 xfrm state list spi $SPI_IN |
	    grep -q ." || fail sa_in_not_synced
	wait_for 10 sh -c "[ \$(ip -n gw2 xfrm policy | grep -c '^src') \
	    -eq 3 ]" || fail policies_not_synced
	wait_for 10 oseq_above gw2 $MARGIN || fail no_replay_update
	;;
manual|nosync)
	oseq=$(sa_counters gw1 $VIP $PEER $SPI_OUT x |
	    sed -n 's/.*x_oseq=\([0-9]*\).*/\1/p')
	[ $SYNC = manual ] && oseq=$((oseq + MARGIN)) || oseq=0
	esp_sa gw2 $VIP $PEER $SPI_OUT 1 replay-oseq $oseq || fail sa_gw2
	esp_sa gw2 $PEER $VIP $SPI_IN 2 || fail sa_gw2
	tunnel_policy gw2 $GWNET $PEERNET $VIP $PEER 1 2 || fail policy_gw2
	;;
esac
result "$(sa_counters gw2 $VIP $PEER $SPI_OUT synced_gw2_out)"
result "gw2_policies=$(ip -n gw2 xfrm policy | grep -c '^src')"
sleep 1

# --- The master dies: carpd (and sasyncd) killed, its links down ---
result "$(sa_counters peer $VIP $PEER $SPI_OUT before_peer_in)"
t_kill=$(uptime_s)
kill -9 "$(cat $W/gw1_carpd.pid)"
[ $SYNC != sasyncd ] || kill -9 "$(cat $W/gw1_sasyncd.pid)"
ip -n gw1 link set eth1 down
ip -n gw1 link set eth2 down
wait_for 10 is_state gw2 MASTER || fail gw2_no_takeover
result "takeover_s=$(awk -v a="$t_kill" -v b="$(uptime_s)" \
    'BEGIN { printf "%.2f", b - a }')"

# Let the pings finish (they are bounded), then count.
wait $pid_ping
result "$(sa_counters peer $VIP $PEER $SPI_OUT peer_in)"
result "$(sa_counters gw2 $VIP $PEER $SPI_OUT gw2_out)"
result "peer_seqerr=$(xfrm_stat peer XfrmInStateSeqError)"
sent=$(awk '/packets transmitted/ { print $1 }' $W/peer-ping.log)
got=$(awk '/packets transmitted/ { print $4 }' $W/peer-ping.log)
result pings_sent=$sent pings_answered=$got
# The last 20 requests must all be answered: traffic goes on via gw2.
last=$(awk -v n=$PINGS '/icmp_seq=/ { sub(/.*icmp_seq=/, ""); s = $1 + 0
	if (s > n - 20) c++ } END { print c + 0 }' $W/peer-ping.log)
result pings_last20=$last
result done=1
