/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * pfsync_wire: the golden frames of specs/pfsync.md section 2 byte for
 * byte, the state and upd_c layouts offset by offset (tables 4.1, 4.2
 * and section 3), every action through the parser, the walk's refusals
 * and skips with their counters, the import checks of 4.5 and the
 * printer behind pfsyncctl decode.
 */

#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "pfsync_wire.h"

#define REC_MAX		32
#define PKT_MAX		4096

/* What the callbacks saw, in order. */
struct rec {
	int			 n;
	uint8_t			 acts[REC_MAX];
	int			 stop_at;	/* call returning -1, or -1 */
	int			 nstates;
	uint8_t			 state_acts[4];
	struct pfsync_state	 states[4];
	int			 nupd_c;
	struct pfsync_upd_c	 upd_c;
	int			 nrefs;
	struct pfsync_ref	 refs[8];
	int			 nclr;
	struct pfsync_clr	 clr;
	int			 nbus;
	struct pfsync_bus	 bus;
	int			 ntdb;
};

struct pkt {
	uint8_t		 p_buf[PKT_MAX];
	struct wbuf	 p_w;
};

static int	 rec_push(struct rec *, uint8_t);
static int	 rec_state(uint8_t, const struct pfsync_state *, void *);
static int	 rec_upd_c(const struct pfsync_upd_c *, void *);
static int	 rec_ref(uint8_t, const struct pfsync_ref *, void *);
static int	 rec_clr(const struct pfsync_clr *, void *);
static int	 rec_bus(const struct pfsync_bus *, void *);
static int	 rec_tdb(uint8_t, void *);

static const struct pfsync_handler	 rec_handler = {
	.ph_state = rec_state,
	.ph_upd_c = rec_upd_c,
	.ph_ref = rec_ref,
	.ph_clr = rec_clr,
	.ph_bus = rec_bus,
	.ph_tdb = rec_tdb,
};

/* The golden frames as printed in section 2. */
static const char	 golden_bulk_req[] =
    "06 00 00 24  00000000 00000000 00000000 00000000"
    "05 03 00 01  00000000 00000000 00000000";
static const char	 golden_bus_end[] =
    "06 00 00 24  00000000 00000000 00000000 00000000"
    "0a 03 00 01  5eed0001 00000000 02 000000";
static const char	 golden_ins_ack[] =
    "06 00 00 24  00000000 00000000 00000000 00000000"
    "02 03 00 01  6543210000000007 5eed0001";

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

/* Decodes hex, spaces allowed between bytes; returns the byte count. */
static size_t
unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t	 n = 0;
	int	 hi, lo;

	while (*s != '\0') {
		if (*s == ' ') {
			s++;
			continue;
		}
		hi = hexval(s[0]);
		lo = hi == -1 ? -1 : hexval(s[1]);
		if (hi == -1 || lo == -1 || n == cap)
			fail_msg("bad hex at '%s'", s);
		out[n++] = (uint8_t)(hi << 4 | lo);
		s += 2;
	}
	return (n);
}

static uint16_t
be16(const uint8_t *p)
{
	return ((uint16_t)(p[0] << 8 | p[1]));
}

static uint32_t
be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3]);
}

static uint64_t
be64(const uint8_t *p)
{
	return ((uint64_t)be32(p) << 32 | be32(p + 4));
}

static int
rec_push(struct rec *r, uint8_t action)
{
	int	 i = r->n;

	assert_true(r->n < REC_MAX);
	r->acts[r->n++] = action;
	return (i == r->stop_at ? -1 : 0);
}

static int
rec_state(uint8_t action, const struct pfsync_state *s, void *arg)
{
	struct rec	*r = arg;

	if (r->nstates < 4) {
		r->state_acts[r->nstates] = action;
		r->states[r->nstates] = *s;
	}
	r->nstates++;
	return (rec_push(r, action));
}

static int
rec_upd_c(const struct pfsync_upd_c *u, void *arg)
{
	struct rec	*r = arg;

	r->upd_c = *u;
	r->nupd_c++;
	return (rec_push(r, PFSYNC_ACT_UPD_C));
}

static int
rec_ref(uint8_t action, const struct pfsync_ref *ref, void *arg)
{
	struct rec	*r = arg;

	if (r->nrefs < 8)
		r->refs[r->nrefs] = *ref;
	r->nrefs++;
	return (rec_push(r, action));
}

static int
rec_clr(const struct pfsync_clr *c, void *arg)
{
	struct rec	*r = arg;

	r->clr = *c;
	r->nclr++;
	return (rec_push(r, PFSYNC_ACT_CLR));
}

static int
rec_bus(const struct pfsync_bus *b, void *arg)
{
	struct rec	*r = arg;

	r->bus = *b;
	r->nbus++;
	return (rec_push(r, PFSYNC_ACT_BUS));
}

static int
rec_tdb(uint8_t action, void *arg)
{
	struct rec	*r = arg;

	r->ntdb++;
	return (rec_push(r, action));
}

static void
rec_init(struct rec *r)
{
	memset(r, 0, sizeof(*r));
	r->stop_at = -1;
}

static void
pkt_begin(struct pkt *p)
{
	wbuf_init(&p->p_w, p->p_buf, sizeof(p->p_buf));
	pfsync_put_header(&p->p_w, 0);
}

/* A subheader with a chosen len (in words), unlike the encoder's. */
static void
pkt_raw_subheader(struct pkt *p, uint8_t action, uint8_t words,
    uint16_t count)
{
	wbuf_put_u8(&p->p_w, action);
	wbuf_put_u8(&p->p_w, words);
	wbuf_put_u16(&p->p_w, count);
}

static void
pkt_fill(struct pkt *p, uint8_t byte, size_t n)
{
	while (n-- > 0)
		wbuf_put_u8(&p->p_w, byte);
}

static size_t
pkt_end(struct pkt *p)
{
	assert_false(p->p_w.w_err);
	pfsync_set_len(p->p_buf, (uint16_t)p->p_w.w_len);
	return (p->p_w.w_len);
}

static void
v6(uint8_t *out, const char *s)
{
	assert_int_equal(inet_pton(AF_INET6, s, out), 1);
}

static void
v4(uint8_t *out, const char *s)
{
	memset(out, 0, 16);
	assert_int_equal(inet_pton(AF_INET, s, out), 1);
}

/*
 * A state with every field set to a value no other field holds, so a
 * field written at another's offset, or two fields swapped, shows.  It
 * also passes the import checks.
 */
static void
state_distinct(struct pfsync_state *s)
{
	int	 i;

	memset(s, 0, sizeof(*s));
	s->id = 0x1112131415161718ULL;
	(void)strlcpy(s->ifname, "vlan100-test", sizeof(s->ifname));
	v6(s->key[0].addr[0], "2001:db8::1:7");
	v6(s->key[0].addr[1], "2001:db8::2:a");
	s->key[0].port[0] = htons(51000);
	s->key[0].port[1] = htons(443);
	s->key[0].rdomain = 0x0203;
	s->key[0].af = PFSYNC_AF_INET6;
	v6(s->key[1].addr[0], "2001:db8::3:7");
	v6(s->key[1].addr[1], "2001:db8::4:80");
	s->key[1].port[0] = htons(51001);
	s->key[1].port[1] = htons(8443);
	s->key[1].rdomain = 0x0405;
	s->key[1].af = 0;
	s->src.scrub_flags = 0x2122;
	s->src.scrub_ttl = 0x23;
	s->src.scrub_flag = 0x01;
	s->src.scrub_ts_mod = 0x24252627;
	s->src.seqlo = 0x28292a2b;
	s->src.seqhi = 0x2c2d2e2f;
	s->src.seqdiff = 0x30313233;
	s->src.max_win = 0x3435;
	s->src.mss = 0x3637;
	s->src.state = PF_TCPS_ESTABLISHED;
	s->src.wscale = 0x87;
	s->dst.scrub_flags = 0x4142;
	s->dst.scrub_ttl = 0x43;
	s->dst.scrub_flag = 0x02;
	s->dst.scrub_ts_mod = 0x44454647;
	s->dst.seqlo = 0x48494a4b;
	s->dst.seqhi = 0x4c4d4e4f;
	s->dst.seqdiff = 0x50515253;
	s->dst.max_win = 0x5455;
	s->dst.mss = 0x5657;
	s->dst.state = PF_TCPS_FIN_WAIT_2;
	s->dst.wscale = 0x82;
	for (i = 0; i < 16; i++)
		s->rt_addr[i] = (uint8_t)(0x60 + i);
	s->rule = 0x71727374;
	s->anchor = 0x75767778;
	s->nat_rule = 0xffffffff;
	s->creation = 0x797a7b7c;
	s->expire = 0x7d7e7f80;
	s->packets[0] = 0x8182838485868788ULL;
	s->packets[1] = 0x898a8b8c8d8e8f90ULL;
	s->bytes[0] = 0x9192939495969798ULL;
	s->bytes[1] = 0x999a9b9c9d9e9fa0ULL;
	s->creatorid = 0x5eed0001;
	s->rtableid[0] = -1;
	s->rtableid[1] = 0x0a0b0c0d;
	s->max_mss = 0xa1a2;
	s->af = PFSYNC_AF_INET6;
	s->proto = IPPROTO_TCP;
	s->direction = PF_OUT;
	s->log = 0xa3;
	s->rt = 3;
	s->timeout = PFTM_TS_DIFF;
	s->sync_flags = 0x0c;
	s->updates = 0xa4;
	s->min_ttl = 0xa5;
	s->set_tos = 0xa6;
	s->state_flags = 0x0213;
	s->set_prio[0] = 0xa7;
	s->set_prio[1] = 0xa8;
}

/* Section 4.3's inbound rdr example, as a small IPv4 TCP state. */
static void
state_rdr(struct pfsync_state *s)
{
	memset(s, 0, sizeof(*s));
	s->id = 0x6543210000000007ULL;
	v4(s->key[0].addr[0], "198.51.100.7");
	v4(s->key[0].addr[1], "203.0.113.10");
	s->key[0].port[0] = htons(51000);
	s->key[0].port[1] = htons(443);
	v4(s->key[1].addr[0], "198.51.100.7");
	v4(s->key[1].addr[1], "192.0.2.80");
	s->key[1].port[0] = htons(51000);
	s->key[1].port[1] = htons(8443);
	s->src.state = PF_TCPS_ESTABLISHED;
	s->dst.state = PF_TCPS_ESTABLISHED;
	s->rule = s->anchor = s->nat_rule = 0xffffffff;
	s->expire = 86400;
	s->creation = 12;
	s->creatorid = 0x5eed0001;
	s->rtableid[0] = s->rtableid[1] = -1;
	s->af = PFSYNC_AF_INET;
	s->proto = IPPROTO_TCP;
	s->direction = PF_IN;
	s->timeout = PFTM_TCP_ESTABLISHED;
	s->state_flags = PFSTATE_SLOPPY | PFSTATE_ACK;
}

static void
assert_peer_equal(const struct pfsync_peer *a, const struct pfsync_peer *b)
{
	assert_int_equal(a->scrub_flags, b->scrub_flags);
	assert_int_equal(a->scrub_ttl, b->scrub_ttl);
	assert_int_equal(a->scrub_flag, b->scrub_flag);
	assert_int_equal(a->scrub_ts_mod, b->scrub_ts_mod);
	assert_int_equal(a->seqlo, b->seqlo);
	assert_int_equal(a->seqhi, b->seqhi);
	assert_int_equal(a->seqdiff, b->seqdiff);
	assert_int_equal(a->max_win, b->max_win);
	assert_int_equal(a->mss, b->mss);
	assert_int_equal(a->state, b->state);
	assert_int_equal(a->wscale, b->wscale);
}

static void
assert_key_equal(const struct pfsync_key *a, const struct pfsync_key *b)
{
	assert_memory_equal(a->addr, b->addr, sizeof(a->addr));
	assert_int_equal(a->port[0], b->port[0]);
	assert_int_equal(a->port[1], b->port[1]);
	assert_int_equal(a->rdomain, b->rdomain);
	assert_int_equal(a->af, b->af);
}

static void
assert_state_equal(const struct pfsync_state *a, const struct pfsync_state *b)
{
	assert_int_equal(a->id, b->id);
	assert_string_equal(a->ifname, b->ifname);
	assert_key_equal(&a->key[0], &b->key[0]);
	assert_key_equal(&a->key[1], &b->key[1]);
	assert_peer_equal(&a->src, &b->src);
	assert_peer_equal(&a->dst, &b->dst);
	assert_memory_equal(a->rt_addr, b->rt_addr, sizeof(a->rt_addr));
	assert_int_equal(a->rule, b->rule);
	assert_int_equal(a->anchor, b->anchor);
	assert_int_equal(a->nat_rule, b->nat_rule);
	assert_int_equal(a->creation, b->creation);
	assert_int_equal(a->expire, b->expire);
	assert_int_equal(a->packets[0], b->packets[0]);
	assert_int_equal(a->packets[1], b->packets[1]);
	assert_int_equal(a->bytes[0], b->bytes[0]);
	assert_int_equal(a->bytes[1], b->bytes[1]);
	assert_int_equal(a->creatorid, b->creatorid);
	assert_int_equal(a->rtableid[0], b->rtableid[0]);
	assert_int_equal(a->rtableid[1], b->rtableid[1]);
	assert_int_equal(a->max_mss, b->max_mss);
	assert_int_equal(a->af, b->af);
	assert_int_equal(a->proto, b->proto);
	assert_int_equal(a->direction, b->direction);
	assert_int_equal(a->log, b->log);
	assert_int_equal(a->rt, b->rt);
	assert_int_equal(a->timeout, b->timeout);
	assert_int_equal(a->sync_flags, b->sync_flags);
	assert_int_equal(a->updates, b->updates);
	assert_int_equal(a->min_ttl, b->min_ttl);
	assert_int_equal(a->set_tos, b->set_tos);
	assert_int_equal(a->state_flags, b->state_flags);
	assert_int_equal(a->set_prio[0], b->set_prio[0]);
	assert_int_equal(a->set_prio[1], b->set_prio[1]);
}

/* Encodes one message alone and checks its length. */
static void
encode_state(const struct pfsync_state *s, uint8_t out[PFSYNC_STATELEN])
{
	struct wbuf	 w;

	wbuf_init(&w, out, PFSYNC_STATELEN);
	pfsync_put_state(&w, s);
	assert_false(w.w_err);
	assert_int_equal(w.w_len, PFSYNC_STATELEN);
}

static void
check_golden(const char *hex, const uint8_t *built, size_t len)
{
	uint8_t	 want[64];
	size_t	 n;

	n = unhex(hex, want, sizeof(want));
	assert_int_equal(n, 36);
	assert_int_equal(len, n);
	assert_memory_equal(built, want, n);
}

static void
test_bulk_request_frame_matches_the_spec_byte_for_byte(void **state)
{
	struct pfsync_ref	 ref = { 0, 0 };
	struct pfsync_stats	 st;
	struct rec		 r;
	struct pkt		 p;
	uint8_t			 want[64];
	size_t			 len;

	(void)state;
	pkt_begin(&p);
	pfsync_put_subheader(&p.p_w, PFSYNC_ACT_UPD_REQ, 1);
	pfsync_put_ref(&p.p_w, &ref);
	len = pkt_end(&p);
	check_golden(golden_bulk_req, p.p_buf, len);

	(void)unhex(golden_bulk_req, want, sizeof(want));
	memset(&st, 0, sizeof(st));
	rec_init(&r);
	assert_int_equal(pfsync_parse(want, 36, &st, &rec_handler, &r), 1);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.acts[0], PFSYNC_ACT_UPD_REQ);
	assert_int_equal(r.refs[0].id, 0);
	assert_int_equal(r.refs[0].creatorid, 0);
}

static void
test_bus_end_frame_matches_the_spec_byte_for_byte(void **state)
{
	struct pfsync_bus	 bus = { 0x5eed0001, 0, PFSYNC_BUS_END };
	struct pfsync_stats	 st;
	struct rec		 r;
	struct pkt		 p;
	uint8_t			 want[64];
	size_t			 len;

	(void)state;
	pkt_begin(&p);
	pfsync_put_subheader(&p.p_w, PFSYNC_ACT_BUS, 1);
	pfsync_put_bus(&p.p_w, &bus);
	len = pkt_end(&p);
	check_golden(golden_bus_end, p.p_buf, len);

	(void)unhex(golden_bus_end, want, sizeof(want));
	memset(&st, 0, sizeof(st));
	rec_init(&r);
	assert_int_equal(pfsync_parse(want, 36, &st, &rec_handler, &r), 1);
	assert_int_equal(r.nbus, 1);
	assert_int_equal(r.bus.creatorid, 0x5eed0001);
	assert_int_equal(r.bus.endtime, 0);
	assert_int_equal(r.bus.status, PFSYNC_BUS_END);
}

static void
test_ins_ack_frame_matches_the_spec_byte_for_byte(void **state)
{
	struct pfsync_ref	 ref = { 0x6543210000000007ULL, 0x5eed0001 };
	struct pfsync_stats	 st, zero;
	struct rec		 r;
	struct pkt		 p;
	uint8_t			 want[64];
	size_t			 len;

	(void)state;
	pkt_begin(&p);
	pfsync_put_subheader(&p.p_w, PFSYNC_ACT_INS_ACK, 1);
	pfsync_put_ref(&p.p_w, &ref);
	len = pkt_end(&p);
	check_golden(golden_ins_ack, p.p_buf, len);

	(void)unhex(golden_ins_ack, want, sizeof(want));
	memset(&st, 0, sizeof(st));
	memset(&zero, 0, sizeof(zero));
	rec_init(&r);
	assert_int_equal(pfsync_parse(want, 36, &st, &rec_handler, &r), 1);
	assert_int_equal(r.acts[0], PFSYNC_ACT_INS_ACK);
	assert_int_equal(r.refs[0].id, 0x6543210000000007ULL);
	assert_int_equal(r.refs[0].creatorid, 0x5eed0001);
	/* A good packet counts nothing: ipackets belongs to the caller. */
	assert_memory_equal(&st, &zero, sizeof(st));
}

static void
test_state_fields_sit_at_the_offsets_of_table_4_1(void **state)
{
	struct pfsync_state	 s;
	uint8_t			 b[PFSYNC_STATELEN], a[16];
	int			 i;

	(void)state;
	state_distinct(&s);
	encode_state(&s, b);

	assert_int_equal(be64(b + 0), 0x1112131415161718ULL);
	assert_memory_equal(b + 8, "vlan100-test\0\0\0\0", 16);
	/* key[0] WIRE at 24 */
	v6(a, "2001:db8::1:7");
	assert_memory_equal(b + 24, a, 16);
	v6(a, "2001:db8::2:a");
	assert_memory_equal(b + 40, a, 16);
	assert_memory_equal(b + 56, "\xc7\x38\x01\xbb", 4);
	assert_int_equal(be16(b + 60), 0x0203);
	assert_int_equal(b[62], 24);
	assert_int_equal(b[63], 0);
	/* key[1] STACK at 64 */
	v6(a, "2001:db8::3:7");
	assert_memory_equal(b + 64, a, 16);
	v6(a, "2001:db8::4:80");
	assert_memory_equal(b + 80, a, 16);
	assert_memory_equal(b + 96, "\xc7\x39\x20\xfb", 4);
	assert_int_equal(be16(b + 100), 0x0405);
	assert_int_equal(b[102], 0);
	assert_int_equal(b[103], 0);
	/* peers at 104 and 136: table 4.2 */
	assert_int_equal(be16(b + 104), 0x2122);
	assert_int_equal(b[106], 0x23);
	assert_int_equal(b[107], 0x01);
	assert_int_equal(be32(b + 108), 0x24252627);
	assert_int_equal(be32(b + 112), 0x28292a2b);
	assert_int_equal(be32(b + 116), 0x2c2d2e2f);
	assert_int_equal(be32(b + 120), 0x30313233);
	assert_int_equal(be16(b + 124), 0x3435);
	assert_int_equal(be16(b + 126), 0x3637);
	assert_int_equal(b[128], PF_TCPS_ESTABLISHED);
	assert_int_equal(b[129], 0x87);
	assert_memory_equal(b + 130, "\0\0\0\0\0\0", 6);
	assert_int_equal(be16(b + 136), 0x4142);
	assert_int_equal(b[138], 0x43);
	assert_int_equal(b[139], 0x02);
	assert_int_equal(be32(b + 140), 0x44454647);
	assert_int_equal(be32(b + 144), 0x48494a4b);
	assert_int_equal(be32(b + 148), 0x4c4d4e4f);
	assert_int_equal(be32(b + 152), 0x50515253);
	assert_int_equal(be16(b + 156), 0x5455);
	assert_int_equal(be16(b + 158), 0x5657);
	assert_int_equal(b[160], PF_TCPS_FIN_WAIT_2);
	assert_int_equal(b[161], 0x82);
	assert_memory_equal(b + 162, "\0\0\0\0\0\0", 6);
	for (i = 0; i < 16; i++)
		assert_int_equal(b[168 + i], 0x60 + i);
	assert_int_equal(be32(b + 184), 0x71727374);
	assert_int_equal(be32(b + 188), 0x75767778);
	assert_int_equal(be32(b + 192), 0xffffffff);
	assert_int_equal(be32(b + 196), 0x797a7b7c);
	assert_int_equal(be32(b + 200), 0x7d7e7f80);
	/* counters as [hi, lo] 32-bit words */
	assert_int_equal(be32(b + 204), 0x81828384);
	assert_int_equal(be32(b + 208), 0x85868788);
	assert_int_equal(be32(b + 212), 0x898a8b8c);
	assert_int_equal(be32(b + 216), 0x8d8e8f90);
	assert_int_equal(be32(b + 220), 0x91929394);
	assert_int_equal(be32(b + 224), 0x95969798);
	assert_int_equal(be32(b + 228), 0x999a9b9c);
	assert_int_equal(be32(b + 232), 0x9d9e9fa0);
	assert_int_equal(be32(b + 236), 0x5eed0001);
	assert_int_equal(be32(b + 240), 0xffffffff);
	assert_int_equal(be32(b + 244), 0x0a0b0c0d);
	assert_int_equal(be16(b + 248), 0xa1a2);
	assert_int_equal(b[250], 24);
	assert_int_equal(b[251], 6);
	assert_int_equal(b[252], PF_OUT);
	assert_int_equal(b[253], 0xa3);
	assert_int_equal(b[254], 3);
	assert_int_equal(b[255], 19);
	assert_int_equal(b[256], 0x0c);
	assert_int_equal(b[257], 0xa4);
	assert_int_equal(b[258], 0xa5);
	assert_int_equal(b[259], 0xa6);
	assert_int_equal(be16(b + 260), 0x0213);
	assert_int_equal(b[262], 0xa7);
	assert_int_equal(b[263], 0xa8);
}

static void
test_full_state_round_trips_with_every_field_distinct(void **state)
{
	struct pfsync_state	 s;
	struct pfsync_stats	 st;
	struct rec		 r;
	struct pkt		 p;
	uint8_t			 again[PFSYNC_STATELEN];
	size_t			 len;

	(void)state;
	state_distinct(&s);
	pkt_begin(&p);
	pfsync_put_subheader(&p.p_w, PFSYNC_ACT_INS, 1);
	pfsync_put_state(&p.p_w, &s);
	len = pkt_end(&p);
	assert_int_equal(len, PFSYNC_HDRLEN + PFSYNC_SUBHDRLEN +
	    PFSYNC_STATELEN);
	assert_int_equal(p.p_buf[PFSYNC_HDRLEN], PFSYNC_ACT_INS);
	assert_int_equal(p.p_buf[PFSYNC_HDRLEN + 1], 66);
	assert_int_equal(be16(p.p_buf + PFSYNC_HDRLEN + 2), 1);

	memset(&st, 0, sizeof(st));
	rec_init(&r);
	assert_int_equal(pfsync_parse(p.p_buf, len, &st, &rec_handler, &r), 1);
	assert_int_equal(r.nstates, 1);
	assert_int_equal(r.state_acts[0], PFSYNC_ACT_INS);
	assert_state_equal(&r.states[0], &s);
	encode_state(&r.states[0], again);
	assert_memory_equal(again, p.p_buf + PFSYNC_HDRLEN + PFSYNC_SUBHDRLEN,
	    PFSYNC_STATELEN);
}

static void
test_upd_c_fields_sit_at_the_offsets_of_section_3(void **state)
{
	struct pfsync_state	 s;
	struct pfsync_upd_c	 u;
	struct pfsync_stats	 st;
	struct rec		 r;
	struct wbuf		 w;
	uint8_t			 b[PFSYNC_UPDCLEN + 1];
	struct pkt		 p;
	size_t			 len;

	(void)state;
	state_distinct(&s);
	pfsync_state_to_upd_c(&s, &u);
	u.expire = 0xb1b2b3b4;	/* ignored by receivers, still carried */
	wbuf_init(&w, b, sizeof(b));
	pfsync_put_upd_c(&w, &u);
	assert_false(w.w_err);
	assert_int_equal(w.w_len, PFSYNC_UPDCLEN);
	assert_int_equal(be64(b + 0), 0x1112131415161718ULL);
	assert_int_equal(be16(b + 8), 0x2122);
	assert_int_equal(be32(b + 8 + 8), 0x28292a2b);
	assert_int_equal(b[8 + 24], PF_TCPS_ESTABLISHED);
	assert_int_equal(b[8 + 25], 0x87);
	assert_int_equal(be16(b + 40), 0x4142);
	assert_int_equal(be32(b + 40 + 12), 0x4c4d4e4f);
	assert_int_equal(b[40 + 24], PF_TCPS_FIN_WAIT_2);
	assert_int_equal(be32(b + 72), 0x5eed0001);
	assert_int_equal(be32(b + 76), 0xb1b2b3b4);
	assert_int_equal(b[80], 19);
	assert_int_equal(b[81], 0x13);
	assert_int_equal(b[82], 0);
	assert_int_equal(b[83], 0);

	pkt_begin(&p);
	pfsync_put_subheader(&p.p_w, PFSYNC_ACT_UPD_C, 1);
	pfsync_put_upd_c(&p.p_w, &u);
	len = pkt_end(&p);
	assert_int_equal(p.p_buf[PFSYNC_HDRLEN + 1], 21);
	memset(&st, 0, sizeof(st));
	rec_init(&r);
	assert_int_equal(pfsync_parse(p.p_buf, len, &st, &rec_handler, &r), 1);
	assert_int_equal(r.nupd_c, 1);
	assert_int_equal(r.upd_c.id, u.id);
	assert_peer_equal(&r.upd_c.src, &s.src);
	assert_peer_equal(&r.upd_c.dst, &s.dst);
	assert_int_equal(r.upd_c.creatorid, 0x5eed0001);
	assert_int_equal(r.upd_c.expire, 0xb1b2b3b4);
	assert_int_equal(r.upd_c.timeout, 19);
	assert_int_equal(r.upd_c.state_flags, 0x13);
}

static void
test_state_to_upd_c_keeps_the_peers_and_sends_expire_zero(void **state)
{
	struct pfsync_state	 s;
	struct pfsync_upd_c	 u;

	(void)state;
	state_distinct(&s);
	memset(&u, 0xee, sizeof(u));
	pfsync_state_to_upd_c(&s, &u);
	assert_int_equal(u.id, s.id);
	assert_peer_equal(&u.src, &s.src);
	assert_peer_equal(&u.dst, &s.dst);
	assert_int_equal(u.creatorid, s.creatorid);
	assert_int_equal(u.expire, 0);
	assert_int_equal(u.timeout, s.timeout);
	assert_int_equal(u.state_flags, 0x13);
}

/* One packet with a section of every action pfsyncd reads. */
static size_t
pkt_every_action(struct pkt *p, struct pfsync_state *ins,
    struct pfsync_state *upd)
{
	struct pfsync_clr	 clr;
	struct pfsync_ref	 ref;
	struct pfsync_upd_c	 u;
	struct pfsync_bus	 bus = { 0x5eed0002, 0, PFSYNC_BUS_START };

	state_distinct(ins);
	state_rdr(upd);
	memset(&clr, 0, sizeof(clr));
	(void)strlcpy(clr.ifname, "em0", sizeof(clr.ifname));
	clr.creatorid = 0x5eed0003;
	pfsync_state_to_upd_c(upd, &u);

	pkt_begin(p);
	pfsync_put_subheader(&p->p_w, PFSYNC_ACT_CLR, 1);
	pfsync_put_clr(&p->p_w, &clr);
	pfsync_put_subheader(&p->p_w, PFSYNC_ACT_INS_ACK, 1);
	ref.id = 1;
	ref.creatorid = 0x5eed0004;
	pfsync_put_ref(&p->p_w, &ref);
	pfsync_put_subheader(&p->p_w, PFSYNC_ACT_UPD_C, 1);
	pfsync_put_upd_c(&p->p_w, &u);
	pfsync_put_subheader(&p->p_w, PFSYNC_ACT_UPD_REQ, 1);
	ref.id = 2;
	pfsync_put_ref(&p->p_w, &ref);
	pfsync_put_subheader(&p->p_w, PFSYNC_ACT_DEL, 1);
	pfsync_put_state(&p->p_w, upd);
	pfsync_put_subheader(&p->p_w, PFSYNC_ACT_DEL_C, 2);
	ref.id = 3;
	pfsync_put_ref(&p->p_w, &ref);
	ref.id = 4;
	pfsync_put_ref(&p->p_w, &ref);
	pfsync_put_subheader(&p->p_w, PFSYNC_ACT_BUS, 1);
	pfsync_put_bus(&p->p_w, &bus);
	pfsync_put_subheader(&p->p_w, PFSYNC_ACT_INS, 1);
	pfsync_put_state(&p->p_w, ins);
	pfsync_put_subheader(&p->p_w, PFSYNC_ACT_UPD, 1);
	pfsync_put_state(&p->p_w, upd);
	pfsync_put_subheader(&p->p_w, PFSYNC_ACT_TDB, 1);
	pkt_fill(p, 0x5a, PFSYNC_TDBLEN);
	return (pkt_end(p));
}

static void
test_each_action_reaches_its_callback_in_order(void **state)
{
	static const uint8_t	 want[] = {
		PFSYNC_ACT_CLR, PFSYNC_ACT_INS_ACK, PFSYNC_ACT_UPD_C,
		PFSYNC_ACT_UPD_REQ, PFSYNC_ACT_DEL, PFSYNC_ACT_DEL_C,
		PFSYNC_ACT_DEL_C, PFSYNC_ACT_BUS, PFSYNC_ACT_INS,
		PFSYNC_ACT_UPD, PFSYNC_ACT_TDB
	};
	struct pfsync_state	 ins, upd;
	struct pfsync_stats	 st;
	struct rec		 r;
	struct pkt		 p;
	size_t			 len;

	(void)state;
	len = pkt_every_action(&p, &ins, &upd);
	memset(&st, 0, sizeof(st));
	rec_init(&r);
	assert_int_equal(pfsync_parse(p.p_buf, len, &st, &rec_handler, &r),
	    (int)sizeof(want));
	assert_int_equal(r.n, (int)sizeof(want));
	assert_memory_equal(r.acts, want, sizeof(want));

	assert_string_equal(r.clr.ifname, "em0");
	assert_int_equal(r.clr.creatorid, 0x5eed0003);
	assert_int_equal(r.nrefs, 4);
	assert_int_equal(r.refs[0].id, 1);
	assert_int_equal(r.refs[1].id, 2);
	assert_int_equal(r.refs[2].id, 3);
	assert_int_equal(r.refs[3].id, 4);
	assert_int_equal(r.refs[3].creatorid, 0x5eed0004);
	assert_int_equal(r.upd_c.id, upd.id);
	assert_int_equal(r.upd_c.src.state, PF_TCPS_ESTABLISHED);
	assert_int_equal(r.nstates, 3);
	assert_int_equal(r.state_acts[0], PFSYNC_ACT_DEL);
	assert_state_equal(&r.states[0], &upd);
	assert_int_equal(r.state_acts[1], PFSYNC_ACT_INS);
	assert_state_equal(&r.states[1], &ins);
	assert_int_equal(r.state_acts[2], PFSYNC_ACT_UPD);
	assert_state_equal(&r.states[2], &upd);
	assert_int_equal(r.bus.creatorid, 0x5eed0002);
	assert_int_equal(r.bus.status, PFSYNC_BUS_START);
	assert_int_equal(r.ntdb, 1);
	assert_int_equal(st.tdb, 1);
	assert_int_equal(st.badlen + st.badact + st.skipped, 0);
}

static void
test_null_callbacks_ignore_their_messages(void **state)
{
	struct pfsync_handler	 none;
	struct pfsync_state	 ins, upd;
	struct pfsync_stats	 st;
	struct pkt		 p;
	size_t			 len;

	(void)state;
	memset(&none, 0, sizeof(none));
	len = pkt_every_action(&p, &ins, &upd);
	memset(&st, 0, sizeof(st));
	assert_int_equal(pfsync_parse(p.p_buf, len, &st, &none, NULL), 11);
	assert_int_equal(st.tdb, 1);
}

/*
 * Each deprecated or unknown action, in a section of two 12-byte
 * messages, between two sections that must still be read.
 */
static void
test_deprecated_and_unknown_actions_are_skipped_by_len_times_count(
    void **state)
{
	static const uint8_t	 skip[] = { 1, 3, 8, 9, 11, 12, 16, 17, 200,
	    255 };
	struct pfsync_ref	 ref = { 7, 0x5eed0001 };
	struct pfsync_stats	 st;
	struct rec		 r;
	struct pkt		 p;
	size_t			 i, len;

	(void)state;
	for (i = 0; i < sizeof(skip); i++) {
		pkt_begin(&p);
		pfsync_put_subheader(&p.p_w, PFSYNC_ACT_INS_ACK, 1);
		pfsync_put_ref(&p.p_w, &ref);
		pkt_raw_subheader(&p, skip[i], 3, 2);
		/* junk that would read as a DEL_C subheader if misaligned */
		pkt_fill(&p, PFSYNC_ACT_DEL_C, 24);
		pfsync_put_subheader(&p.p_w, PFSYNC_ACT_DEL_C, 1);
		pfsync_put_ref(&p.p_w, &ref);
		len = pkt_end(&p);

		memset(&st, 0, sizeof(st));
		rec_init(&r);
		assert_int_equal(pfsync_parse(p.p_buf, len, &st, &rec_handler,
		    &r), 2);
		assert_int_equal(r.acts[0], PFSYNC_ACT_INS_ACK);
		assert_int_equal(r.acts[1], PFSYNC_ACT_DEL_C);
		assert_int_equal(r.refs[1].id, 7);
		assert_int_equal(st.skipped, 1);
		assert_int_equal(st.badact, 0);
		assert_int_equal(st.badlen, 0);
		assert_int_equal(r.ntdb, 0);
		/* OTDB is counted with TDB, not handed on */
		assert_int_equal(st.tdb, skip[i] == PFSYNC_ACT_OTDB ? 2 : 0);
	}
}

static void
test_a_skipped_action_without_len_or_count_stops_with_badact(void **state)
{
	static const struct {
		uint8_t		 action, words;
		uint16_t	 count;
	} cases[] = {
		{ PFSYNC_ACT_OINS, 0, 1 },
		{ PFSYNC_ACT_EOF, 3, 0 },
		{ 16, 0, 0 },
		{ 255, 0, 5 },
	};
	struct pfsync_ref	 ref = { 9, 0x5eed0001 };
	struct pfsync_stats	 st;
	struct rec		 r;
	struct pkt		 p;
	size_t			 i, len;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		pkt_begin(&p);
		pfsync_put_subheader(&p.p_w, PFSYNC_ACT_DEL_C, 1);
		pfsync_put_ref(&p.p_w, &ref);
		pkt_raw_subheader(&p, cases[i].action, cases[i].words,
		    cases[i].count);
		pfsync_put_subheader(&p.p_w, PFSYNC_ACT_DEL_C, 1);
		pfsync_put_ref(&p.p_w, &ref);
		len = pkt_end(&p);

		memset(&st, 0, sizeof(st));
		rec_init(&r);
		assert_int_equal(pfsync_parse(p.p_buf, len, &st, &rec_handler,
		    &r), 1);
		assert_int_equal(r.n, 1);
		assert_int_equal(st.badact, 1);
		assert_int_equal(st.skipped, 0);
	}
}

static void
test_a_count_past_the_packet_stops_with_badlen_and_delivers_none_of_it(
    void **state)
{
	struct pfsync_ref	 ref = { 5, 0x5eed0001 };
	struct pfsync_state	 s;
	struct pfsync_stats	 st;
	struct rec		 r;
	struct pkt		 p;
	size_t			 len;

	(void)state;
	/* DEL_C says 30, carries 2, and a full INS follows within reach */
	state_rdr(&s);
	pkt_begin(&p);
	pfsync_put_subheader(&p.p_w, PFSYNC_ACT_INS_ACK, 1);
	pfsync_put_ref(&p.p_w, &ref);
	pfsync_put_subheader(&p.p_w, PFSYNC_ACT_DEL_C, 30);
	pfsync_put_ref(&p.p_w, &ref);
	pfsync_put_ref(&p.p_w, &ref);
	pfsync_put_subheader(&p.p_w, PFSYNC_ACT_INS, 1);
	pfsync_put_state(&p.p_w, &s);
	len = pkt_end(&p);

	memset(&st, 0, sizeof(st));
	rec_init(&r);
	assert_int_equal(pfsync_parse(p.p_buf, len, &st, &rec_handler, &r), 1);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.acts[0], PFSYNC_ACT_INS_ACK);
	assert_int_equal(r.nstates, 0);
	assert_int_equal(st.badlen, 1);

	/* the same for a section skipped by len*count */
	pkt_begin(&p);
	pkt_raw_subheader(&p, 200, 255, 0xffff);
	pkt_fill(&p, 0, 64);
	len = pkt_end(&p);
	memset(&st, 0, sizeof(st));
	rec_init(&r);
	assert_int_equal(pfsync_parse(p.p_buf, len, &st, &rec_handler, &r), 0);
	assert_int_equal(st.badlen, 1);
	assert_int_equal(st.skipped, 0);
}

static void
test_a_section_len_below_the_structure_is_refused_with_badlen(void **state)
{
	static const struct {
		uint8_t		 action, words;
	} cases[] = {
		{ PFSYNC_ACT_INS, 65 },
		{ PFSYNC_ACT_UPD, 0 },
		{ PFSYNC_ACT_DEL, 1 },
		{ PFSYNC_ACT_UPD_C, 20 },
		{ PFSYNC_ACT_INS_ACK, 2 },
		{ PFSYNC_ACT_UPD_REQ, 0 },
		{ PFSYNC_ACT_DEL_C, 2 },
		{ PFSYNC_ACT_CLR, 4 },
		{ PFSYNC_ACT_BUS, 2 },
		{ PFSYNC_ACT_TDB, 12 },
	};
	struct pfsync_ref	 ref = { 5, 0x5eed0001 };
	struct pfsync_stats	 st;
	struct rec		 r;
	struct pkt		 p;
	size_t			 i, len;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		pkt_begin(&p);
		pkt_raw_subheader(&p, cases[i].action, cases[i].words, 1);
		pkt_fill(&p, 0x11, (size_t)cases[i].words * 4);
		pfsync_put_subheader(&p.p_w, PFSYNC_ACT_DEL_C, 1);
		pfsync_put_ref(&p.p_w, &ref);
		len = pkt_end(&p);

		memset(&st, 0, sizeof(st));
		rec_init(&r);
		assert_int_equal(pfsync_parse(p.p_buf, len, &st, &rec_handler,
		    &r), 0);
		assert_int_equal(r.n, 0);
		assert_int_equal(st.badlen, 1);
		assert_int_equal(st.tdb, 0);
	}
}

/* A future sender's longer messages: the known prefix, then the rest. */
static void
test_a_larger_stride_still_parses_the_known_prefix(void **state)
{
	struct pfsync_state	 a, b;
	struct pfsync_ref	 ref = { 0x77, 0x5eed0009 };
	struct pfsync_stats	 st;
	struct rec		 r;
	struct pkt		 p;
	size_t			 len;

	(void)state;
	state_distinct(&a);
	state_rdr(&b);
	pkt_begin(&p);
	pkt_raw_subheader(&p, PFSYNC_ACT_UPD, 70, 2);
	pfsync_put_state(&p.p_w, &a);
	pkt_fill(&p, 0xff, 16);
	pfsync_put_state(&p.p_w, &b);
	pkt_fill(&p, 0xfe, 16);
	pkt_raw_subheader(&p, PFSYNC_ACT_DEL_C, 4, 1);
	pfsync_put_ref(&p.p_w, &ref);
	pkt_fill(&p, 0xfd, 4);
	pfsync_put_subheader(&p.p_w, PFSYNC_ACT_INS_ACK, 1);
	pfsync_put_ref(&p.p_w, &ref);
	len = pkt_end(&p);

	memset(&st, 0, sizeof(st));
	rec_init(&r);
	assert_int_equal(pfsync_parse(p.p_buf, len, &st, &rec_handler, &r), 4);
	assert_int_equal(r.nstates, 2);
	assert_state_equal(&r.states[0], &a);
	assert_state_equal(&r.states[1], &b);
	assert_int_equal(r.acts[2], PFSYNC_ACT_DEL_C);
	assert_int_equal(r.refs[0].id, 0x77);
	assert_int_equal(r.refs[0].creatorid, 0x5eed0009);
	assert_int_equal(r.acts[3], PFSYNC_ACT_INS_ACK);
	assert_int_equal(st.badlen + st.badact, 0);
}

static void
test_a_packet_shorter_than_the_header_counts_hdrops(void **state)
{
	struct pfsync_stats	 st;
	struct rec		 r;
	uint8_t			 b[64];

	(void)state;
	(void)unhex(golden_ins_ack, b, sizeof(b));
	memset(&st, 0, sizeof(st));
	rec_init(&r);
	assert_int_equal(pfsync_parse(b, PFSYNC_HDRLEN - 1, &st,
	    &rec_handler, &r), -1);
	assert_int_equal(pfsync_parse(b, 0, &st, &rec_handler, &r), -1);
	assert_int_equal(st.hdrops, 2);
	assert_int_equal(st.badlen + st.badver, 0);
	assert_int_equal(r.n, 0);
}

static void
test_a_wrong_version_counts_badver(void **state)
{
	static const uint8_t	 versions[] = { 0, 4, 5, 7, 255 };
	struct pfsync_stats	 st;
	struct rec		 r;
	uint8_t			 b[64];
	size_t			 i;

	(void)state;
	(void)unhex(golden_ins_ack, b, sizeof(b));
	memset(&st, 0, sizeof(st));
	rec_init(&r);
	for (i = 0; i < sizeof(versions); i++) {
		b[0] = versions[i];
		assert_int_equal(pfsync_parse(b, 36, &st, &rec_handler, &r),
		    -1);
	}
	assert_int_equal(st.badver, sizeof(versions));
	assert_int_equal(r.n, 0);
}

static void
test_a_header_len_past_the_packet_counts_badlen(void **state)
{
	struct pfsync_stats	 st;
	struct rec		 r;
	uint8_t			 b[64];

	(void)state;
	(void)unhex(golden_ins_ack, b, sizeof(b));
	memset(&st, 0, sizeof(st));
	rec_init(&r);
	/* the packet lost its last byte */
	assert_int_equal(pfsync_parse(b, 35, &st, &rec_handler, &r), -1);
	/* a len that does not even cover the header */
	pfsync_set_len(b, PFSYNC_HDRLEN - 1);
	assert_int_equal(pfsync_parse(b, 36, &st, &rec_handler, &r), -1);
	assert_int_equal(st.badlen, 2);
	assert_int_equal(r.n, 0);
	/* exactly a header: nothing to deliver, nothing wrong */
	pfsync_set_len(b, PFSYNC_HDRLEN);
	assert_int_equal(pfsync_parse(b, 36, &st, &rec_handler, &r), 0);
	assert_int_equal(st.badlen, 2);
}

static void
test_bytes_past_the_header_len_are_ignored(void **state)
{
	struct pfsync_ref	 ref = { 0x99, 0x5eed0001 };
	struct pfsync_stats	 st, zero;
	struct rec		 r;
	struct pkt		 p;
	size_t			 len;

	(void)state;
	pkt_begin(&p);
	pfsync_put_subheader(&p.p_w, PFSYNC_ACT_INS_ACK, 1);
	pfsync_put_ref(&p.p_w, &ref);
	len = pkt_end(&p);
	/* a whole valid section the header does not cover */
	pfsync_put_subheader(&p.p_w, PFSYNC_ACT_DEL_C, 1);
	pfsync_put_ref(&p.p_w, &ref);
	assert_int_equal(p.p_w.w_len, len + 16);

	memset(&st, 0, sizeof(st));
	memset(&zero, 0, sizeof(zero));
	rec_init(&r);
	assert_int_equal(pfsync_parse(p.p_buf, p.p_w.w_len, &st, &rec_handler,
	    &r), 1);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.acts[0], PFSYNC_ACT_INS_ACK);
	assert_memory_equal(&st, &zero, sizeof(st));
}

static void
test_a_tail_shorter_than_a_subheader_is_ignored(void **state)
{
	struct pfsync_ref	 ref = { 0x99, 0x5eed0001 };
	struct pfsync_stats	 st, zero;
	struct rec		 r;
	struct pkt		 p;
	size_t			 len;

	(void)state;
	pkt_begin(&p);
	pfsync_put_subheader(&p.p_w, PFSYNC_ACT_INS_ACK, 1);
	pfsync_put_ref(&p.p_w, &ref);
	pkt_fill(&p, PFSYNC_ACT_INS, 3);
	len = pkt_end(&p);
	memset(&st, 0, sizeof(st));
	memset(&zero, 0, sizeof(zero));
	rec_init(&r);
	assert_int_equal(pfsync_parse(p.p_buf, len, &st, &rec_handler, &r), 1);
	assert_memory_equal(&st, &zero, sizeof(st));
}

static void
test_a_section_with_count_zero_delivers_nothing_and_the_walk_goes_on(
    void **state)
{
	struct pfsync_ref	 ref = { 0x99, 0x5eed0001 };
	struct pfsync_stats	 st;
	struct rec		 r;
	struct pkt		 p;
	size_t			 len;

	(void)state;
	pkt_begin(&p);
	pfsync_put_subheader(&p.p_w, PFSYNC_ACT_INS, 0);
	pfsync_put_subheader(&p.p_w, PFSYNC_ACT_DEL_C, 1);
	pfsync_put_ref(&p.p_w, &ref);
	len = pkt_end(&p);
	memset(&st, 0, sizeof(st));
	rec_init(&r);
	assert_int_equal(pfsync_parse(p.p_buf, len, &st, &rec_handler, &r), 1);
	assert_int_equal(r.acts[0], PFSYNC_ACT_DEL_C);
	assert_int_equal(st.badlen + st.badact + st.skipped, 0);
}

static void
test_a_callback_returning_minus_one_stops_the_walk(void **state)
{
	struct pfsync_state	 ins, upd;
	struct pfsync_stats	 st;
	struct rec		 r;
	struct pkt		 p;
	size_t			 len;

	(void)state;
	len = pkt_every_action(&p, &ins, &upd);
	memset(&st, 0, sizeof(st));
	rec_init(&r);
	r.stop_at = 5;		/* the first of the two DEL_C */
	assert_int_equal(pfsync_parse(p.p_buf, len, &st, &rec_handler, &r), 6);
	assert_int_equal(r.n, 6);
	assert_int_equal(r.nrefs, 3);
	assert_int_equal(r.nbus, 0);
	assert_int_equal(st.tdb, 0);
}

static void
test_ifname_is_nul_terminated_when_the_wire_fills_16_bytes(void **state)
{
	struct pfsync_state	 s;
	struct pfsync_stats	 st;
	struct rec		 r;
	struct pkt		 p;
	size_t			 len;

	(void)state;
	state_rdr(&s);
	pkt_begin(&p);
	pfsync_put_subheader(&p.p_w, PFSYNC_ACT_INS, 1);
	pfsync_put_state(&p.p_w, &s);
	pfsync_put_subheader(&p.p_w, PFSYNC_ACT_CLR, 1);
	pkt_fill(&p, 'x', 16);
	wbuf_put_u32(&p.p_w, 0x5eed0001);
	len = pkt_end(&p);
	memset(p.p_buf + PFSYNC_HDRLEN + PFSYNC_SUBHDRLEN + 8, 'y', 16);

	memset(&st, 0, sizeof(st));
	rec_init(&r);
	assert_int_equal(pfsync_parse(p.p_buf, len, &st, &rec_handler, &r), 2);
	assert_int_equal(r.states[0].ifname[15], '\0');
	assert_string_equal(r.states[0].ifname, "yyyyyyyyyyyyyyy");
	assert_int_equal(r.clr.ifname[15], '\0');
	assert_string_equal(r.clr.ifname, "xxxxxxxxxxxxxxx");
	assert_int_equal(r.clr.creatorid, 0x5eed0001);
}

static void
test_state_check_accepts_a_good_state_and_the_edges(void **state)
{
	struct pfsync_state	 s;
	const char		*reason = NULL, *why = NULL;

	(void)state;
	state_distinct(&s);
	assert_int_equal(pfsync_state_check(&s, &reason, &why), 0);
	assert_null(reason);
	assert_null(why);
	state_rdr(&s);
	assert_int_equal(pfsync_state_check(&s, &reason, &why), 0);
	/* the largest values allowed */
	s.timeout = PFTM_MAX - 1;
	s.src.state = PF_TCPS_PROXY_DST;
	s.dst.state = PF_TCPS_PROXY_DST;
	s.direction = PF_OUT;
	s.key[0].af = PFSYNC_AF_INET6;
	s.key[1].af = 0;
	s.af = PFSYNC_AF_INET6;
	assert_int_equal(pfsync_state_check(&s, &reason, &why), 0);
	s.direction = 0;
	s.key[0].af = PFSYNC_AF_INET;
	assert_int_equal(pfsync_state_check(&s, NULL, NULL), 0);
}

enum bad_field {
	BAD_TIMEOUT, BAD_TIMEOUT_MAX, BAD_SRC_STATE, BAD_DST_STATE,
	BAD_DIRECTION, BAD_WIRE_AF, BAD_STACK_AF, BAD_AF_ZERO, BAD_AF_LINUX,
	BAD_CREATORID
};

static void
test_state_check_rejects_each_invalid_field(void **state)
{
	static const struct {
		enum bad_field	 field;
		const char	*reason;
	} cases[] = {
		{ BAD_TIMEOUT,		"badval" },
		{ BAD_TIMEOUT_MAX,	"badval" },
		{ BAD_SRC_STATE,	"badval" },
		{ BAD_DST_STATE,	"badval" },
		{ BAD_DIRECTION,	"badval" },
		{ BAD_AF_ZERO,		"badval" },
		{ BAD_AF_LINUX,		"badval" },
		{ BAD_WIRE_AF,		"badstate" },
		{ BAD_STACK_AF,		"badstate" },
		{ BAD_CREATORID,	"badstate" },
	};
	struct pfsync_state	 s;
	const char		*reason, *why;
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		state_distinct(&s);
		switch (cases[i].field) {
		case BAD_TIMEOUT:
			s.timeout = PFTM_MAX;
			break;
		case BAD_TIMEOUT_MAX:
			s.timeout = 255;
			break;
		case BAD_SRC_STATE:
			s.src.state = PF_TCPS_PROXY_DST + 1;
			break;
		case BAD_DST_STATE:
			s.dst.state = 255;
			break;
		case BAD_DIRECTION:
			s.direction = PF_OUT + 1;
			break;
		case BAD_WIRE_AF:
			/* Linux's AF_INET6 */
			s.key[PFSYNC_KEY_WIRE].af = 10;
			break;
		case BAD_STACK_AF:
			s.key[PFSYNC_KEY_STACK].af = 1;
			break;
		case BAD_AF_ZERO:
			s.af = 0;
			break;
		case BAD_AF_LINUX:
			s.af = 10;
			break;
		case BAD_CREATORID:
			s.creatorid = 0;
			break;
		}
		reason = why = NULL;
		assert_int_equal(pfsync_state_check(&s, &reason, &why), -1);
		assert_non_null(reason);
		assert_string_equal(reason, cases[i].reason);
		assert_non_null(why);
		assert_true(strlen(why) > 0);
	}
}

static void
test_encoders_set_w_err_when_the_buffer_is_short(void **state)
{
	struct pfsync_state	 s;
	struct wbuf		 w;
	uint8_t			 b[PFSYNC_STATELEN];

	(void)state;
	state_distinct(&s);
	wbuf_init(&w, b, PFSYNC_STATELEN - 1);
	pfsync_put_state(&w, &s);
	assert_true(w.w_err);
	assert_true(w.w_len < PFSYNC_STATELEN);
	wbuf_init(&w, b, PFSYNC_HDRLEN - 1);
	pfsync_put_header(&w, 36);
	assert_true(w.w_err);
}

static void
test_set_len_rewrites_the_header_len_big_endian(void **state)
{
	uint8_t	 b[PFSYNC_HDRLEN];
	struct wbuf w;

	(void)state;
	wbuf_init(&w, b, sizeof(b));
	pfsync_put_header(&w, 0);
	assert_int_equal(w.w_len, PFSYNC_HDRLEN);
	pfsync_set_len(b, 0x05dc);
	assert_int_equal(b[0], 6);
	assert_int_equal(b[1], 0);
	assert_int_equal(b[2], 0x05);
	assert_int_equal(b[3], 0xdc);
}

static void
test_msg_len_and_action_names_follow_section_3(void **state)
{
	(void)state;
	assert_int_equal(pfsync_msg_len(PFSYNC_ACT_CLR), 20);
	assert_int_equal(pfsync_msg_len(PFSYNC_ACT_INS_ACK), 12);
	assert_int_equal(pfsync_msg_len(PFSYNC_ACT_UPD_C), 84);
	assert_int_equal(pfsync_msg_len(PFSYNC_ACT_UPD_REQ), 12);
	assert_int_equal(pfsync_msg_len(PFSYNC_ACT_DEL_C), 12);
	assert_int_equal(pfsync_msg_len(PFSYNC_ACT_BUS), 12);
	assert_int_equal(pfsync_msg_len(PFSYNC_ACT_INS), 264);
	assert_int_equal(pfsync_msg_len(PFSYNC_ACT_UPD), 264);
	assert_int_equal(pfsync_msg_len(PFSYNC_ACT_DEL), 0);
	assert_int_equal(pfsync_msg_len(PFSYNC_ACT_TDB), 0);
	assert_int_equal(pfsync_msg_len(PFSYNC_ACT_OINS), 0);
	assert_int_equal(pfsync_msg_len(PFSYNC_ACT_OTDB), 0);
	assert_int_equal(pfsync_msg_len(16), 0);
	assert_int_equal(pfsync_msg_len(255), 0);
	assert_string_equal(pfsync_action_name(PFSYNC_ACT_CLR), "CLR");
	assert_string_equal(pfsync_action_name(PFSYNC_ACT_INS_ACK), "INS_ACK");
	assert_string_equal(pfsync_action_name(PFSYNC_ACT_UPD_C), "UPD_C");
	assert_string_equal(pfsync_action_name(PFSYNC_ACT_UPD_REQ), "UPD_REQ");
	assert_string_equal(pfsync_action_name(PFSYNC_ACT_DEL_C), "DEL_C");
	assert_string_equal(pfsync_action_name(PFSYNC_ACT_BUS), "BUS");
	assert_string_equal(pfsync_action_name(PFSYNC_ACT_OTDB), "OTDB");
	assert_string_equal(pfsync_action_name(PFSYNC_ACT_INS), "INS");
	assert_string_equal(pfsync_action_name(PFSYNC_ACT_UPD), "UPD");
	assert_string_equal(pfsync_action_name(PFSYNC_ACT_TDB), "TDB");
	assert_string_equal(pfsync_action_name(16), "unknown");
}

/* Runs pfsync_print into memory; the caller frees *out. */
static int
print_to_string(const uint8_t *pkt, size_t len, char **out)
{
	FILE	*f;
	size_t	 size;
	int	 rv;

	*out = NULL;
	f = open_memstream(out, &size);
	assert_non_null(f);
	rv = pfsync_print(f, pkt, len);
	assert_int_equal(fclose(f), 0);
	assert_non_null(*out);
	return (rv);
}

static void
test_print_writes_one_line_per_message(void **state)
{
	struct pfsync_state	 ins, upd;
	struct pkt		 p;
	uint8_t			 b[64];
	char			*out;
	size_t			 len;

	(void)state;
	(void)unhex(golden_bulk_req, b, sizeof(b));
	assert_int_equal(print_to_string(b, 36, &out), 0);
	assert_string_equal(out, "UPD_REQ id 0000000000000000 creatorid "
	    "00000000 (bulk request)\n");
	free(out);
	(void)unhex(golden_bus_end, b, sizeof(b));
	assert_int_equal(print_to_string(b, 36, &out), 0);
	assert_string_equal(out,
	    "BUS creatorid 5eed0001 status end endtime 0\n");
	free(out);
	(void)unhex(golden_ins_ack, b, sizeof(b));
	assert_int_equal(print_to_string(b, 36, &out), 0);
	assert_string_equal(out,
	    "INS_ACK id 6543210000000007 creatorid 5eed0001\n");
	free(out);

	len = pkt_every_action(&p, &ins, &upd);
	assert_int_equal(print_to_string(p.p_buf, len, &out), 0);
	assert_string_equal(out,
	    "CLR creatorid 5eed0003 on em0\n"
	    "INS_ACK id 0000000000000001 creatorid 5eed0004\n"
	    "UPD_C id 6543210000000007 creatorid 5eed0001 peers 4:4 "
	    "timeout 2 expire 0s flags 0x12\n"
	    "UPD_REQ id 0000000000000002 creatorid 5eed0004\n"
	    "DEL id 6543210000000007 creatorid 5eed0001 inet tcp in "
	    "wire 198.51.100.7:51000 -> 203.0.113.10:443 "
	    "stack 198.51.100.7:51000 -> 192.0.2.80:8443 "
	    "peers ESTABLISHED:ESTABLISHED timeout 2 expire 86400s age 12s "
	    "packets 0:0 bytes 0:0 flags 0x0012\n"
	    "DEL_C id 0000000000000003 creatorid 5eed0004\n"
	    "DEL_C id 0000000000000004 creatorid 5eed0004\n"
	    "BUS creatorid 5eed0002 status start endtime 0\n"
	    "INS id 1112131415161718 creatorid 5eed0001 inet6 tcp out "
	    "on vlan100-test "
	    "wire [2001:db8::2:a]:443 -> [2001:db8::1:7]:51000 rdomain 515 "
	    "stack [2001:db8::4:80]:8443 -> [2001:db8::3:7]:51001 "
	    "rdomain 1029 "
	    "peers ESTABLISHED:FIN_WAIT_2 timeout 19 expire 2105442176s "
	    "age 2038070140s "
	    "packets 9332165983064197000:9910887365768810384 "
	    "bytes 10489608748473423768:11068330131178037152 "
	    "flags 0x0213\n"
	    "UPD id 6543210000000007 creatorid 5eed0001 inet tcp in "
	    "wire 198.51.100.7:51000 -> 203.0.113.10:443 "
	    "stack 198.51.100.7:51000 -> 192.0.2.80:8443 "
	    "peers ESTABLISHED:ESTABLISHED timeout 2 expire 86400s age 12s "
	    "packets 0:0 bytes 0:0 flags 0x0012\n"
	    "TDB ignored\n");
	free(out);
}

static void
test_print_names_what_it_skips_and_refuses(void **state)
{
	struct pfsync_ref	 ref = { 7, 0x5eed0001 };
	struct pkt		 p;
	uint8_t			 b[64];
	char			*out;
	size_t			 len;

	(void)state;
	(void)unhex(golden_ins_ack, b, sizeof(b));
	b[0] = 5;
	assert_int_equal(print_to_string(b, 36, &out), -1);
	assert_string_equal(out, "badver: version 5\n");
	free(out);
	assert_int_equal(print_to_string(b, 10, &out), -1);
	assert_string_equal(out,
	    "hdrops: 10 bytes, shorter than the pfsync header\n");
	free(out);
	b[0] = 6;
	assert_int_equal(print_to_string(b, 30, &out), -1);
	assert_string_equal(out, "badlen: header len 36, packet 30 bytes\n");
	free(out);

	pkt_begin(&p);
	pkt_raw_subheader(&p, PFSYNC_ACT_OTDB, 12, 1);
	pkt_fill(&p, 0, 48);
	pkt_raw_subheader(&p, 42, 1, 2);
	pkt_fill(&p, 0, 8);
	pfsync_put_subheader(&p.p_w, PFSYNC_ACT_DEL_C, 1);
	pfsync_put_ref(&p.p_w, &ref);
	pkt_raw_subheader(&p, PFSYNC_ACT_UPD_C, 20, 1);
	pkt_fill(&p, 0, 80);
	len = pkt_end(&p);
	pkt_fill(&p, 0, 2);
	assert_int_equal(print_to_string(p.p_buf, len + 2, &out), 0);
	assert_string_equal(out,
	    "2 bytes past the header's len ignored\n"
	    "OTDB: 1 messages of 48 bytes skipped\n"
	    "action 42: 2 messages of 4 bytes skipped\n"
	    "DEL_C id 0000000000000007 creatorid 5eed0001\n"
	    "badlen: UPD_C messages of 80 bytes, 84 needed, rest dropped\n");
	free(out);

	pkt_begin(&p);
	pkt_raw_subheader(&p, PFSYNC_ACT_EOF, 0, 0);
	len = pkt_end(&p);
	assert_int_equal(print_to_string(p.p_buf, len, &out), 0);
	assert_string_equal(out,
	    "badact: EOF with len 0 count 0, rest dropped\n");
	free(out);

	pkt_begin(&p);
	pfsync_put_subheader(&p.p_w, PFSYNC_ACT_DEL_C, 2);
	pfsync_put_ref(&p.p_w, &ref);
	pkt_fill(&p, 0, 2);
	len = pkt_end(&p);
	assert_int_equal(print_to_string(p.p_buf, len, &out), 0);
	assert_string_equal(out,
	    "badlen: DEL_C 2 messages of 12 bytes, 14 bytes left, "
	    "rest dropped\n");
	free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    test_bulk_request_frame_matches_the_spec_byte_for_byte),
		cmocka_unit_test(
		    test_bus_end_frame_matches_the_spec_byte_for_byte),
		cmocka_unit_test(
		    test_ins_ack_frame_matches_the_spec_byte_for_byte),
		cmocka_unit_test(
		    test_state_fields_sit_at_the_offsets_of_table_4_1),
		cmocka_unit_test(
		    test_full_state_round_trips_with_every_field_distinct),
		cmocka_unit_test(
		    test_upd_c_fields_sit_at_the_offsets_of_section_3),
		cmocka_unit_test(
		    test_state_to_upd_c_keeps_the_peers_and_sends_expire_zero),
		cmocka_unit_test(
		    test_each_action_reaches_its_callback_in_order),
		cmocka_unit_test(test_null_callbacks_ignore_their_messages),
		cmocka_unit_test(
	test_deprecated_and_unknown_actions_are_skipped_by_len_times_count),
		cmocka_unit_test(
	test_a_skipped_action_without_len_or_count_stops_with_badact),
		cmocka_unit_test(
	test_a_count_past_the_packet_stops_with_badlen_and_delivers_none_of_it),
		cmocka_unit_test(
	test_a_section_len_below_the_structure_is_refused_with_badlen),
		cmocka_unit_test(
		    test_a_larger_stride_still_parses_the_known_prefix),
		cmocka_unit_test(
		    test_a_packet_shorter_than_the_header_counts_hdrops),
		cmocka_unit_test(test_a_wrong_version_counts_badver),
		cmocka_unit_test(
		    test_a_header_len_past_the_packet_counts_badlen),
		cmocka_unit_test(test_bytes_past_the_header_len_are_ignored),
		cmocka_unit_test(
		    test_a_tail_shorter_than_a_subheader_is_ignored),
		cmocka_unit_test(
	test_a_section_with_count_zero_delivers_nothing_and_the_walk_goes_on),
		cmocka_unit_test(
		    test_a_callback_returning_minus_one_stops_the_walk),
		cmocka_unit_test(
		    test_ifname_is_nul_terminated_when_the_wire_fills_16_bytes),
		cmocka_unit_test(
		    test_state_check_accepts_a_good_state_and_the_edges),
		cmocka_unit_test(test_state_check_rejects_each_invalid_field),
		cmocka_unit_test(
		    test_encoders_set_w_err_when_the_buffer_is_short),
		cmocka_unit_test(
		    test_set_len_rewrites_the_header_len_big_endian),
		cmocka_unit_test(
		    test_msg_len_and_action_names_follow_section_3),
		cmocka_unit_test(test_print_writes_one_line_per_message),
		cmocka_unit_test(test_print_names_what_it_skips_and_refuses),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
