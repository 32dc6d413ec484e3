/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * pfsync_parse() and pfsync_print() on hostile bytes.  Every message the
 * walk hands on is checked (pfsync_state_check must give a known answer),
 * encoded again, and the encoding parsed back and encoded once more: the
 * two encodings must be the same bytes, so the encoders and decoders
 * agree on every layout.  A broken invariant aborts.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "pfsync_wire.h"

#define CHECK(x)	do { if (!(x)) abort(); } while (0)
#define PKT_MAX		(PFSYNC_HDRLEN + PFSYNC_SUBHDRLEN + \
			    PFSYNC_STATELEN)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

struct seen {
	int			 calls;
	int			 states;
	uint8_t			 action;
	struct pfsync_state	 st;
	struct pfsync_upd_c	 upd_c;
	struct pfsync_ref	 ref;
	struct pfsync_clr	 clr;
	struct pfsync_bus	 bus;
};

static int	 on_state(uint8_t, const struct pfsync_state *, void *);
static int	 on_upd_c(const struct pfsync_upd_c *, void *);
static int	 on_ref(uint8_t, const struct pfsync_ref *, void *);
static int	 on_clr(const struct pfsync_clr *, void *);
static int	 on_bus(const struct pfsync_bus *, void *);
static int	 on_tdb(uint8_t, void *);
static int	 keep_state(uint8_t, const struct pfsync_state *, void *);
static int	 keep_upd_c(const struct pfsync_upd_c *, void *);
static int	 keep_ref(uint8_t, const struct pfsync_ref *, void *);
static int	 keep_clr(const struct pfsync_clr *, void *);
static int	 keep_bus(const struct pfsync_bus *, void *);
static size_t	 one_message(uint8_t *, uint8_t, const void *);
static void	 reparse(uint8_t, const void *, struct seen *);
static void	 check_same(uint8_t, const void *, const void *);

/* The walk under test: checks and re-encodes each message. */
static const struct pfsync_handler	 fuzz_h = {
	.ph_state = on_state,
	.ph_upd_c = on_upd_c,
	.ph_ref = on_ref,
	.ph_clr = on_clr,
	.ph_bus = on_bus,
	.ph_tdb = on_tdb,
};

/* The walk over a re-encoded message: keeps what it decodes. */
static const struct pfsync_handler	 keep_h = {
	.ph_state = keep_state,
	.ph_upd_c = keep_upd_c,
	.ph_ref = keep_ref,
	.ph_clr = keep_clr,
	.ph_bus = keep_bus,
};

static FILE	*devnull;

static int
keep_state(uint8_t action, const struct pfsync_state *s, void *arg)
{
	struct seen	*k = arg;

	k->calls++;
	k->action = action;
	k->st = *s;
	return (0);
}

static int
keep_upd_c(const struct pfsync_upd_c *u, void *arg)
{
	struct seen	*k = arg;

	k->calls++;
	k->action = PFSYNC_ACT_UPD_C;
	k->upd_c = *u;
	return (0);
}

static int
keep_ref(uint8_t action, const struct pfsync_ref *r, void *arg)
{
	struct seen	*k = arg;

	k->calls++;
	k->action = action;
	k->ref = *r;
	return (0);
}

static int
keep_clr(const struct pfsync_clr *c, void *arg)
{
	struct seen	*k = arg;

	k->calls++;
	k->action = PFSYNC_ACT_CLR;
	k->clr = *c;
	return (0);
}

static int
keep_bus(const struct pfsync_bus *b, void *arg)
{
	struct seen	*k = arg;

	k->calls++;
	k->action = PFSYNC_ACT_BUS;
	k->bus = *b;
	return (0);
}

/* A packet holding one message of this action; returns its length. */
static size_t
one_message(uint8_t *pkt, uint8_t action, const void *msg)
{
	struct wbuf	 w;

	wbuf_init(&w, pkt, PKT_MAX);
	pfsync_put_header(&w, 0);
	pfsync_put_subheader(&w, action, 1);
	switch (action) {
	case PFSYNC_ACT_CLR:
		pfsync_put_clr(&w, msg);
		break;
	case PFSYNC_ACT_INS_ACK:
	case PFSYNC_ACT_UPD_REQ:
	case PFSYNC_ACT_DEL_C:
		pfsync_put_ref(&w, msg);
		break;
	case PFSYNC_ACT_UPD_C:
		pfsync_put_upd_c(&w, msg);
		break;
	case PFSYNC_ACT_DEL:
	case PFSYNC_ACT_INS:
	case PFSYNC_ACT_UPD:
		pfsync_put_state(&w, msg);
		break;
	case PFSYNC_ACT_BUS:
		pfsync_put_bus(&w, msg);
		break;
	default:
		abort();
	}
	CHECK(!w.w_err);
	CHECK(w.w_len == PFSYNC_HDRLEN + PFSYNC_SUBHDRLEN +
	    (action == PFSYNC_ACT_DEL ? PFSYNC_STATELEN :
	    pfsync_msg_len(action)));
	CHECK(pkt[PFSYNC_HDRLEN + 1] * 4 == w.w_len - PFSYNC_HDRLEN -
	    PFSYNC_SUBHDRLEN);
	pfsync_set_len(pkt, (uint16_t)w.w_len);
	return (w.w_len);
}

/* Encodes msg, parses the result: exactly that one message comes back. */
static void
reparse(uint8_t action, const void *msg, struct seen *k)
{
	struct pfsync_stats	 st, zero;
	uint8_t			 pkt[PKT_MAX];
	size_t			 len;

	len = one_message(pkt, action, msg);
	memset(&st, 0, sizeof(st));
	memset(&zero, 0, sizeof(zero));
	memset(k, 0, sizeof(*k));
	CHECK(pfsync_parse(pkt, len, &st, &keep_h, k) == 1);
	CHECK(k->calls == 1);
	CHECK(k->action == action);
	CHECK(memcmp(&st, &zero, sizeof(st)) == 0);
}

/* Both messages encode to the same bytes. */
static void
check_same(uint8_t action, const void *a, const void *b)
{
	uint8_t	 pa[PKT_MAX], pb[PKT_MAX];
	size_t	 la, lb;

	la = one_message(pa, action, a);
	lb = one_message(pb, action, b);
	CHECK(la == lb);
	CHECK(memcmp(pa, pb, la) == 0);
}

static int
on_state(uint8_t action, const struct pfsync_state *s, void *arg)
{
	struct seen		*seen = arg;
	struct seen		 k;
	struct pfsync_upd_c	 u;
	const char		*reason = NULL, *why = NULL;
	int			 rv;

	seen->calls++;
	seen->states++;
	CHECK(action == PFSYNC_ACT_INS || action == PFSYNC_ACT_UPD ||
	    action == PFSYNC_ACT_DEL);
	CHECK(memchr(s->ifname, '\0', sizeof(s->ifname)) != NULL);
	rv = pfsync_state_check(s, &reason, &why);
	if (rv == 0)
		CHECK(reason == NULL && why == NULL);
	else {
		CHECK(rv == -1 && reason != NULL && why != NULL);
		CHECK(strcmp(reason, "badval") == 0 ||
		    strcmp(reason, "badstate") == 0);
		CHECK(s->creatorid == 0 || strcmp(reason, "badval") == 0 ||
		    (s->key[0].af != 0 && s->key[0].af != PFSYNC_AF_INET &&
		    s->key[0].af != PFSYNC_AF_INET6) ||
		    (s->key[1].af != 0 && s->key[1].af != PFSYNC_AF_INET &&
		    s->key[1].af != PFSYNC_AF_INET6));
	}
	reparse(action, s, &k);
	check_same(action, s, &k.st);
	CHECK(pfsync_state_check(&k.st, NULL, NULL) == rv);

	pfsync_state_to_upd_c(s, &u);
	CHECK(u.id == s->id && u.creatorid == s->creatorid &&
	    u.timeout == s->timeout && u.expire == 0);
	reparse(PFSYNC_ACT_UPD_C, &u, &k);
	check_same(PFSYNC_ACT_UPD_C, &u, &k.upd_c);
	return (0);
}

static int
on_upd_c(const struct pfsync_upd_c *u, void *arg)
{
	struct seen	*seen = arg;
	struct seen	 k;

	seen->calls++;
	reparse(PFSYNC_ACT_UPD_C, u, &k);
	check_same(PFSYNC_ACT_UPD_C, u, &k.upd_c);
	CHECK(k.upd_c.id == u->id && k.upd_c.creatorid == u->creatorid &&
	    k.upd_c.expire == u->expire && k.upd_c.timeout == u->timeout &&
	    k.upd_c.state_flags == u->state_flags);
	return (0);
}

static int
on_ref(uint8_t action, const struct pfsync_ref *r, void *arg)
{
	struct seen	*seen = arg;
	struct seen	 k;

	seen->calls++;
	CHECK(action == PFSYNC_ACT_INS_ACK || action == PFSYNC_ACT_UPD_REQ ||
	    action == PFSYNC_ACT_DEL_C);
	reparse(action, r, &k);
	CHECK(k.ref.id == r->id && k.ref.creatorid == r->creatorid);
	return (0);
}

static int
on_clr(const struct pfsync_clr *c, void *arg)
{
	struct seen	*seen = arg;
	struct seen	 k;

	seen->calls++;
	CHECK(memchr(c->ifname, '\0', sizeof(c->ifname)) != NULL);
	reparse(PFSYNC_ACT_CLR, c, &k);
	CHECK(strcmp(k.clr.ifname, c->ifname) == 0);
	CHECK(k.clr.creatorid == c->creatorid);
	return (0);
}

static int
on_bus(const struct pfsync_bus *b, void *arg)
{
	struct seen	*seen = arg;
	struct seen	 k;

	seen->calls++;
	reparse(PFSYNC_ACT_BUS, b, &k);
	CHECK(k.bus.creatorid == b->creatorid &&
	    k.bus.endtime == b->endtime && k.bus.status == b->status);
	return (0);
}

static int
on_tdb(uint8_t action, void *arg)
{
	struct seen	*seen = arg;

	seen->calls++;
	CHECK(action == PFSYNC_ACT_TDB);
	return (0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pfsync_handler	 none;
	struct pfsync_stats	 st, st2;
	struct seen		 seen;
	uint64_t		 drops;
	int			 n;

	if (devnull == NULL && (devnull = fopen("/dev/null", "w")) == NULL)
		abort();

	memset(&st, 0, sizeof(st));
	memset(&seen, 0, sizeof(seen));
	n = pfsync_parse(data, size, &st, &fuzz_h, &seen);
	drops = st.hdrops + st.badver + st.badlen + st.badact;
	if (n == -1) {
		/* refused as a whole: one header reason, nothing handed on */
		CHECK(seen.calls == 0);
		CHECK(drops == 1 && st.badact == 0);
	} else {
		CHECK(n == seen.calls);
		CHECK(drops <= 1 && st.hdrops == 0 && st.badver == 0);
	}

	/* Without callbacks the walk goes the same way. */
	memset(&none, 0, sizeof(none));
	memset(&st2, 0, sizeof(st2));
	CHECK(pfsync_parse(data, size, &st2, &none, NULL) == n);
	CHECK(memcmp(&st, &st2, sizeof(st)) == 0);

	CHECK(pfsync_print(devnull, data, size) == (n == -1 ? -1 : 0));
	return (0);
}
