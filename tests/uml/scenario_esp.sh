# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The hakit Authors
#
# Guest scenario (run by tests/uml/uml.py, no daemon): an ESP tunnel set by
# hand with ip xfrm between two namespaces, then spec 6.4's experiment.
# The outbound SA of "a" is re-installed twice, as a new master would:
# with oseq 1000 (a synced counter plus a margin: the receiver accepts
# 0x3e9..) and with oseq 0 (no counter sync: the receiver drops 1, 2, 3
# as outside its replay window).
#
#   a: va 192.0.2.1/24, inner 198.51.100.1  ==ESP==  b: vb 192.0.2.2/24,
#   inner 198.51.100.2.  SPI 0x1001 a->b, 0x1002 b->a.
#
# uml-timeout: 40

. "$UML_TESTDIR/guestlib.sh"

A=192.0.2.1 B=192.0.2.2 IA=198.51.100.1 IB=198.51.100.2
N=3

netns_pair a va $A/24 b vb $B/24 || fail netns
ip -n a addr add $IA/32 dev lo
ip -n b addr add $IB/32 dev lo
ip -n a route add $IB/32 dev va src $IA
ip -n b route add $IA/32 dev vb src $IB
result "plain_ping=$(ping_count a $A $B 1)"

# Every algorithm family the spec needs: an SA add allocates the crypto
# transform, so each probe shows whether the modules are there.
probe() {
	_name=$1
	shift
	if ip -n a xfrm state add src 203.0.113.1 dst 203.0.113.2 "$@" \
	    2>/tmp/probe.err; then
		result "probe_$_name=ok"
	else
		result "probe_$_name=fail"
		say "$_name: $(cat /tmp/probe.err)"
	fi
}
probe esp_cbc_sha1 proto esp spi 0x2001 mode tunnel \
    enc 'cbc(aes)' $UML_ENC_KEY auth 'hmac(sha1)' $UML_AUTH_KEY
probe esp_cbc_sha256 proto esp spi 0x2002 mode tunnel \
    enc 'cbc(aes)' $UML_ENC_KEY \
    auth-trunc 'hmac(sha256)' ${UML_ENC_KEY}${UML_ENC_KEY#0x} 128
probe esp_gcm proto esp spi 0x2003 mode tunnel \
    aead 'rfc4106(gcm(aes))' ${UML_ENC_KEY}01020304 128
probe ah_sha1 proto ah spi 0x2004 mode tunnel auth 'hmac(sha1)' $UML_AUTH_KEY
probe ipcomp_tunnel proto comp spi 0x2005 mode tunnel comp deflate
ip -n a xfrm state flush

for ns in a b; do
	esp_sa $ns $A $B 0x1001 1 || fail sa_add
	esp_sa $ns $B $A 0x1002 2 || fail sa_add
done
tunnel_policy a $IA/32 $IB/32 $A $B 1 2 || fail policy
tunnel_policy b $IB/32 $IA/32 $B $A 2 1 || fail policy

# Phase 1: a fresh tunnel.
result "base_ping=$(ping_count a $IA $IB $N)"
result "$(sa_counters a $A $B 0x1001 base_a_out)"
result "$(sa_counters b $A $B 0x1001 base_b_in)"

# Phase 2: a's outbound SA re-installed with oseq 1000.
esp_sa_del a $A $B 0x1001
esp_sa a $A $B 0x1001 1 replay-oseq 1000 || fail sa_add_oseq
result "$(sa_counters a $A $B 0x1001 o1000_a_out_before)"
result "o1000_ping=$(ping_count a $IA $IB $N)"
result "$(sa_counters a $A $B 0x1001 o1000_a_out)"
result "$(sa_counters b $A $B 0x1001 o1000_b_in)"
result "o1000_b_seqerr=$(xfrm_stat b XfrmInStateSeqError)"

# Phase 3: re-installed with oseq 0, as with no counter sync.
esp_sa_del a $A $B 0x1001
esp_sa a $A $B 0x1001 1 || fail sa_add_oseq0
result "o0_ping=$(ping_count a $IA $IB $N)"
result "$(sa_counters a $A $B 0x1001 o0_a_out)"
result "$(sa_counters b $A $B 0x1001 o0_b_in)"
result "o0_b_seqerr=$(xfrm_stat b XfrmInStateSeqError)"

result done=1
