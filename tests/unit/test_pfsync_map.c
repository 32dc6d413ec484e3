/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * pfsync_map and pfsync_queue: the mapping tables of specs/pfsync.md
 * section 10 row by row, orientation and NAT (4.3) with the spec's own
 * examples, every rejection, the timeout indexes of 4.4, the stale rule
 * of 5.1, folding, and the send queue's coalescing and packing (5.2),
 * with built packets checked byte by byte and parsed back.
 */

#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "ct.h"
#include "pfsync_map.h"
#include "pfsync_wire.h"

#define CREATOR		0x5eed0001U
#define PKTMAX		9000

/* Fixtures */

static void
tuple(struct ct_tuple *t, uint8_t proto, const char *src, uint16_t sport,
    const char *dst, uint16_t dport)
{
	int	 af = strchr(src, ':') != NULL ? AF_INET6 : AF_INET;

	memset(t, 0, sizeof(*t));
	t->af = (uint8_t)af;
	t->proto = proto;
	assert_int_equal(inet_pton(af, src, t->src), 1);
	assert_int_equal(inet_pton(af, dst, t->dst), 1);
	t->sport = htons(sport);
	t->dport = htons(dport);
}

static void
addr(uint8_t out[16], const char *s)
{
	memset(out, 0, 16);
	assert_int_equal(inet_pton(strchr(s, ':') != NULL ? AF_INET6 :
	    AF_INET, s, out), 1);
}

static void
assert_tuple(const struct ct_tuple *t, const char *want)
{
	char	 buf[128];

	assert_string_equal(ct_tuple_str(t, buf, sizeof(buf)), want);
}

/* A conntrack entry as the kernel reports it. */
static void
ct_entry(struct ct_state *ct, uint8_t proto, const char *osrc, uint16_t osp,
    const char *odst, uint16_t odp, const char *rsrc, uint16_t rsp,
    const char *rdst, uint16_t rdp)
{
	memset(ct, 0, sizeof(*ct));
	tuple(&ct->orig, proto, osrc, osp, odst, odp);
	tuple(&ct->reply, proto, rsrc, rsp, rdst, rdp);
	ct->status = CT_S_CONFIRMED | CT_S_SEEN_REPLY | CT_S_ASSURED;
	ct->timeout = 432000;
	ct->age = 60;
	if (proto == IPPROTO_TCP) {
		ct->tcp_state = CT_TCP_ESTABLISHED;
		ct->tcp_flags[CT_DIR_ORIG] = CT_TCPF_WINDOW_SCALE |
		    CT_TCPF_SACK_PERM;
		ct->tcp_flags[CT_DIR_REPLY] = CT_TCPF_WINDOW_SCALE;
		ct->tcp_wscale[CT_DIR_ORIG] = 7;
		ct->tcp_wscale[CT_DIR_REPLY] = 9;
	}
}

/* Masquerade: 192.0.2.10:40000 -> 198.51.100.7:80 as 203.0.113.1:61000 */
static void
ct_snat(struct ct_state *ct)
{
	ct_entry(ct, IPPROTO_TCP, "192.0.2.10", 40000, "198.51.100.7", 80,
	    "198.51.100.7", 80, "203.0.113.1", 61000);
	ct->status |= CT_S_SRC_NAT | CT_S_SRC_NAT_DONE;
}

/* Spec 4.3: 198.51.100.7:51000 -> 203.0.113.10:443 rdr to 192.0.2.80:8443 */
static void
ct_dnat(struct ct_state *ct)
{
	ct_entry(ct, IPPROTO_TCP, "198.51.100.7", 51000, "203.0.113.10", 443,
	    "192.0.2.80", 8443, "198.51.100.7", 51000);
	ct->status |= CT_S_DST_NAT | CT_S_DST_NAT_DONE;
}

static void
key(struct pfsync_key *k, const char *a0, uint16_t p0, const char *a1,
    uint16_t p1, uint8_t af)
{
	memset(k, 0, sizeof(*k));
	addr(k->addr[0], a0);
	addr(k->addr[1], a1);
	k->port[0] = htons(p0);
	k->port[1] = htons(p1);
	k->af = af;
}

static void
assert_key(const struct pfsync_key *k, const char *a0, uint16_t p0,
    const char *a1, uint16_t p1, uint16_t rdomain, uint8_t af)
{
	struct pfsync_key	 want;

	key(&want, a0, p0, a1, p1, af);
	want.rdomain = rdomain;
	assert_memory_equal(k->addr, want.addr, sizeof(want.addr));
	assert_int_equal(k->port[0], want.port[0]);
	assert_int_equal(k->port[1], want.port[1]);
	assert_int_equal(k->rdomain, rdomain);
	assert_int_equal(k->af, af);
}

/* The spec's inbound rdr state as OpenBSD sends it. */
static void
pf_rdr_in(struct pfsync_state *st)
{
	memset(st, 0, sizeof(*st));
	st->id = 0x6543210000000007ULL;
	st->creatorid = CREATOR;
	key(&st->key[PFSYNC_KEY_WIRE], "198.51.100.7", 51000, "203.0.113.10",
	    443, PFSYNC_AF_INET);
	key(&st->key[PFSYNC_KEY_STACK], "198.51.100.7", 51000, "192.0.2.80",
	    8443, PFSYNC_AF_INET);
	st->af = PFSYNC_AF_INET;
	st->proto = IPPROTO_TCP;
	st->direction = PF_IN;
	st->src.state = PF_TCPS_ESTABLISHED;
	st->dst.state = PF_TCPS_ESTABLISHED;
	st->src.seqlo = 0x1000;
	st->dst.seqlo = 0x2000;
	st->src.wscale = 0x80 | 7;
	st->dst.wscale = 0x80 | 9;
	st->timeout = PFTM_TCP_ESTABLISHED;
	st->expire = 86000;
	st->creation = 300;
}

/* Export */

static void
test_export_of_snat_tcp_gives_exact_keys_and_states(void **state)
{
	struct ct_state		 ct;
	struct pfsync_state	 st;
	const char		*why = "unset";

	(void)state;
	ct_snat(&ct);
	ct.packets[CT_DIR_ORIG] = 11;
	ct.packets[CT_DIR_REPLY] = 22;
	ct.bytes[CT_DIR_ORIG] = 3300;
	ct.bytes[CT_DIR_REPLY] = 44000;
	assert_int_equal(pfsync_from_ct(&ct, 0x1122334455667788ULL, CREATOR,
	    0, &st, &why), 0);
	assert_null(why);
	assert_true(st.id == 0x1122334455667788ULL);
	assert_int_equal(st.creatorid, CREATOR);
	assert_string_equal(st.ifname, "all");
	/* WIRE = ORIG, STACK = inverse(REPLY) */
	assert_key(&st.key[PFSYNC_KEY_WIRE], "192.0.2.10", 40000,
	    "198.51.100.7", 80, 0, PFSYNC_AF_INET);
	assert_key(&st.key[PFSYNC_KEY_STACK], "203.0.113.1", 61000,
	    "198.51.100.7", 80, 0, PFSYNC_AF_INET);
	assert_int_equal(st.af, PFSYNC_AF_INET);
	assert_int_equal(st.proto, IPPROTO_TCP);
	assert_int_equal(st.direction, PF_IN);
	assert_int_equal(st.src.state, PF_TCPS_ESTABLISHED);
	assert_int_equal(st.dst.state, PF_TCPS_ESTABLISHED);
	assert_int_equal(st.timeout, PFTM_TCP_ESTABLISHED);
	assert_int_equal(st.state_flags, PFSTATE_SLOPPY);
	assert_int_equal(st.src.wscale, 0x87);
	assert_int_equal(st.dst.wscale, 0x89);
	assert_int_equal(st.src.seqlo, 0);
	assert_int_equal(st.src.seqhi, 0);
	assert_int_equal(st.src.max_win, 0);
	assert_int_equal(st.dst.seqlo, 0);
	assert_int_equal(st.rule, 0xffffffffU);
	assert_int_equal(st.anchor, 0xffffffffU);
	assert_int_equal(st.nat_rule, 0xffffffffU);
	assert_int_equal(st.rtableid[0], -1);
	assert_int_equal(st.rtableid[1], -1);
	assert_int_equal(st.creation, 60);
	assert_int_equal(st.expire, 432000);
	assert_int_equal(st.packets[0], 11);
	assert_int_equal(st.packets[1], 22);
	assert_int_equal(st.bytes[0], 3300);
	assert_int_equal(st.bytes[1], 44000);
	assert_int_equal(st.rt, 0);
	assert_int_equal(st.sync_flags, 0);
}

static void
test_export_of_snat_puts_the_keys_on_the_wire_as_raw_bytes(void **state)
{
	static const uint8_t	 wire_key[PFSYNC_KEYLEN] = {
		0xc0, 0x00, 0x02, 0x0a, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0xc6, 0x33, 0x64, 0x07, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0x9c, 0x40, 0x00, 0x50, 0x00, 0x03, 0x02, 0x00
	};
	static const uint8_t	 stack_key[PFSYNC_KEYLEN] = {
		0xcb, 0x00, 0x71, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0xc6, 0x33, 0x64, 0x07, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0xee, 0x48, 0x00, 0x50, 0x00, 0x03, 0x02, 0x00
	};
	struct ct_state		 ct;
	struct pfsync_state	 st;
	struct wbuf		 w;
	uint8_t			 out[PFSYNC_STATELEN];
	const char		*why;

	(void)state;
	ct_snat(&ct);
	assert_int_equal(pfsync_from_ct(&ct, 1, CREATOR, 3, &st, &why), 0);
	wbuf_init(&w, out, sizeof(out));
	pfsync_put_state(&w, &st);
	assert_int_equal(w.w_err, 0);
	assert_int_equal(w.w_len, PFSYNC_STATELEN);
	assert_memory_equal(out + 24, wire_key, sizeof(wire_key));
	assert_memory_equal(out + 64, stack_key, sizeof(stack_key));
	/* rule, anchor, nat_rule */
	assert_memory_equal(out + 184, "\xff\xff\xff\xff\xff\xff\xff\xff"
	    "\xff\xff\xff\xff", 12);
	/* af, proto, direction, log, rt, timeout */
	assert_memory_equal(out + 250, "\x02\x06\x01\x00\x00\x02", 6);
	/* state_flags SLOPPY */
	assert_memory_equal(out + 260, "\x00\x02", 2);
}

static void
test_export_of_the_spec_rdr_gives_its_wire_and_stack_keys(void **state)
{
	struct ct_state		 ct;
	struct pfsync_state	 st;
	const char		*why;

	(void)state;
	ct_dnat(&ct);
	assert_int_equal(pfsync_from_ct(&ct, 7, CREATOR, 0, &st, &why), 0);
	assert_key(&st.key[PFSYNC_KEY_WIRE], "198.51.100.7", 51000,
	    "203.0.113.10", 443, 0, PFSYNC_AF_INET);
	assert_key(&st.key[PFSYNC_KEY_STACK], "198.51.100.7", 51000,
	    "192.0.2.80", 8443, 0, PFSYNC_AF_INET);
	/* the spec prints the ports in hex: c738 01bb and c738 20fb */
	assert_int_equal(ntohs(st.key[PFSYNC_KEY_WIRE].port[0]), 0xc738);
	assert_int_equal(ntohs(st.key[PFSYNC_KEY_WIRE].port[1]), 0x01bb);
	assert_int_equal(ntohs(st.key[PFSYNC_KEY_STACK].port[1]), 0x20fb);
	assert_int_equal(st.direction, PF_IN);
	assert_int_equal(st.src.state, PF_TCPS_ESTABLISHED);
	assert_int_equal(st.dst.state, PF_TCPS_ESTABLISHED);
	assert_int_equal(st.timeout, PFTM_TCP_ESTABLISHED);
	assert_int_equal(st.state_flags, PFSTATE_SLOPPY);
}

static void
test_export_without_window_scaling_sends_wscale_zero(void **state)
{
	struct ct_state		 ct;
	struct pfsync_state	 st;
	const char		*why;

	(void)state;
	ct_snat(&ct);
	ct.tcp_flags[CT_DIR_ORIG] = 0;
	ct.tcp_flags[CT_DIR_REPLY] = CT_TCPF_WINDOW_SCALE;
	ct.tcp_wscale[CT_DIR_REPLY] = 14;
	assert_int_equal(pfsync_from_ct(&ct, 1, CREATOR, 0, &st, &why), 0);
	assert_int_equal(st.src.wscale, 0);
	assert_int_equal(st.dst.wscale, 0x8e);
}

/* Import */

static void
test_import_of_the_spec_rdr_gives_orig_as_wire_and_dst_nat(void **state)
{
	struct pfsync_state	 st;
	struct ct_state		 ct;
	const char		*why = "unset";

	(void)state;
	pf_rdr_in(&st);
	assert_int_equal(pfsync_to_ct(&st, 5, &ct, &why), 0);
	assert_null(why);
	assert_tuple(&ct.orig, "tcp 198.51.100.7:51000 -> 203.0.113.10:443");
	assert_tuple(&ct.reply, "tcp 192.0.2.80:8443 -> 198.51.100.7:51000");
	assert_int_equal(ct.status, CT_S_SEEN_REPLY | CT_S_ASSURED |
	    CT_S_DST_NAT | CT_S_DST_NAT_DONE);
	assert_int_equal(ct.zone, 5);
	assert_int_equal(ct.tcp_state, CT_TCP_ESTABLISHED);
	assert_int_equal(ct.tcp_flags[CT_DIR_ORIG],
	    CT_TCPF_BE_LIBERAL | CT_TCPF_WINDOW_SCALE);
	assert_int_equal(ct.tcp_flags[CT_DIR_REPLY],
	    CT_TCPF_BE_LIBERAL | CT_TCPF_WINDOW_SCALE);
	assert_int_equal(ct.tcp_wscale[CT_DIR_ORIG], 7);
	assert_int_equal(ct.tcp_wscale[CT_DIR_REPLY], 9);
	assert_int_equal(ct.timeout, 86000);
	assert_int_equal(ct.age, 300);
	assert_int_equal(ct.mark, 0);
}

static void
test_import_never_sets_confirmed(void **state)
{
	struct pfsync_state	 st;
	struct ct_state		 ct;
	const char		*why;

	(void)state;
	pf_rdr_in(&st);
	assert_int_equal(pfsync_to_ct(&st, 0, &ct, &why), 0);
	assert_int_equal(ct.status & CT_S_CONFIRMED, 0);
}

static void
test_import_of_an_out_state_orients_by_the_stack_key(void **state)
{
	struct pfsync_state	 st;
	struct ct_state		 ct;
	const char		*why;

	(void)state;
	/*
	 * OpenBSD's egress half of the masquerade: sidx = 1, so addr[1] is
	 * the packet source; STACK is the view before nat-to.
	 */
	memset(&st, 0, sizeof(st));
	st.creatorid = CREATOR;
	key(&st.key[PFSYNC_KEY_STACK], "198.51.100.7", 80, "192.0.2.10",
	    40000, 0);
	key(&st.key[PFSYNC_KEY_WIRE], "198.51.100.7", 80, "203.0.113.1",
	    61000, 0);
	st.af = PFSYNC_AF_INET;
	st.proto = IPPROTO_TCP;
	st.direction = PF_OUT;
	st.src.state = PF_TCPS_ESTABLISHED;
	st.dst.state = PF_TCPS_ESTABLISHED;
	st.expire = 86400;
	assert_int_equal(pfsync_to_ct(&st, 0, &ct, &why), 0);
	assert_tuple(&ct.orig, "tcp 192.0.2.10:40000 -> 198.51.100.7:80");
	assert_tuple(&ct.reply, "tcp 198.51.100.7:80 -> 203.0.113.1:61000");
	assert_int_equal(ct.status, CT_S_SEEN_REPLY | CT_S_ASSURED |
	    CT_S_SRC_NAT | CT_S_SRC_NAT_DONE);
	assert_int_equal(ct.tcp_state, CT_TCP_ESTABLISHED);
}

static void
test_in_and_out_halves_without_nat_import_to_one_orig(void **state)
{
	struct pfsync_state	 in, out;
	struct ct_state		 a, b;
	const char		*why;

	(void)state;
	memset(&in, 0, sizeof(in));
	in.creatorid = CREATOR;
	key(&in.key[0], "192.0.2.10", 40000, "198.51.100.7", 80, 0);
	in.key[1] = in.key[0];
	in.af = PFSYNC_AF_INET;
	in.proto = IPPROTO_UDP;
	in.direction = PF_IN;
	in.src.state = PFUDPS_MULTIPLE;
	in.dst.state = PFUDPS_SINGLE;
	in.expire = 60;
	out = in;
	out.direction = PF_OUT;
	key(&out.key[0], "198.51.100.7", 80, "192.0.2.10", 40000, 0);
	out.key[1] = out.key[0];
	assert_int_equal(pfsync_to_ct(&in, 0, &a, &why), 0);
	assert_int_equal(pfsync_to_ct(&out, 0, &b, &why), 0);
	assert_int_equal(ct_tuple_cmp(&a.orig, &b.orig), 0);
	assert_int_equal(ct_tuple_cmp(&a.reply, &b.reply), 0);
	assert_tuple(&a.orig, "udp 192.0.2.10:40000 -> 198.51.100.7:80");
	assert_int_equal(a.status, CT_S_SEEN_REPLY);
}

static void
test_import_takes_key_af_zero_as_the_state_af(void **state)
{
	struct pfsync_state	 st;
	struct ct_state		 ct;
	const char		*why;

	(void)state;
	pf_rdr_in(&st);
	st.key[0].af = 0;
	st.key[1].af = 0;
	assert_int_equal(pfsync_to_ct(&st, 0, &ct, &why), 0);
	assert_int_equal(ct.orig.af, AF_INET);
	assert_int_equal(ct.reply.af, AF_INET);
}

static void
test_import_ignores_bytes_past_an_ipv4_address(void **state)
{
	struct pfsync_state	 st;
	struct ct_state		 ct;
	const char		*why;

	(void)state;
	pf_rdr_in(&st);
	memset(st.key[0].addr[0] + 4, 0xaa, 12);
	memset(st.key[1].addr[1] + 4, 0xbb, 12);
	assert_int_equal(pfsync_to_ct(&st, 0, &ct, &why), 0);
	assert_tuple(&ct.orig, "tcp 198.51.100.7:51000 -> 203.0.113.10:443");
	assert_tuple(&ct.reply, "tcp 192.0.2.80:8443 -> 198.51.100.7:51000");
	/* the source is not translated: no SRC_NAT from the garbage */
	assert_int_equal(ct.status & CT_S_SRC_NAT, 0);
}

/* Round trips */

struct tcp_row {
	uint8_t		 ct_state;
	int		 closer;	/* CT_DIR_* with CLOSE_INIT, or -1 */
	uint8_t		 src, dst, timeout;
	uint8_t		 back;		/* ct state after import */
	uint32_t	 status;	/* SEEN_REPLY / ASSURED after import */
};

#define SR	CT_S_SEEN_REPLY
#define AS	CT_S_ASSURED

static const struct tcp_row	 tcp_rows[] = {
	{ CT_TCP_SYN_SENT, -1, 2, 0, 0, CT_TCP_SYN_SENT, 0 },
	{ CT_TCP_SYN_SENT2, -1, 2, 0, 0, CT_TCP_SYN_SENT, 0 },
	{ CT_TCP_SYN_RECV, -1, 4, 2, 1, CT_TCP_SYN_RECV, SR },
	{ CT_TCP_ESTABLISHED, -1, 4, 4, 2, CT_TCP_ESTABLISHED, SR | AS },
	{ CT_TCP_FIN_WAIT, CT_DIR_ORIG, 7, 4, 3, CT_TCP_FIN_WAIT, SR | AS },
	{ CT_TCP_FIN_WAIT, CT_DIR_REPLY, 4, 7, 3, CT_TCP_FIN_WAIT, SR | AS },
	{ CT_TCP_CLOSE_WAIT, CT_DIR_ORIG, 9, 4, 3, CT_TCP_CLOSE_WAIT,
	    SR | AS },
	{ CT_TCP_CLOSE_WAIT, CT_DIR_REPLY, 4, 9, 3, CT_TCP_CLOSE_WAIT,
	    SR | AS },
	{ CT_TCP_LAST_ACK, CT_DIR_ORIG, 9, 7, 4, CT_TCP_LAST_ACK, SR | AS },
	{ CT_TCP_LAST_ACK, CT_DIR_REPLY, 7, 9, 4, CT_TCP_LAST_ACK, SR | AS },
	{ CT_TCP_TIME_WAIT, -1, 10, 10, 5, CT_TCP_TIME_WAIT, SR | AS },
	{ CT_TCP_CLOSE, -1, 10, 10, 5, CT_TCP_TIME_WAIT, SR | AS },
};

static void
test_tcp_round_trip_follows_the_tables_for_every_state(void **state)
{
	const struct tcp_row	*r;
	struct ct_state		 ct, back;
	struct pfsync_state	 st;
	const char		*why;
	size_t			 i;
	uint32_t		 nat = CT_S_SRC_NAT | CT_S_SRC_NAT_DONE |
				    CT_S_DST_NAT | CT_S_DST_NAT_DONE;

	(void)state;
	for (i = 0; i < sizeof(tcp_rows) / sizeof(tcp_rows[0]); i++) {
		r = &tcp_rows[i];
		/* both translations at once: DNAT and SNAT */
		ct_entry(&ct, IPPROTO_TCP, "198.51.100.7", 51000,
		    "203.0.113.10", 443, "192.0.2.80", 8443, "203.0.113.1",
		    61000);
		ct.status |= nat;
		ct.tcp_state = r->ct_state;
		if (r->closer != -1)
			ct.tcp_flags[r->closer] |= CT_TCPF_CLOSE_INIT;
		ct.zone = 7;
		print_message("row %zu: ct state %u\n", i, r->ct_state);
		assert_int_equal(pfsync_from_ct(&ct, i + 1, CREATOR, 7, &st,
		    &why), 0);
		assert_int_equal(st.src.state, r->src);
		assert_int_equal(st.dst.state, r->dst);
		assert_int_equal(st.timeout, r->timeout);
		assert_int_equal(st.key[0].rdomain, 7);
		assert_int_equal(st.key[1].rdomain, 7);

		/* the caller maps rdomain back to a zone */
		assert_int_equal(pfsync_to_ct(&st, st.key[0].rdomain, &back,
		    &why), 0);
		assert_int_equal(ct_tuple_cmp(&back.orig, &ct.orig), 0);
		assert_int_equal(ct_tuple_cmp(&back.reply, &ct.reply), 0);
		assert_int_equal(back.zone, 7);
		assert_int_equal(back.tcp_state, r->back);
		assert_int_equal(back.status, r->status | nat);
		assert_int_equal(back.timeout, ct.timeout);
		assert_int_equal(back.tcp_wscale[CT_DIR_ORIG], 7);
		assert_int_equal(back.tcp_wscale[CT_DIR_REPLY], 9);
		assert_true(back.tcp_flags[CT_DIR_ORIG] & CT_TCPF_BE_LIBERAL);
		assert_true(back.tcp_flags[CT_DIR_REPLY] & CT_TCPF_BE_LIBERAL);
		if (r->closer != -1) {
			assert_true(back.tcp_flags[r->closer] &
			    CT_TCPF_CLOSE_INIT);
			assert_false(back.tcp_flags[1 - r->closer] &
			    CT_TCPF_CLOSE_INIT);
		}
	}
}

static void
test_ipv6_round_trip_keeps_tuples_and_uses_af_24(void **state)
{
	struct ct_state		 ct, back;
	struct pfsync_state	 st;
	const char		*why;
	uint8_t			 a[16];

	(void)state;
	ct_entry(&ct, IPPROTO_TCP, "2001:db8::10", 40000, "2001:db8:1::7",
	    443, "2001:db8:2::80", 8443, "2001:db8::10", 40000);
	ct.status |= CT_S_DST_NAT | CT_S_DST_NAT_DONE;
	assert_int_equal(pfsync_from_ct(&ct, 9, CREATOR, 0, &st, &why), 0);
	assert_int_equal(st.af, 24);
	assert_int_equal(st.key[0].af, 24);
	assert_int_equal(st.key[1].af, 24);
	addr(a, "2001:db8:2::80");
	assert_memory_equal(st.key[PFSYNC_KEY_STACK].addr[1], a, 16);
	assert_int_equal(pfsync_to_ct(&st, 0, &back, &why), 0);
	assert_int_equal(back.orig.af, AF_INET6);
	assert_int_equal(ct_tuple_cmp(&back.orig, &ct.orig), 0);
	assert_int_equal(ct_tuple_cmp(&back.reply, &ct.reply), 0);
	assert_tuple(&back.reply,
	    "tcp [2001:db8:2::80]:8443 -> [2001:db8::10]:40000");
	assert_int_equal(back.status, CT_S_SEEN_REPLY | CT_S_ASSURED |
	    CT_S_DST_NAT | CT_S_DST_NAT_DONE);
}

struct other_row {
	uint8_t		 proto;
	uint32_t	 status;
	uint8_t		 src, dst, timeout;
};

static const struct other_row	 other_rows[] = {
	{ IPPROTO_UDP, 0, 1, 0, 6 },
	{ IPPROTO_UDP, SR, 2, 1, 7 },
	{ IPPROTO_UDP, SR | AS, 2, 2, 8 },
	{ IPPROTO_SCTP, 0, 1, 0, 11 },
	{ IPPROTO_SCTP, SR, 2, 1, 12 },
	{ IPPROTO_SCTP, SR | AS, 2, 2, 13 },
	{ IPPROTO_GRE, 0, 1, 0, 11 },
	{ IPPROTO_GRE, SR | AS, 2, 2, 13 },
};

static void
test_udp_and_other_protocols_follow_their_rows_both_ways(void **state)
{
	const struct other_row	*r;
	struct ct_state		 ct, back;
	struct pfsync_state	 st;
	const char		*why;
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(other_rows) / sizeof(other_rows[0]); i++) {
		r = &other_rows[i];
		print_message("row %zu: proto %u status %#x\n", i, r->proto,
		    r->status);
		ct_entry(&ct, r->proto, "192.0.2.10", 5353, "198.51.100.7",
		    53, "198.51.100.7", 53, "192.0.2.10", 5353);
		ct.status = CT_S_CONFIRMED | r->status;
		ct.timeout = 30;
		assert_int_equal(pfsync_from_ct(&ct, 1, CREATOR, 0, &st,
		    &why), 0);
		assert_int_equal(st.src.state, r->src);
		assert_int_equal(st.dst.state, r->dst);
		assert_int_equal(st.timeout, r->timeout);
		assert_int_equal(st.state_flags, 0);
		assert_int_equal(st.src.wscale, 0);
		assert_int_equal(st.expire, 30);
		assert_int_equal(pfsync_to_ct(&st, 0, &back, &why), 0);
		assert_int_equal(back.status, r->status);
		assert_int_equal(ct_tuple_cmp(&back.orig, &ct.orig), 0);
		assert_int_equal(ct_tuple_cmp(&back.reply, &ct.reply), 0);
		assert_int_equal(back.tcp_flags[0], 0);
		assert_int_equal(back.tcp_state, 0);
	}
}

/* Rejections */

static void
test_export_refuses_icmp_until_the_packing_is_known(void **state)
{
	struct ct_state		 ct;
	struct pfsync_state	 st;
	const char		*why = NULL;

	(void)state;
	ct_entry(&ct, IPPROTO_ICMP, "192.0.2.10", 7, "198.51.100.7", 0,
	    "198.51.100.7", 7, "192.0.2.10", 0);
	assert_int_equal(pfsync_from_ct(&ct, 1, CREATOR, 0, &st, &why), -1);
	assert_string_equal(why, "icmp packing unverified");
	ct_entry(&ct, IPPROTO_ICMPV6, "2001:db8::1", 7, "2001:db8::2", 0,
	    "2001:db8::2", 7, "2001:db8::1", 0);
	why = NULL;
	assert_int_equal(pfsync_from_ct(&ct, 1, CREATOR, 0, &st, &why), -1);
	assert_string_equal(why, "icmp packing unverified");
}

static void
test_export_refuses_unknown_family_and_tcp_without_state(void **state)
{
	struct ct_state		 ct;
	struct pfsync_state	 st;
	const char		*why = NULL;

	(void)state;
	ct_snat(&ct);
	ct.orig.af = ct.reply.af = 7;
	assert_int_equal(pfsync_from_ct(&ct, 1, CREATOR, 0, &st, &why), -1);
	assert_string_equal(why, "unknown address family");
	ct_snat(&ct);
	ct.tcp_state = CT_TCP_NONE;
	assert_int_equal(pfsync_from_ct(&ct, 1, CREATOR, 0, &st, &why), -1);
	assert_string_equal(why, "no tcp state");
	ct.tcp_state = CT_TCP_MAX;
	assert_int_equal(pfsync_from_ct(&ct, 1, CREATOR, 0, &st, &why), -1);
	assert_string_equal(why, "no tcp state");
}

static void
assert_import_refused(const struct pfsync_state *st, const char *want)
{
	struct ct_state	 ct;
	const char	*why = NULL;

	assert_int_equal(pfsync_to_ct(st, 0, &ct, &why), -1);
	assert_non_null(why);
	assert_string_equal(why, want);
}

static void
test_import_refuses_af_to(void **state)
{
	struct pfsync_state	 st;

	(void)state;
	pf_rdr_in(&st);
	key(&st.key[PFSYNC_KEY_STACK], "2001:db8::7", 51000, "2001:db8::80",
	    8443, PFSYNC_AF_INET6);
	assert_import_refused(&st, "af-to");
	/* af 0 on the wire key means the state's: still af-to */
	st.key[PFSYNC_KEY_WIRE].af = 0;
	assert_import_refused(&st, "af-to");
}

static void
test_import_refuses_synproxy_states_on_either_side(void **state)
{
	struct pfsync_state	 st;

	(void)state;
	pf_rdr_in(&st);
	st.src.state = PF_TCPS_PROXY_SRC;
	assert_import_refused(&st, "synproxy");
	pf_rdr_in(&st);
	st.dst.state = PF_TCPS_PROXY_DST;
	assert_import_refused(&st, "synproxy");
}

static void
test_import_refuses_modulated_sequence_numbers_either_side(void **state)
{
	struct pfsync_state	 st;

	(void)state;
	pf_rdr_in(&st);
	st.src.seqdiff = 0x12345678;
	assert_import_refused(&st, "modulated sequence numbers");
	pf_rdr_in(&st);
	st.dst.seqdiff = 1;
	assert_import_refused(&st, "modulated sequence numbers");
}

static void
test_import_refuses_timestamp_modulation_when_valid_and_on(void **state)
{
	struct pfsync_state	 st;
	struct ct_state		 ct;
	const char		*why;

	(void)state;
	pf_rdr_in(&st);
	st.dst.scrub_flag = 0x01;
	st.dst.scrub_flags = 0x0001;
	st.dst.scrub_ts_mod = 0xdeadbeef;
	assert_import_refused(&st, "timestamp modulation");
	/* scrub data not marked valid */
	st.dst.scrub_flag = 0;
	assert_int_equal(pfsync_to_ct(&st, 0, &ct, &why), 0);
	/* valid but no TIMESTAMP flag */
	st.dst.scrub_flag = 0x01;
	st.dst.scrub_flags = 0;
	assert_int_equal(pfsync_to_ct(&st, 0, &ct, &why), 0);
	/* TIMESTAMP with a zero offset: nothing rewritten */
	st.dst.scrub_flags = 0x0001;
	st.dst.scrub_ts_mod = 0;
	assert_int_equal(pfsync_to_ct(&st, 0, &ct, &why), 0);
	st.src.scrub_flag = 0x01;
	st.src.scrub_flags = 0x0001;
	st.src.scrub_ts_mod = 1;
	assert_import_refused(&st, "timestamp modulation");
}

static void
test_import_refuses_an_expired_state(void **state)
{
	struct pfsync_state	 st;

	(void)state;
	pf_rdr_in(&st);
	st.expire = 0;
	assert_import_refused(&st, "expired");
	st.proto = IPPROTO_UDP;
	st.src.state = st.dst.state = PFUDPS_MULTIPLE;
	assert_import_refused(&st, "expired");
}

static void
test_import_refuses_what_conntrack_cannot_hold(void **state)
{
	struct pfsync_state	 st;

	(void)state;
	pf_rdr_in(&st);
	st.af = 0;
	assert_import_refused(&st, "unknown address family");
	pf_rdr_in(&st);
	st.direction = 0;
	assert_import_refused(&st, "unknown direction");
	pf_rdr_in(&st);
	st.key[PFSYNC_KEY_STACK].rdomain = 1;
	assert_import_refused(&st, "keys in different rdomains");
	pf_rdr_in(&st);
	st.proto = IPPROTO_ICMP;
	assert_import_refused(&st, "icmp packing unverified");
}

/* Timeout indexes, 4.4 */

static uint8_t
tmo(uint8_t proto, uint8_t s, uint8_t d)
{
	struct pfsync_peer	 src, dst;

	memset(&src, 0, sizeof(src));
	memset(&dst, 0, sizeof(dst));
	src.state = s;
	dst.state = d;
	return (pfsync_timeout_index(proto, &src, &dst));
}

static void
test_tcp_timeout_index_follows_pf_five_cases_in_order(void **state)
{
	(void)state;
	/* both >= 9: CLOSED */
	assert_int_equal(tmo(IPPROTO_TCP, 9, 10), PFTM_TCP_CLOSED);
	assert_int_equal(tmo(IPPROTO_TCP, 10, 10), 5);
	/* both >= 7: FIN_WAIT */
	assert_int_equal(tmo(IPPROTO_TCP, 7, 9), PFTM_TCP_FIN_WAIT);
	assert_int_equal(tmo(IPPROTO_TCP, 7, 7), 4);
	/* either < 4: OPENING, even with a FIN on the other side */
	assert_int_equal(tmo(IPPROTO_TCP, 2, 0), PFTM_TCP_OPENING);
	assert_int_equal(tmo(IPPROTO_TCP, 4, 2), 1);
	assert_int_equal(tmo(IPPROTO_TCP, 9, 3), 1);
	/* either >= 7: CLOSING */
	assert_int_equal(tmo(IPPROTO_TCP, 7, 4), PFTM_TCP_CLOSING);
	assert_int_equal(tmo(IPPROTO_TCP, 4, 9), 3);
	/* else ESTABLISHED */
	assert_int_equal(tmo(IPPROTO_TCP, 4, 4), PFTM_TCP_ESTABLISHED);
	assert_int_equal(tmo(IPPROTO_TCP, 5, 6), 2);
}

static void
test_udp_and_other_timeout_indexes_follow_single_multiple(void **state)
{
	(void)state;
	assert_int_equal(tmo(IPPROTO_UDP, 1, 0), PFTM_UDP_FIRST_PACKET);
	assert_int_equal(tmo(IPPROTO_UDP, 2, 1), PFTM_UDP_SINGLE);
	assert_int_equal(tmo(IPPROTO_UDP, 1, 1), PFTM_UDP_SINGLE);
	assert_int_equal(tmo(IPPROTO_UDP, 2, 2), PFTM_UDP_MULTIPLE);
	assert_int_equal(tmo(IPPROTO_GRE, 1, 0), PFTM_OTHER_FIRST_PACKET);
	assert_int_equal(tmo(IPPROTO_GRE, 2, 1), PFTM_OTHER_SINGLE);
	assert_int_equal(tmo(IPPROTO_SCTP, 2, 2), PFTM_OTHER_MULTIPLE);
	assert_int_equal(tmo(IPPROTO_ICMP, 1, 0), PFTM_ICMP_FIRST_PACKET);
	assert_int_equal(tmo(IPPROTO_ICMPV6, 1, 1), PFTM_ICMP_ERROR_REPLY);
}

/* Stale rule, 5.1 */

static int
stale(uint8_t proto, uint8_t os, uint32_t oseq, uint8_t od, uint32_t odseq,
    uint8_t is, uint32_t iseq, uint8_t id, uint32_t idseq)
{
	struct pfsync_peer	 a, b, c, d;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	memset(&c, 0, sizeof(c));
	memset(&d, 0, sizeof(d));
	a.state = os;
	a.seqlo = oseq;
	b.state = od;
	b.seqlo = odseq;
	c.state = is;
	c.seqlo = iseq;
	d.state = id;
	d.seqlo = idseq;
	return (pfsync_stale(proto, &a, &b, &c, &d));
}

static void
test_tcp_side_is_stale_when_ours_has_a_higher_state(void **state)
{
	(void)state;
	assert_int_equal(stale(IPPROTO_TCP, 4, 0, 4, 0, 4, 0, 4, 0), 0);
	assert_int_equal(stale(IPPROTO_TCP, 7, 0, 4, 0, 4, 0, 4, 0), 1);
	assert_int_equal(stale(IPPROTO_TCP, 4, 0, 9, 0, 4, 0, 7, 0), 1);
	assert_int_equal(stale(IPPROTO_TCP, 10, 0, 10, 0, 4, 0, 4, 0), 2);
	/* the incoming state moving on is never stale */
	assert_int_equal(stale(IPPROTO_TCP, 4, 0, 2, 0, 7, 0, 4, 0), 0);
}

static void
test_tcp_proxy_state_of_ours_gives_way_to_a_real_one(void **state)
{
	(void)state;
	assert_int_equal(stale(IPPROTO_TCP, 11, 0, 12, 0, 4, 0, 4, 0), 0);
	assert_int_equal(stale(IPPROTO_TCP, 12, 0, 4, 0, 2, 0, 4, 0), 0);
	/* between proxy states the order still holds */
	assert_int_equal(stale(IPPROTO_TCP, 12, 0, 4, 0, 11, 0, 4, 0), 1);
	/* a real state of ours ahead of a proxy one is not stale either */
	assert_int_equal(stale(IPPROTO_TCP, 4, 0, 4, 0, 11, 0, 4, 0), 0);
}

static void
test_equal_tcp_state_is_stale_when_our_seqlo_is_later(void **state)
{
	(void)state;
	assert_int_equal(stale(IPPROTO_TCP, 4, 1001, 4, 0, 4, 1000, 4, 0),
	    1);
	assert_int_equal(stale(IPPROTO_TCP, 4, 1000, 4, 0, 4, 1001, 4, 0),
	    0);
	assert_int_equal(stale(IPPROTO_TCP, 4, 5, 4, 5, 4, 5, 4, 5), 0);
	/* across the wrap: 0x10 is after 0xfffffff0 */
	assert_int_equal(stale(IPPROTO_TCP, 4, 0x10, 4, 0, 4, 0xfffffff0, 4,
	    0), 1);
	assert_int_equal(stale(IPPROTO_TCP, 4, 0xfffffff0, 4, 0, 4, 0x10, 4,
	    0), 0);
	/* half the space ahead is still ahead, one more is behind */
	assert_int_equal(stale(IPPROTO_TCP, 4, 0, 4, 0x80000000, 4, 0, 4,
	    1), 1);
	assert_int_equal(stale(IPPROTO_TCP, 4, 0, 4, 0x80000001, 4, 0, 4,
	    1), 0);
	/* a lower state with a later seqlo is not stale */
	assert_int_equal(stale(IPPROTO_TCP, 4, 9999, 4, 0, 7, 0, 4, 0), 0);
}

static void
test_other_protocols_are_stale_only_going_backwards(void **state)
{
	(void)state;
	assert_int_equal(stale(IPPROTO_UDP, 2, 0, 1, 0, 1, 0, 0, 0), 2);
	assert_int_equal(stale(IPPROTO_UDP, 2, 0, 2, 0, 2, 0, 1, 0), 1);
	assert_int_equal(stale(IPPROTO_UDP, 1, 0, 1, 0, 2, 0, 2, 0), 0);
	assert_int_equal(stale(IPPROTO_UDP, 2, 0, 2, 0, 2, 0, 2, 0), 0);
	/* sequence numbers mean nothing here */
	assert_int_equal(stale(IPPROTO_GRE, 2, 500, 2, 0, 2, 100, 2, 0), 0);
}

/* UPD_C applied to an entry */

static void
test_upd_c_moves_the_tcp_state_and_keeps_the_nat(void **state)
{
	struct pfsync_state	 st;
	struct pfsync_upd_c	 u;
	struct ct_state		 ct, before;
	const char		*why;

	(void)state;
	pf_rdr_in(&st);
	assert_int_equal(pfsync_to_ct(&st, 0, &ct, &why), 0);
	before = ct;
	memset(&u, 0, sizeof(u));
	u.id = st.id;
	u.creatorid = st.creatorid;
	u.src.state = PF_TCPS_ESTABLISHED;
	u.dst.state = PF_TCPS_CLOSING;
	u.dst.wscale = 0x80 | 3;
	pfsync_upd_c_to_ct(&u, &ct);
	assert_int_equal(ct.tcp_state, CT_TCP_FIN_WAIT);
	assert_int_equal(ct.tcp_flags[CT_DIR_REPLY], CT_TCPF_BE_LIBERAL |
	    CT_TCPF_WINDOW_SCALE | CT_TCPF_CLOSE_INIT);
	assert_int_equal(ct.tcp_flags[CT_DIR_ORIG], CT_TCPF_BE_LIBERAL);
	assert_int_equal(ct.tcp_wscale[CT_DIR_REPLY], 3);
	assert_int_equal(ct.tcp_wscale[CT_DIR_ORIG], 0);
	assert_int_equal(ct_tuple_cmp(&ct.orig, &before.orig), 0);
	assert_int_equal(ct_tuple_cmp(&ct.reply, &before.reply), 0);
	assert_int_equal(ct.status, before.status);
	assert_int_equal(ct.timeout, before.timeout);
	assert_int_equal(ct.zone, before.zone);

	/* both FINs acked: TIME_WAIT keeps who closed first */
	u.src.state = PF_TCPS_TIME_WAIT;
	u.dst.state = PF_TCPS_FIN_WAIT_2;
	pfsync_upd_c_to_ct(&u, &ct);
	assert_int_equal(ct.tcp_state, CT_TCP_TIME_WAIT);
	assert_true(ct.tcp_flags[CT_DIR_REPLY] & CT_TCPF_CLOSE_INIT);
}

static void
test_upd_c_of_a_synproxy_state_changes_nothing(void **state)
{
	struct pfsync_state	 st;
	struct pfsync_upd_c	 u;
	struct ct_state		 ct, before;
	const char		*why;

	(void)state;
	pf_rdr_in(&st);
	assert_int_equal(pfsync_to_ct(&st, 0, &ct, &why), 0);
	before = ct;
	memset(&u, 0, sizeof(u));
	u.src.state = PF_TCPS_PROXY_DST;
	u.dst.state = PF_TCPS_ESTABLISHED;
	pfsync_upd_c_to_ct(&u, &ct);
	assert_memory_equal(&ct, &before, sizeof(ct));
}

static void
test_upd_c_of_udp_adds_status_bits_only(void **state)
{
	struct pfsync_upd_c	 u;
	struct ct_state		 ct;

	(void)state;
	ct_entry(&ct, IPPROTO_UDP, "192.0.2.10", 5353, "198.51.100.7", 53,
	    "198.51.100.7", 53, "192.0.2.10", 5353);
	ct.status = 0;
	memset(&u, 0, sizeof(u));
	u.src.state = PFUDPS_MULTIPLE;
	u.dst.state = PFUDPS_SINGLE;
	pfsync_upd_c_to_ct(&u, &ct);
	assert_int_equal(ct.status, CT_S_SEEN_REPLY);
	u.dst.state = PFUDPS_MULTIPLE;
	pfsync_upd_c_to_ct(&u, &ct);
	assert_int_equal(ct.status, CT_S_SEEN_REPLY | CT_S_ASSURED);
	/* conntrack cannot unsee a reply */
	u.src.state = PFUDPS_SINGLE;
	u.dst.state = PFUDPS_NO_TRAFFIC;
	pfsync_upd_c_to_ct(&u, &ct);
	assert_int_equal(ct.status, CT_S_SEEN_REPLY | CT_S_ASSURED);
	assert_int_equal(ct.tcp_state, 0);
}

/* Folding, 4.3 */

static void
test_fold_of_the_same_orig_takes_the_translating_half(void **state)
{
	struct ct_state	 in, out;

	(void)state;
	/* ingress half: no NAT; egress half: masquerade */
	ct_entry(&in, IPPROTO_TCP, "192.0.2.10", 40000, "198.51.100.7", 80,
	    "198.51.100.7", 80, "192.0.2.10", 40000);
	in.status = CT_S_SEEN_REPLY;
	in.timeout = 100;
	ct_snat(&out);
	out.timeout = 200;
	assert_int_equal(pfsync_ct_fold(&in, &out), 0);
	assert_tuple(&in.orig, "tcp 192.0.2.10:40000 -> 198.51.100.7:80");
	assert_tuple(&in.reply, "tcp 198.51.100.7:80 -> 203.0.113.1:61000");
	assert_int_equal(in.status, CT_S_SEEN_REPLY | CT_S_ASSURED |
	    CT_S_SRC_NAT | CT_S_SRC_NAT_DONE);
	assert_int_equal(in.timeout, 200);

	/* the other way round gives the same entry */
	ct_entry(&in, IPPROTO_TCP, "192.0.2.10", 40000, "198.51.100.7", 80,
	    "198.51.100.7", 80, "192.0.2.10", 40000);
	ct_snat(&out);
	assert_int_equal(pfsync_ct_fold(&out, &in), 0);
	assert_tuple(&out.reply, "tcp 198.51.100.7:80 -> 203.0.113.1:61000");
	assert_int_equal(out.status & (CT_S_SRC_NAT | CT_S_DST_NAT),
	    CT_S_SRC_NAT);
}

static void
test_fold_combines_dnat_and_snat_of_the_same_orig(void **state)
{
	struct ct_state	 a, b;

	(void)state;
	ct_entry(&a, IPPROTO_TCP, "198.51.100.7", 51000, "203.0.113.10", 443,
	    "192.0.2.80", 8443, "198.51.100.7", 51000);
	ct_entry(&b, IPPROTO_TCP, "198.51.100.7", 51000, "203.0.113.10", 443,
	    "203.0.113.10", 443, "203.0.113.1", 61000);
	assert_int_equal(pfsync_ct_fold(&a, &b), 0);
	assert_tuple(&a.reply, "tcp 192.0.2.80:8443 -> 203.0.113.1:61000");
	assert_int_equal(a.status & (CT_S_SRC_NAT | CT_S_DST_NAT),
	    CT_S_SRC_NAT | CT_S_DST_NAT);
}

static void
test_fold_chains_rdr_in_with_nat_out(void **state)
{
	struct ct_state	 in, out, a;

	(void)state;
	/* in: rdr 203.0.113.10:443 -> 192.0.2.80:8443 */
	ct_dnat(&in);
	in.zone = 2;
	/* out: the post-rdr flow leaves nat-to 192.0.2.1:62000 */
	ct_entry(&out, IPPROTO_TCP, "198.51.100.7", 51000, "192.0.2.80", 8443,
	    "192.0.2.80", 8443, "192.0.2.1", 62000);
	out.zone = 2;
	a = in;
	assert_int_equal(pfsync_ct_fold(&a, &out), 0);
	assert_tuple(&a.orig, "tcp 198.51.100.7:51000 -> 203.0.113.10:443");
	assert_tuple(&a.reply, "tcp 192.0.2.80:8443 -> 192.0.2.1:62000");
	assert_int_equal(a.status & (CT_S_SRC_NAT | CT_S_DST_NAT),
	    CT_S_SRC_NAT | CT_S_DST_NAT);
	assert_int_equal(a.zone, 2);
	/* egress half first: the entry's ORIG becomes the ingress view */
	a = out;
	assert_int_equal(pfsync_ct_fold(&a, &in), 0);
	assert_tuple(&a.orig, "tcp 198.51.100.7:51000 -> 203.0.113.10:443");
	assert_tuple(&a.reply, "tcp 192.0.2.80:8443 -> 192.0.2.1:62000");
}

static void
test_fold_refuses_other_flows_and_other_zones(void **state)
{
	struct ct_state	 a, b, keep;

	(void)state;
	ct_snat(&a);
	ct_dnat(&b);
	keep = a;
	assert_int_equal(pfsync_ct_fold(&a, &b), -1);
	assert_memory_equal(&a, &keep, sizeof(a));
	ct_snat(&b);
	b.zone = 1;
	assert_int_equal(pfsync_ct_fold(&a, &b), -1);
	assert_memory_equal(&a, &keep, sizeof(a));
}

/* The send queue, 5.2 */

static struct pfsync_state
qstate(uint64_t id, uint8_t proto, uint32_t expire)
{
	struct pfsync_state	 st;

	memset(&st, 0, sizeof(st));
	st.id = id;
	st.creatorid = CREATOR;
	st.af = PFSYNC_AF_INET;
	st.proto = proto;
	st.direction = PF_IN;
	st.expire = expire;
	st.timeout = PFTM_TCP_ESTABLISHED;
	st.src.state = st.dst.state = PF_TCPS_ESTABLISHED;
	st.src.seqlo = expire;
	(void)strlcpy(st.ifname, "all", sizeof(st.ifname));
	return (st);
}

/* What a built packet holds, parsed back. */
#define SEEN_MAX	256

struct seen {
	size_t		 n;
	uint8_t		 act[SEEN_MAX];
	uint64_t	 id[SEEN_MAX];
	uint32_t	 val[SEEN_MAX];	/* expire, seqlo, bus status */
};

static int
seen_state(uint8_t action, const struct pfsync_state *st, void *arg)
{
	struct seen	*s = arg;

	assert_true(s->n < SEEN_MAX);
	s->act[s->n] = action;
	s->id[s->n] = st->id;
	s->val[s->n++] = st->expire;
	return (0);
}

static int
seen_upd_c(const struct pfsync_upd_c *u, void *arg)
{
	struct seen	*s = arg;

	assert_true(s->n < SEEN_MAX);
	s->act[s->n] = PFSYNC_ACT_UPD_C;
	s->id[s->n] = u->id;
	s->val[s->n++] = u->src.seqlo;
	return (0);
}

static int
seen_ref(uint8_t action, const struct pfsync_ref *r, void *arg)
{
	struct seen	*s = arg;

	assert_true(s->n < SEEN_MAX);
	s->act[s->n] = action;
	s->id[s->n] = r->id;
	s->val[s->n++] = r->creatorid;
	return (0);
}

static int
seen_bus(const struct pfsync_bus *b, void *arg)
{
	struct seen	*s = arg;

	assert_true(s->n < SEEN_MAX);
	s->act[s->n] = PFSYNC_ACT_BUS;
	s->id[s->n] = b->creatorid;
	s->val[s->n++] = b->status;
	return (0);
}

static const struct pfsync_handler	 seen_handler = {
	.ph_state = seen_state,
	.ph_upd_c = seen_upd_c,
	.ph_ref = seen_ref,
	.ph_bus = seen_bus,
};

/* Builds one packet, checks its framing and parses it into s. */
static size_t
build(struct pfsync_queue *q, uint8_t *pkt, struct seen *s)
{
	struct pfsync_stats	 stats;
	size_t			 len;
	int			 n;

	memset(s, 0, sizeof(*s));
	memset(&stats, 0, sizeof(stats));
	memset(pkt, 0xee, PKTMAX);
	len = pfsync_q_build(q, pkt, PKTMAX);
	if (len == 0)
		return (0);
	assert_true(len <= q->q_mtu - 20);
	assert_int_equal(pkt[0], 6);
	assert_int_equal((size_t)(pkt[2] << 8 | pkt[3]), len);
	assert_int_equal(pkt[len], 0xee);
	n = pfsync_parse(pkt, len, &stats, &seen_handler, s);
	assert_int_equal(n, (int)s->n);
	assert_int_equal(stats.badlen + stats.badact + stats.badver, 0);
	return (len);
}

static void
test_queue_ins_then_upd_c_stays_ins_with_newer_content(void **state)
{
	struct pfsync_queue	 q;
	struct pfsync_state	 st;
	struct pfsync_qent	*ent = NULL;
	struct seen		 s;
	uint8_t			 pkt[PKTMAX];

	(void)state;
	pfsync_q_init(&q, 1500, 128);
	st = qstate(1, IPPROTO_TCP, 10);
	assert_int_equal(pfsync_q_state(&q, PFSYNC_ACT_INS, &st, &ent), 0);
	assert_non_null(ent);
	st = qstate(1, IPPROTO_TCP, 20);
	assert_int_equal(pfsync_q_state(&q, PFSYNC_ACT_UPD_C, &st, &ent), 0);
	assert_int_equal(q.q_len, 1);
	assert_int_equal(ent->q_action, PFSYNC_ACT_INS);
	assert_int_equal(ent->q_st.expire, 20);
	assert_int_equal(build(&q, pkt, &s), 20 + 4 + 264);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.act[0], PFSYNC_ACT_INS);
	assert_int_equal(s.val[0], 20);
	assert_null(ent);
	assert_true(pfsync_q_empty(&q));
}

static void
test_queue_ins_then_del_c_sends_nothing(void **state)
{
	struct pfsync_queue	 q;
	struct pfsync_state	 st;
	struct pfsync_qent	*ent = NULL;
	uint8_t			 pkt[PKTMAX];

	(void)state;
	pfsync_q_init(&q, 1500, 128);
	st = qstate(1, IPPROTO_TCP, 10);
	assert_int_equal(pfsync_q_state(&q, PFSYNC_ACT_INS, &st, &ent), 0);
	st = qstate(1, IPPROTO_TCP, 20);
	assert_int_equal(pfsync_q_state(&q, PFSYNC_ACT_UPD_C, &st, &ent), 0);
	assert_int_equal(pfsync_q_state(&q, PFSYNC_ACT_DEL_C, &st, &ent), 0);
	assert_null(ent);
	assert_true(pfsync_q_empty(&q));
	assert_int_equal(pfsync_q_build(&q, pkt, sizeof(pkt)), 0);
}

static void
test_queue_upd_c_twice_sends_one_with_newer_content(void **state)
{
	struct pfsync_queue	 q;
	struct pfsync_state	 st;
	struct pfsync_qent	*ent = NULL;
	struct seen		 s;
	uint8_t			 pkt[PKTMAX];

	(void)state;
	pfsync_q_init(&q, 1500, 128);
	st = qstate(1, IPPROTO_TCP, 10);
	assert_int_equal(pfsync_q_state(&q, PFSYNC_ACT_UPD_C, &st, &ent), 0);
	assert_int_equal(ent->q_updates, 0);
	st = qstate(1, IPPROTO_TCP, 30);
	assert_int_equal(pfsync_q_state(&q, PFSYNC_ACT_UPD_C, &st, &ent), 0);
	assert_int_equal(ent->q_updates, 1);
	assert_int_equal(q.q_len, 1);
	assert_int_equal(build(&q, pkt, &s), 20 + 4 + 84);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.act[0], PFSYNC_ACT_UPD_C);
	assert_int_equal(s.val[0], 30);
	assert_null(ent);
}

static void
test_queue_upd_c_then_del_c_sends_the_del_c(void **state)
{
	struct pfsync_queue	 q;
	struct pfsync_state	 st;
	struct pfsync_qent	*ent = NULL;
	struct seen		 s;
	uint8_t			 pkt[PKTMAX];

	(void)state;
	pfsync_q_init(&q, 1500, 128);
	st = qstate(0x0102030405060708ULL, IPPROTO_TCP, 10);
	assert_int_equal(pfsync_q_state(&q, PFSYNC_ACT_UPD_C, &st, &ent), 0);
	assert_int_equal(pfsync_q_state(&q, PFSYNC_ACT_DEL_C, &st, &ent), 0);
	assert_int_equal(q.q_len, 1);
	assert_int_equal(ent->q_action, PFSYNC_ACT_DEL_C);
	assert_true(TAILQ_EMPTY(&q.q_list[PFSYNC_Q_UPD_C]));
	/* a late UPD_C for a deleted state is dropped */
	assert_int_equal(pfsync_q_state(&q, PFSYNC_ACT_UPD_C, &st, &ent), 0);
	assert_int_equal(q.q_len, 1);
	assert_int_equal(build(&q, pkt, &s), 20 + 4 + 12);
	assert_memory_equal(pkt + 20, "\x07\x03\x00\x01"
	    "\x01\x02\x03\x04\x05\x06\x07\x08" "\x5e\xed\x00\x01", 16);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.act[0], PFSYNC_ACT_DEL_C);
	assert_null(ent);
}

static void
test_queue_upd_c_then_ins_becomes_an_ins(void **state)
{
	struct pfsync_queue	 q;
	struct pfsync_state	 st;
	struct pfsync_qent	*ent = NULL;

	(void)state;
	pfsync_q_init(&q, 1500, 128);
	st = qstate(1, IPPROTO_TCP, 10);
	assert_int_equal(pfsync_q_state(&q, PFSYNC_ACT_UPD_C, &st, &ent), 0);
	st = qstate(1, IPPROTO_TCP, 40);
	assert_int_equal(pfsync_q_state(&q, PFSYNC_ACT_INS, &st, &ent), 0);
	assert_int_equal(q.q_len, 1);
	assert_int_equal(ent->q_action, PFSYNC_ACT_INS);
	assert_int_equal(ent->q_st.expire, 40);
	assert_ptr_equal(TAILQ_FIRST(&q.q_list[PFSYNC_Q_INS]), ent);
	pfsync_q_clear(&q);
	assert_null(ent);
}

static void
test_queue_del_c_then_ins_sends_both_del_c_first(void **state)
{
	struct pfsync_queue	 q;
	struct pfsync_state	 st;
	struct pfsync_qent	*ent = NULL, *old;
	struct seen		 s;
	uint8_t			 pkt[PKTMAX];

	(void)state;
	pfsync_q_init(&q, 1500, 128);
	st = qstate(1, IPPROTO_TCP, 10);
	assert_int_equal(pfsync_q_state(&q, PFSYNC_ACT_DEL_C, &st, &ent), 0);
	old = ent;
	st = qstate(2, IPPROTO_TCP, 50);
	assert_int_equal(pfsync_q_state(&q, PFSYNC_ACT_INS, &st, &ent), 0);
	assert_int_equal(q.q_len, 2);
	assert_ptr_not_equal(ent, old);
	assert_null(old->q_entp);
	assert_int_equal(ent->q_action, PFSYNC_ACT_INS);
	build(&q, pkt, &s);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.act[0], PFSYNC_ACT_DEL_C);
	assert_true(s.id[0] == 1);
	assert_int_equal(s.act[1], PFSYNC_ACT_INS);
	assert_true(s.id[1] == 2);
	assert_null(ent);
}

static void
test_queue_never_coalesces_bulk_upd(void **state)
{
	struct pfsync_queue	 q;
	struct pfsync_state	 st;
	struct pfsync_qent	*ent = NULL, *pending;
	struct seen		 s;
	uint8_t			 pkt[PKTMAX];

	(void)state;
	pfsync_q_init(&q, 1500, 128);
	st = qstate(1, IPPROTO_TCP, 10);
	assert_int_equal(pfsync_q_state(&q, PFSYNC_ACT_UPD, &st, NULL), 0);
	assert_int_equal(pfsync_q_state(&q, PFSYNC_ACT_UPD, &st, NULL), 0);
	assert_int_equal(q.q_len, 2);
	/* an UPD leaves the state's pending UPD_C alone */
	assert_int_equal(pfsync_q_state(&q, PFSYNC_ACT_UPD_C, &st, &ent), 0);
	pending = ent;
	assert_int_equal(pfsync_q_state(&q, PFSYNC_ACT_UPD, &st, &ent), 0);
	assert_ptr_equal(ent, pending);
	assert_int_equal(ent->q_action, PFSYNC_ACT_UPD_C);
	assert_int_equal(q.q_len, 4);
	build(&q, pkt, &s);
	assert_int_equal(s.n, 4);
	assert_int_equal(s.act[0], PFSYNC_ACT_UPD_C);
	assert_int_equal(s.act[1], PFSYNC_ACT_UPD);
	assert_int_equal(s.act[3], PFSYNC_ACT_UPD);
	assert_null(ent);
}

static void
test_queue_refuses_actions_that_are_not_state_messages(void **state)
{
	struct pfsync_queue	 q;
	struct pfsync_state	 st;
	struct pfsync_qent	*ent = NULL;
	struct pfsync_ref	 ref = { 1, CREATOR };

	(void)state;
	pfsync_q_init(&q, 1500, 128);
	st = qstate(1, IPPROTO_TCP, 10);
	assert_int_equal(pfsync_q_state(&q, PFSYNC_ACT_DEL, &st, &ent), -1);
	assert_int_equal(pfsync_q_state(&q, PFSYNC_ACT_CLR, &st, &ent), -1);
	assert_int_equal(pfsync_q_ref(&q, PFSYNC_ACT_DEL_C, &ref), -1);
	assert_null(ent);
	assert_true(pfsync_q_empty(&q));
}

static void
test_queue_asks_for_a_flush_when_tcp_reaches_maxupd(void **state)
{
	struct pfsync_queue	 q;
	struct pfsync_state	 st;
	struct pfsync_qent	*tcp = NULL, *udp = NULL;
	int			 i;

	(void)state;
	pfsync_q_init(&q, 1500, 3);
	st = qstate(1, IPPROTO_TCP, 10);
	/* the first UPD_C and two merged ones: not yet */
	for (i = 0; i < 3; i++)
		assert_int_equal(pfsync_q_state(&q, PFSYNC_ACT_UPD_C, &st,
		    &tcp), 0);
	assert_int_equal(tcp->q_updates, 2);
	assert_int_equal(pfsync_q_state(&q, PFSYNC_ACT_UPD_C, &st, &tcp), 1);
	assert_int_equal(tcp->q_updates, 3);
	assert_int_equal(pfsync_q_state(&q, PFSYNC_ACT_UPD_C, &st, &tcp), 1);

	st = qstate(2, IPPROTO_UDP, 10);
	for (i = 0; i < 10; i++)
		assert_int_equal(pfsync_q_state(&q, PFSYNC_ACT_UPD_C, &st,
		    &udp), 0);
	assert_int_equal(q.q_len, 2);

	/* a fresh message after the flush counts from zero again */
	pfsync_q_clear(&q);
	assert_null(tcp);
	assert_null(udp);
	st = qstate(1, IPPROTO_TCP, 10);
	assert_int_equal(pfsync_q_state(&q, PFSYNC_ACT_UPD_C, &st, &tcp), 0);
	assert_int_equal(tcp->q_updates, 0);
	pfsync_q_clear(&q);
}

static void
fill(struct pfsync_queue *q, uint8_t action, size_t n,
    struct pfsync_qent **ents)
{
	struct pfsync_state	 st;
	size_t			 i;

	for (i = 0; i < n; i++) {
		st = qstate(1000 + i, IPPROTO_TCP, (uint32_t)(100 + i));
		if (ents != NULL)
			ents[i] = NULL;
		assert_int_equal(pfsync_q_state(q, action, &st,
		    ents != NULL ? &ents[i] : NULL), 0);
	}
}

static void
assert_capacity(size_t mtu, uint8_t action, size_t total, size_t per,
    size_t msglen)
{
	struct pfsync_queue	 q;
	struct seen		 s;
	uint8_t			 pkt[PKTMAX];
	size_t			 left = total, next = 0, len, i;

	pfsync_q_init(&q, mtu, 128);
	fill(&q, action, total, NULL);
	while (left > 0) {
		len = build(&q, pkt, &s);
		assert_int_equal(s.n, left < per ? left : per);
		assert_int_equal(len, 20 + 4 + s.n * msglen);
		assert_int_equal(pkt[20], action);
		assert_int_equal(pkt[21], msglen / 4);
		assert_int_equal(pkt[22] << 8 | pkt[23], s.n);
		for (i = 0; i < s.n; i++) {
			assert_int_equal(s.act[i], action);
			assert_true(s.id[i] == 1000 + next + i);
		}
		next += s.n;
		left -= s.n;
	}
	assert_true(pfsync_q_empty(&q));
	assert_int_equal(pfsync_q_build(&q, pkt, sizeof(pkt)), 0);
}

static void
test_a_1500_byte_packet_holds_5_states_or_17_upd_c(void **state)
{
	(void)state;
	assert_capacity(1500, PFSYNC_ACT_INS, 12, 5, 264);
	assert_capacity(1500, PFSYNC_ACT_UPD, 5, 5, 264);
	assert_capacity(1500, PFSYNC_ACT_UPD_C, 40, 17, 84);
}

static void
test_a_9000_byte_packet_holds_33_states_or_106_upd_c(void **state)
{
	(void)state;
	assert_capacity(9000, PFSYNC_ACT_UPD, 70, 33, 264);
	assert_capacity(9000, PFSYNC_ACT_UPD_C, 220, 106, 84);
}

static void
test_built_packet_has_sections_in_pfsync_order(void **state)
{
	static const uint8_t	 order[] = {
		PFSYNC_ACT_INS_ACK, PFSYNC_ACT_UPD_C, PFSYNC_ACT_DEL_C,
		PFSYNC_ACT_INS, PFSYNC_ACT_UPD, PFSYNC_ACT_UPD_REQ,
		PFSYNC_ACT_BUS
	};
	/* offset of each subheader, its words */
	static const size_t	 off[] = { 20, 36, 124, 140, 408, 676, 692 };
	static const uint8_t	 words[] = { 3, 21, 3, 66, 66, 3, 3 };
	struct pfsync_queue	 q;
	struct pfsync_state	 st;
	struct pfsync_qent	*e1 = NULL, *e2 = NULL, *e3 = NULL;
	struct pfsync_ref	 ack = { 0x6543210000000007ULL, CREATOR };
	struct pfsync_ref	 req = { 0x77, 0x12345678 };
	struct pfsync_bus	 bus = { CREATOR, 0, PFSYNC_BUS_END };
	struct seen		 s;
	uint8_t			 pkt[PKTMAX];
	size_t			 i;

	(void)state;
	pfsync_q_init(&q, 1500, 128);
	/* queued in the reverse of the order they go out */
	pfsync_q_bus(&q, &bus);
	assert_int_equal(pfsync_q_ref(&q, PFSYNC_ACT_UPD_REQ, &req), 0);
	st = qstate(5, IPPROTO_TCP, 55);
	assert_int_equal(pfsync_q_state(&q, PFSYNC_ACT_UPD, &st, NULL), 0);
	st = qstate(4, IPPROTO_TCP, 44);
	assert_int_equal(pfsync_q_state(&q, PFSYNC_ACT_INS, &st, &e1), 0);
	st = qstate(3, IPPROTO_TCP, 33);
	assert_int_equal(pfsync_q_state(&q, PFSYNC_ACT_DEL_C, &st, &e2), 0);
	st = qstate(2, IPPROTO_TCP, 22);
	assert_int_equal(pfsync_q_state(&q, PFSYNC_ACT_UPD_C, &st, &e3), 0);
	assert_int_equal(pfsync_q_ref(&q, PFSYNC_ACT_INS_ACK, &ack), 0);
	assert_int_equal(q.q_len, 7);

	assert_int_equal(build(&q, pkt, &s), 708);
	assert_memory_equal(pkt, "\x06\x00\x02\xc4", 4);
	for (i = 0; i < sizeof(order); i++) {
		assert_int_equal(pkt[off[i]], order[i]);
		assert_int_equal(pkt[off[i] + 1], words[i]);
		assert_int_equal(pkt[off[i] + 2] << 8 | pkt[off[i] + 3], 1);
		assert_int_equal(s.act[i], order[i]);
	}
	assert_int_equal(s.n, 7);
	assert_memory_equal(pkt + 24, "\x65\x43\x21\x00\x00\x00\x00\x07"
	    "\x5e\xed\x00\x01", 12);
	assert_true(s.id[1] == 2 && s.val[1] == 22);
	assert_true(s.id[2] == 3);
	assert_true(s.id[3] == 4 && s.val[3] == 44);
	assert_true(s.id[4] == 5 && s.val[4] == 55);
	assert_true(s.id[5] == 0x77 && s.val[5] == 0x12345678);
	assert_true(s.id[6] == CREATOR && s.val[6] == PFSYNC_BUS_END);
	assert_null(e1);
	assert_null(e2);
	assert_null(e3);
	assert_true(pfsync_q_empty(&q));
}

static void
test_built_packets_match_the_spec_golden_frames(void **state)
{
	static const uint8_t	 bulk_req[] = {
		0x06, 0x00, 0x00, 0x24, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0, 0, 0, 0,
		0x05, 0x03, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
	};
	static const uint8_t	 bus_end[] = {
		0x06, 0x00, 0x00, 0x24, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0, 0, 0, 0,
		0x0a, 0x03, 0x00, 0x01, 0x5e, 0xed, 0x00, 0x01, 0, 0, 0, 0,
		0x02, 0, 0, 0
	};
	static const uint8_t	 ins_ack[] = {
		0x06, 0x00, 0x00, 0x24, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0, 0, 0, 0,
		0x02, 0x03, 0x00, 0x01, 0x65, 0x43, 0x21, 0x00, 0x00, 0x00,
		0x00, 0x07, 0x5e, 0xed, 0x00, 0x01
	};
	struct pfsync_queue	 q;
	struct pfsync_ref	 zero = { 0, 0 };
	struct pfsync_ref	 ack = { 0x6543210000000007ULL, CREATOR };
	struct pfsync_bus	 bus = { CREATOR, 0, PFSYNC_BUS_END };
	uint8_t			 pkt[PKTMAX];

	(void)state;
	pfsync_q_init(&q, 1500, 128);
	assert_int_equal(pfsync_q_ref(&q, PFSYNC_ACT_UPD_REQ, &zero), 0);
	assert_int_equal(pfsync_q_build(&q, pkt, sizeof(pkt)),
	    sizeof(bulk_req));
	assert_memory_equal(pkt, bulk_req, sizeof(bulk_req));
	pfsync_q_bus(&q, &bus);
	assert_int_equal(pfsync_q_build(&q, pkt, sizeof(pkt)),
	    sizeof(bus_end));
	assert_memory_equal(pkt, bus_end, sizeof(bus_end));
	assert_int_equal(pfsync_q_ref(&q, PFSYNC_ACT_INS_ACK, &ack), 0);
	assert_int_equal(pfsync_q_build(&q, pkt, sizeof(pkt)),
	    sizeof(ins_ack));
	assert_memory_equal(pkt, ins_ack, sizeof(ins_ack));
	assert_true(pfsync_q_empty(&q));
}

static void
test_a_message_that_does_not_fit_waits_for_the_next_packet(void **state)
{
	struct pfsync_queue	 q;
	struct pfsync_state	 st;
	struct pfsync_qent	*upd[3], *ins[6];
	struct pfsync_ref	 req = { 0x99, CREATOR };
	struct seen		 s;
	uint8_t			 pkt[PKTMAX];
	size_t			 i;

	(void)state;
	pfsync_q_init(&q, 1500, 128);
	fill(&q, PFSYNC_ACT_UPD_C, 3, upd);
	for (i = 0; i < 6; i++) {
		st = qstate(2000 + i, IPPROTO_TCP, (uint32_t)i);
		ins[i] = NULL;
		assert_int_equal(pfsync_q_state(&q, PFSYNC_ACT_INS, &st,
		    &ins[i]), 0);
	}
	assert_int_equal(pfsync_q_ref(&q, PFSYNC_ACT_UPD_REQ, &req), 0);
	/* 24 + 3 * 84 = 276; 4 INS take 1060 more, a fifth would not fit */
	assert_int_equal(build(&q, pkt, &s), 276 + 4 + 4 * 264);
	assert_int_equal(s.n, 7);
	for (i = 0; i < 3; i++) {
		assert_int_equal(s.act[i], PFSYNC_ACT_UPD_C);
		assert_null(upd[i]);
	}
	for (i = 0; i < 4; i++) {
		assert_int_equal(s.act[3 + i], PFSYNC_ACT_INS);
		assert_true(s.id[3 + i] == 2000 + i);
		assert_null(ins[i]);
	}
	/* the UPD_REQ would fit, but must not overtake the INS left behind */
	assert_non_null(ins[4]);
	assert_non_null(ins[5]);
	assert_ptr_equal(ins[4]->q_entp, &ins[4]);
	assert_int_equal(q.q_len, 3);

	assert_int_equal(build(&q, pkt, &s), 20 + 4 + 2 * 264 + 4 + 12);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.act[0], PFSYNC_ACT_INS);
	assert_true(s.id[0] == 2004);
	assert_true(s.id[1] == 2005);
	assert_int_equal(s.act[2], PFSYNC_ACT_UPD_REQ);
	assert_true(s.id[2] == 0x99);
	assert_null(ins[4]);
	assert_null(ins[5]);
	assert_true(pfsync_q_empty(&q));
}

static void
test_build_respects_a_buffer_smaller_than_the_mtu(void **state)
{
	struct pfsync_queue	 q;
	uint8_t			 pkt[PKTMAX];
	size_t			 len;

	(void)state;
	pfsync_q_init(&q, 9000, 128);
	fill(&q, PFSYNC_ACT_UPD_C, 20, NULL);
	len = pfsync_q_build(&q, pkt, 20 + 4 + 5 * 84 + 83);
	assert_int_equal(len, 20 + 4 + 5 * 84);
	assert_int_equal(pkt[23], 5);
	assert_int_equal(q.q_len, 15);
	pfsync_q_clear(&q);
}

static void
test_queue_does_not_repeat_a_pending_ack_or_request(void **state)
{
	struct pfsync_queue	 q;
	struct pfsync_ref	 a = { 1, CREATOR }, b = { 1, 0x1234 };
	struct seen		 s;
	uint8_t			 pkt[PKTMAX];

	(void)state;
	pfsync_q_init(&q, 1500, 128);
	assert_int_equal(pfsync_q_ref(&q, PFSYNC_ACT_INS_ACK, &a), 0);
	assert_int_equal(pfsync_q_ref(&q, PFSYNC_ACT_INS_ACK, &a), 0);
	assert_int_equal(pfsync_q_ref(&q, PFSYNC_ACT_INS_ACK, &b), 0);
	assert_int_equal(pfsync_q_ref(&q, PFSYNC_ACT_UPD_REQ, &a), 0);
	assert_int_equal(pfsync_q_ref(&q, PFSYNC_ACT_UPD_REQ, &a), 0);
	assert_int_equal(q.q_len, 3);
	build(&q, pkt, &s);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.act[0], PFSYNC_ACT_INS_ACK);
	assert_int_equal(s.val[0], CREATOR);
	assert_int_equal(s.act[1], PFSYNC_ACT_INS_ACK);
	assert_int_equal(s.val[1], 0x1234);
	assert_int_equal(s.act[2], PFSYNC_ACT_UPD_REQ);
	/* once sent, the same one may be queued again */
	assert_int_equal(pfsync_q_ref(&q, PFSYNC_ACT_INS_ACK, &a), 0);
	assert_int_equal(q.q_len, 1);
	pfsync_q_clear(&q);
}

static void
test_bus_start_goes_with_the_first_upds_and_bus_end_with_the_last(
    void **state)
{
	struct pfsync_queue	 q;
	struct pfsync_bus	 start = { CREATOR, 0, PFSYNC_BUS_START };
	struct pfsync_bus	 end = { CREATOR, 0, PFSYNC_BUS_END };
	struct seen		 s;
	uint8_t			 pkt[PKTMAX];
	size_t			 i;

	(void)state;
	pfsync_q_init(&q, 1500, 128);
	pfsync_q_bus(&q, &start);
	fill(&q, PFSYNC_ACT_UPD, 12, NULL);
	pfsync_q_bus(&q, &end);
	assert_int_equal(q.q_len, 14);

	/* still five states: the room kept for the BUS costs none */
	assert_int_equal(build(&q, pkt, &s), 20 + 4 + 5 * 264 + 4 + 12);
	assert_int_equal(s.n, 6);
	for (i = 0; i < 5; i++)
		assert_int_equal(s.act[i], PFSYNC_ACT_UPD);
	assert_int_equal(s.act[5], PFSYNC_ACT_BUS);
	assert_int_equal(s.val[5], PFSYNC_BUS_START);

	assert_int_equal(build(&q, pkt, &s), 20 + 4 + 5 * 264);
	assert_int_equal(s.n, 5);
	assert_int_equal(s.act[4], PFSYNC_ACT_UPD);

	assert_int_equal(build(&q, pkt, &s), 20 + 4 + 2 * 264 + 4 + 12);
	assert_int_equal(s.n, 3);
	assert_true(s.id[1] == 1011);
	assert_int_equal(s.act[2], PFSYNC_ACT_BUS);
	assert_int_equal(s.val[2], PFSYNC_BUS_END);
	assert_true(pfsync_q_empty(&q));
}

static void
test_room_is_kept_for_a_pending_bus_in_a_full_packet(void **state)
{
	struct pfsync_queue	 q;
	struct pfsync_bus	 start = { CREATOR, 0, PFSYNC_BUS_START };
	uint8_t			 pkt[PKTMAX];

	(void)state;
	pfsync_q_init(&q, 1500, 128);
	pfsync_q_bus(&q, &start);
	fill(&q, PFSYNC_ACT_UPD, 5, NULL);
	/* a buffer of exactly five states: four and the BUS START */
	assert_int_equal(pfsync_q_build(&q, pkt, 20 + 4 + 5 * 264),
	    20 + 4 + 4 * 264 + 4 + 12);
	assert_int_equal(pkt[20 + 4 + 4 * 264], PFSYNC_ACT_BUS);
	assert_int_equal(q.q_len, 1);
	pfsync_q_clear(&q);
}

static void
test_bus_start_and_end_of_an_empty_bulk_share_one_section(void **state)
{
	struct pfsync_queue	 q;
	struct pfsync_bus	 start = { CREATOR, 0, PFSYNC_BUS_START };
	struct pfsync_bus	 end = { CREATOR, 0, PFSYNC_BUS_END };
	struct seen		 s;
	uint8_t			 pkt[PKTMAX];

	(void)state;
	pfsync_q_init(&q, 1500, 128);
	pfsync_q_bus(&q, &start);
	pfsync_q_bus(&q, &end);
	assert_int_equal(q.q_len, 2);
	assert_int_equal(build(&q, pkt, &s), 20 + 4 + 2 * 12);
	assert_memory_equal(pkt + 20, "\x0a\x03\x00\x02", 4);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.val[0], PFSYNC_BUS_START);
	assert_int_equal(s.val[1], PFSYNC_BUS_END);
	assert_true(pfsync_q_empty(&q));
}

static void
test_bus_is_not_held_back_by_messages_other_than_upd(void **state)
{
	struct pfsync_queue	 q;
	struct pfsync_bus	 end = { CREATOR, 0, PFSYNC_BUS_END };
	struct seen		 s;
	uint8_t			 pkt[PKTMAX];

	(void)state;
	pfsync_q_init(&q, 1500, 128);
	fill(&q, PFSYNC_ACT_INS, 6, NULL);
	pfsync_q_bus(&q, &end);
	build(&q, pkt, &s);
	assert_int_equal(s.n, 6);
	assert_int_equal(s.act[4], PFSYNC_ACT_INS);
	assert_int_equal(s.act[5], PFSYNC_ACT_BUS);
	build(&q, pkt, &s);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.act[0], PFSYNC_ACT_INS);
}

static void
test_a_bus_beyond_the_pending_limit_replaces_the_newest(void **state)
{
	struct pfsync_queue	 q;
	struct pfsync_bus	 bus = { CREATOR, 0, 0 };
	struct seen		 s;
	uint8_t			 pkt[PKTMAX];
	int			 i;

	(void)state;
	pfsync_q_init(&q, 1500, 128);
	for (i = 1; i <= PFSYNC_Q_BUSMAX + 1; i++) {
		bus.endtime = (uint32_t)i;
		bus.status = (uint8_t)i;
		pfsync_q_bus(&q, &bus);
	}
	assert_int_equal(q.q_len, PFSYNC_Q_BUSMAX);
	build(&q, pkt, &s);
	assert_int_equal(s.n, PFSYNC_Q_BUSMAX);
	for (i = 0; i < PFSYNC_Q_BUSMAX - 1; i++)
		assert_int_equal(s.val[i], i + 1);
	assert_int_equal(s.val[PFSYNC_Q_BUSMAX - 1], PFSYNC_Q_BUSMAX + 1);
	assert_true(pfsync_q_empty(&q));
}

static void
test_detach_keeps_the_message_and_forget_drops_it(void **state)
{
	struct pfsync_queue	 q;
	struct pfsync_state	 st;
	struct pfsync_qent	*a = NULL, *b = NULL, *e;
	struct seen		 s;
	uint8_t			 pkt[PKTMAX];

	(void)state;
	pfsync_q_init(&q, 1500, 128);
	st = qstate(1, IPPROTO_TCP, 10);
	assert_int_equal(pfsync_q_state(&q, PFSYNC_ACT_DEL_C, &st, &a), 0);
	st = qstate(2, IPPROTO_TCP, 20);
	assert_int_equal(pfsync_q_state(&q, PFSYNC_ACT_UPD_C, &st, &b), 0);
	e = a;
	pfsync_q_detach(&a);
	assert_null(a);
	assert_null(e->q_entp);
	pfsync_q_detach(&a);
	pfsync_q_forget(&q, &b);
	assert_null(b);
	pfsync_q_forget(&q, &b);
	assert_int_equal(q.q_len, 1);
	build(&q, pkt, &s);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.act[0], PFSYNC_ACT_DEL_C);
	assert_true(s.id[0] == 1);
}

static void
test_clear_frees_everything_and_clears_callers_pointers(void **state)
{
	struct pfsync_queue	 q;
	struct pfsync_qent	*ents[8];
	struct pfsync_ref	 ref = { 1, CREATOR };
	struct pfsync_bus	 bus = { CREATOR, 0, PFSYNC_BUS_START };
	uint8_t			 pkt[PKTMAX];
	size_t			 i;

	(void)state;
	pfsync_q_init(&q, 1500, 128);
	fill(&q, PFSYNC_ACT_INS, 8, ents);
	fill(&q, PFSYNC_ACT_UPD, 3, NULL);
	assert_int_equal(pfsync_q_ref(&q, PFSYNC_ACT_INS_ACK, &ref), 0);
	assert_int_equal(pfsync_q_ref(&q, PFSYNC_ACT_UPD_REQ, &ref), 0);
	pfsync_q_bus(&q, &bus);
	assert_int_equal(q.q_len, 14);
	pfsync_q_clear(&q);
	for (i = 0; i < 8; i++)
		assert_null(ents[i]);
	assert_true(pfsync_q_empty(&q));
	assert_int_equal(pfsync_q_build(&q, pkt, sizeof(pkt)), 0);
}

int
main(void)
{
	const struct CMUnitTest	 tests[] = {
		cmocka_unit_test(
		    test_export_of_snat_tcp_gives_exact_keys_and_states),
		cmocka_unit_test(
		    test_export_of_snat_puts_the_keys_on_the_wire_as_raw_bytes),
		cmocka_unit_test(
		    test_export_of_the_spec_rdr_gives_its_wire_and_stack_keys),
		cmocka_unit_test(
		    test_export_without_window_scaling_sends_wscale_zero),
		cmocka_unit_test(
		    test_import_of_the_spec_rdr_gives_orig_as_wire_and_dst_nat),
		cmocka_unit_test(test_import_never_sets_confirmed),
		cmocka_unit_test(
		    test_import_of_an_out_state_orients_by_the_stack_key),
		cmocka_unit_test(
		    test_in_and_out_halves_without_nat_import_to_one_orig),
		cmocka_unit_test(test_import_takes_key_af_zero_as_the_state_af),
		cmocka_unit_test(
		    test_import_ignores_bytes_past_an_ipv4_address),
		cmocka_unit_test(
		    test_tcp_round_trip_follows_the_tables_for_every_state),
		cmocka_unit_test(
		    test_ipv6_round_trip_keeps_tuples_and_uses_af_24),
		cmocka_unit_test(
		    test_udp_and_other_protocols_follow_their_rows_both_ways),
		cmocka_unit_test(
		    test_export_refuses_icmp_until_the_packing_is_known),
		cmocka_unit_test(
		    test_export_refuses_unknown_family_and_tcp_without_state),
		cmocka_unit_test(test_import_refuses_af_to),
		cmocka_unit_test(
		    test_import_refuses_synproxy_states_on_either_side),
		cmocka_unit_test(
		    test_import_refuses_modulated_sequence_numbers_either_side),
		cmocka_unit_test(
		    test_import_refuses_timestamp_modulation_when_valid_and_on),
		cmocka_unit_test(test_import_refuses_an_expired_state),
		cmocka_unit_test(
		    test_import_refuses_what_conntrack_cannot_hold),
		cmocka_unit_test(
		    test_tcp_timeout_index_follows_pf_five_cases_in_order),
		cmocka_unit_test(
		    test_udp_and_other_timeout_indexes_follow_single_multiple),
		cmocka_unit_test(
		    test_tcp_side_is_stale_when_ours_has_a_higher_state),
		cmocka_unit_test(
		    test_tcp_proxy_state_of_ours_gives_way_to_a_real_one),
		cmocka_unit_test(
		    test_equal_tcp_state_is_stale_when_our_seqlo_is_later),
		cmocka_unit_test(
		    test_other_protocols_are_stale_only_going_backwards),
		cmocka_unit_test(
		    test_upd_c_moves_the_tcp_state_and_keeps_the_nat),
		cmocka_unit_test(
		    test_upd_c_of_a_synproxy_state_changes_nothing),
		cmocka_unit_test(test_upd_c_of_udp_adds_status_bits_only),
		cmocka_unit_test(
		    test_fold_of_the_same_orig_takes_the_translating_half),
		cmocka_unit_test(
		    test_fold_combines_dnat_and_snat_of_the_same_orig),
		cmocka_unit_test(test_fold_chains_rdr_in_with_nat_out),
		cmocka_unit_test(test_fold_refuses_other_flows_and_other_zones),
		cmocka_unit_test(
		    test_queue_ins_then_upd_c_stays_ins_with_newer_content),
		cmocka_unit_test(test_queue_ins_then_del_c_sends_nothing),
		cmocka_unit_test(
		    test_queue_upd_c_twice_sends_one_with_newer_content),
		cmocka_unit_test(test_queue_upd_c_then_del_c_sends_the_del_c),
		cmocka_unit_test(test_queue_upd_c_then_ins_becomes_an_ins),
		cmocka_unit_test(
		    test_queue_del_c_then_ins_sends_both_del_c_first),
		cmocka_unit_test(test_queue_never_coalesces_bulk_upd),
		cmocka_unit_test(
		    test_queue_refuses_actions_that_are_not_state_messages),
		cmocka_unit_test(
		    test_queue_asks_for_a_flush_when_tcp_reaches_maxupd),
		cmocka_unit_test(
		    test_a_1500_byte_packet_holds_5_states_or_17_upd_c),
		cmocka_unit_test(
		    test_a_9000_byte_packet_holds_33_states_or_106_upd_c),
		cmocka_unit_test(
		    test_built_packet_has_sections_in_pfsync_order),
		cmocka_unit_test(
		    test_built_packets_match_the_spec_golden_frames),
		cmocka_unit_test(
		    test_a_message_that_does_not_fit_waits_for_the_next_packet),
		cmocka_unit_test(
		    test_build_respects_a_buffer_smaller_than_the_mtu),
		cmocka_unit_test(
		    test_queue_does_not_repeat_a_pending_ack_or_request),
		cmocka_unit_test(
	    test_bus_start_goes_with_the_first_upds_and_bus_end_with_the_last),
		cmocka_unit_test(
		    test_room_is_kept_for_a_pending_bus_in_a_full_packet),
		cmocka_unit_test(
		    test_bus_start_and_end_of_an_empty_bulk_share_one_section),
		cmocka_unit_test(
		    test_bus_is_not_held_back_by_messages_other_than_upd),
		cmocka_unit_test(
		    test_a_bus_beyond_the_pending_limit_replaces_the_newest),
		cmocka_unit_test(
		    test_detach_keeps_the_message_and_forget_drops_it),
		cmocka_unit_test(
		    test_clear_frees_everything_and_clears_callers_pointers),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
