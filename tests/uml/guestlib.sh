# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The hakit Authors
#
# Shell helpers for guest scenarios (sourced: . "$UML_TESTDIR/guestlib.sh").
# Everything runs as root inside the User-Mode Linux guest; nothing here
# ever prints key material (spec 6.5): SA fields are read one by one.

# Test keys, fixed: AES-128-CBC and HMAC-SHA1.
UML_ENC_KEY=0x00112233445566778899aabbccddeeff
UML_AUTH_KEY=0x0102030405060708090a0b0c0d0e0f1011121314

# result key=value ...: one line for the host (uml.py Run.results).
result() {
	echo "RESULT $*"
}

# say text: a comment on the console.
say() {
	echo "# $*"
}

# fail reason: reports and ends the scenario with status 1.
fail() {
	result "error=$1"
	exit 1
}

uptime_s() {
	cut -d' ' -f1 /proc/uptime
}

# netns_pair NS1 IF1 ADDR1/LEN NS2 IF2 ADDR2/LEN: two namespaces joined
# by a veth pair, links and lo up.
netns_pair() {
	ip netns add "$1" 2>/dev/null
	ip netns add "$4" 2>/dev/null
	ip link add "$2" netns "$1" type veth peer name "$5" netns "$4" ||
	    return 1
	ip -n "$1" addr add "$3" dev "$2" &&
	ip -n "$4" addr add "$6" dev "$5" &&
	ip -n "$1" link set lo up && ip -n "$1" link set "$2" up &&
	ip -n "$4" link set lo up && ip -n "$4" link set "$5" up
}

# netns_bridge NS BR: a namespace holding a bridge BR (a "switch").
netns_bridge() {
	ip netns add "$1" 2>/dev/null
	ip -n "$1" link add "$2" type bridge &&
	ip -n "$1" link set "$2" up && ip -n "$1" link set lo up
}

# netns_plug SWNS BR NS IF [ADDR/LEN]: a veth from NS's IF to the bridge.
netns_plug() {
	ip netns add "$3" 2>/dev/null
	ip -n "$3" link set lo up
	ip link add "$4" netns "$3" type veth peer name "$3-$4" \
	    netns "$1" || return 1
	ip -n "$1" link set "$3-$4" master "$2" &&
	ip -n "$1" link set "$3-$4" up &&
	ip -n "$3" link set "$4" up || return 1
	[ -z "${5:-}" ] || ip -n "$3" addr add "$5" dev "$4"
}

# esp_sa NS SRC DST SPI REQID [ip-xfrm-state options...]: an ESP tunnel
# SA with the fixed test keys.  The options go last (replay-oseq N...).
esp_sa() {
	_ns=$1 _src=$2 _dst=$3 _spi=$4 _reqid=$5
	shift 5
	ip -n "$_ns" xfrm state add src "$_src" dst "$_dst" proto esp \
	    spi "$_spi" reqid "$_reqid" mode tunnel replay-window 32 \
	    enc 'cbc(aes)' "$UML_ENC_KEY" auth 'hmac(sha1)' "$UML_AUTH_KEY" "$@"
}

# esp_sa_del NS SRC DST SPI
esp_sa_del() {
	ip -n "$1" xfrm state delete src "$2" dst "$3" proto esp spi "$4"
}

# tunnel_policy NS LOCALNET REMOTENET LOCALGW REMOTEGW REQID_OUT REQID_IN:
# out and in (and fwd) policies of an ESP tunnel.
tunnel_policy() {
	ip -n "$1" xfrm policy add src "$2" dst "$3" dir out \
	    tmpl src "$4" dst "$5" proto esp reqid "$6" mode tunnel &&
	ip -n "$1" xfrm policy add src "$3" dst "$2" dir in \
	    tmpl src "$5" dst "$4" proto esp reqid "$7" mode tunnel &&
	ip -n "$1" xfrm policy add src "$3" dst "$2" dir fwd \
	    tmpl src "$5" dst "$4" proto esp reqid "$7" mode tunnel
}

# sa_counters NS SRC DST SPI PREFIX: prints "PREFIX_seq=N PREFIX_oseq=N
# PREFIX_replay_window=N PREFIX_replay=N PREFIX_failed=N PREFIX_packets=N"
# (decimal) for one ESP SA, from `ip -s xfrm state get`; the key lines
# are never printed.  "PREFIX_missing=1" if there is no such SA.
sa_counters() {
	ip -n "$1" -s xfrm state get src "$2" dst "$3" proto esp spi "$4" \
	    2>/dev/null | awk -v p="$5" '
	function num(s,    n, j) {
		sub(/[,(].*/, "", s)
		if (s ~ /^0x/) {
			n = 0
			s = tolower(substr(s, 3))
			for (j = 1; j <= length(s); j++)
				n = n * 16 + index("0123456789abcdef",
				    substr(s, j, 1)) - 1
			return n
		}
		return s + 0
	}
	/anti-replay context:/ {
		for (i = 1; i <= NF; i++) {
			if ($i == "seq") seq = num($(i + 1))
			if ($i == "oseq") oseq = num($(i + 1))
		}
		found = 1
	}
	/^[ \t]*replay-window [0-9]+ replay [0-9]+ failed [0-9]+/ {
		rw = $2; rp = $4; fl = $6
	}
	/^[ \t]*[0-9]+\(bytes\), [0-9]+\(packets\)/ {
		pk = $2; sub(/\(packets\)/, "", pk)
	}
	END {
		if (!found) { printf "%s_missing=1\n", p; exit }
		printf "%s_seq=%d %s_oseq=%d %s_replay_window=%d " \
		    "%s_replay=%d %s_failed=%d %s_packets=%d\n",
		    p, seq, p, oseq, p, rw, p, rp, p, fl, p, pk
	}'
}

# xfrm_stat NS NAME: one counter of /proc/net/xfrm_stat in NS.
xfrm_stat() {
	ip netns exec "$1" awk -v k="$2" '$1 == k { print $2 }' \
	    /proc/net/xfrm_stat
}

# ping_count NS SRC DST COUNT: prints how many of COUNT echo requests
# were answered (bounded: 1 s per lost packet at most).
ping_count() {
	ip netns exec "$1" ping -n -q -c "$4" -i 0.2 -W 1 -I "$2" "$3" \
	    2>/dev/null | awk '/packets transmitted/ {
		for (i = 1; i <= NF; i++) if ($i ~ /^received/) print $(i - 1)
	    }' | grep . || echo 0
}

# wait_for SECONDS COMMAND...: runs COMMAND every 0.1 s until it succeeds
# or SECONDS pass (status 1).
wait_for() {
	_deadline=$(awk -v t="$(uptime_s)" -v d="$1" 'BEGIN { print t + d }')
	shift
	while :; do
		"$@" && return 0
		awk -v t="$(uptime_s)" -v d="$_deadline" \
		    'BEGIN { exit !(t > d) }' && return 1
		sleep 0.1
	done
}
