/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * carp_wire_decode() and carp_wire_verify() on hostile bytes, against the
 * authentications of the spec's vectors A, B and C (built once), and the
 * decoded fields sent back through carp_wire_encode(), which must decode
 * to the same advertisement.  A broken invariant aborts.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "carp_wire.h"

#define CHECK(x)	do { if (!(x)) abort(); } while (0)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int	adv_equal(const struct carp_adv *, const struct carp_adv *);
static void	fixtures(void);
static void	auth_from(struct carp_auth *, const char *, uint8_t,
		    const char *const *);
static uint64_t	counter_of(const struct carp_adv *);
static void	check_reason(enum carp_reason);
static void	check_verify(const uint8_t *, const struct carp_adv *,
		    const struct carp_auth *);
static void	check_round_trip(const struct carp_adv *,
		    const struct carp_auth *);

static struct carp_auth	 auths[3];

/* Field by field: the struct has a padding byte. */
static int
adv_equal(const struct carp_adv *a, const struct carp_adv *b)
{
	return (a->ca_version == b->ca_version &&
	    a->ca_type == b->ca_type && a->ca_vhid == b->ca_vhid &&
	    a->ca_advskew == b->ca_advskew && a->ca_authlen == b->ca_authlen &&
	    a->ca_demote == b->ca_demote && a->ca_advbase == b->ca_advbase &&
	    a->ca_cksum == b->ca_cksum &&
	    memcmp(a->ca_counter, b->ca_counter, CARP_COUNTER_LEN) == 0 &&
	    memcmp(a->ca_digest, b->ca_digest, HMAC_SHA1_LEN) == 0);
}

static void
auth_from(struct carp_auth *au, const char *pass, uint8_t vhid,
    const char *const *list)
{
	struct addr	 addrs[CARP_MAXADDRS];
	uint8_t		 key[CARP_KEY_LEN];
	const char	*errstr;
	int		 n;

	(void)carp_wire_key(pass, key);
	for (n = 0; list[n] != NULL; n++)
		CHECK(addr_parse(list[n], &addrs[n], &errstr) == 0);
	carp_wire_auth_init(au, key, vhid, addrs, n, NULL);
}

static void
fixtures(void)
{
	static const char *const a[] = { "192.0.2.1", NULL };
	static const char *const b[] = {
		"198.51.100.20", "192.0.2.10", "203.0.113.5", "192.0.2.10",
		"2001:db8:0:1::20", "2001:db8::1", "fe80::200:5eff:fe00:107",
		NULL
	};
	static const char *const c[] = { "203.0.113.254", NULL };
	static int	 done;

	if (done)
		return;
	auth_from(&auths[0], "hakit-test-pass", 1, a);
	auth_from(&auths[1], "hakit-test-pass", 7, b);
	auth_from(&auths[2], NULL, 255, c);
	done = 1;
}

static uint64_t
counter_of(const struct carp_adv *adv)
{
	uint64_t	 v = 0;
	int		 i;

	for (i = 0; i < CARP_COUNTER_LEN; i++)
		v = v << 8 | adv->ca_counter[i];
	return (v);
}

static void
check_reason(enum carp_reason r)
{
	CHECK(r >= CARP_OK && r < CARP_DROP_MAX);
	CHECK(carp_wire_reason_stat(r) != NULL);
	CHECK(carp_wire_reason_str(r) != NULL);
}

/*
 * Verification is deterministic, the cookie only turns an accepted packet
 * into a loop, and a packet sent with our NOV6LL digest is exactly what
 * carp_wire_encode() would have built.
 */
static void
check_verify(const uint8_t *data, const struct carp_adv *adv,
    const struct carp_auth *au)
{
	enum carp_reason	 r, loop;
	uint8_t			 d[HMAC_SHA1_LEN], out[CARP_HDR_LEN];
	uint64_t		 cookie = counter_of(adv);

	r = carp_wire_verify(adv, au, ~cookie);
	check_reason(r);
	CHECK(r == CARP_OK || r == CARP_DROP_BADVER ||
	    r == CARP_DROP_BADAUTH);
	CHECK(carp_wire_verify(adv, au, ~cookie) == r);
	loop = carp_wire_verify(adv, au, cookie);
	CHECK(loop == (r == CARP_OK ? CARP_DROP_LOOP : r));
	if (r != CARP_OK)
		return;
	CHECK(adv->ca_version == CARP_VERSION);
	CHECK(carp_wire_hmac(au, adv->ca_counter, CARP_HMAC_NOV6LL, d) == 0);
	if (adv->ca_type != CARP_ADVERTISEMENT ||
	    adv->ca_authlen != CARP_AUTHLEN || adv->ca_vhid != au->au_vhid ||
	    memcmp(d, adv->ca_digest, sizeof(d)) != 0)
		return;
	CHECK(carp_wire_encode(au, adv->ca_advbase, adv->ca_advskew,
	    adv->ca_demote, cookie, out) == 0);
	CHECK(memcmp(out, data, 6) == 0);
	CHECK(memcmp(out + 8, data + 8, CARP_HDR_LEN - 8) == 0);
	/*
	 * One's complement has two zeroes: where we compute 0000, a peer
	 * may send ffff, and both sum correctly.
	 */
	CHECK(memcmp(out + 6, data + 6, 2) == 0 ||
	    (memcmp(out + 6, "\0\0", 2) == 0 &&
	    memcmp(data + 6, "\xff\xff", 2) == 0));
}

/* Encodes the decoded fields under the packet's vhid and decodes again. */
static void
check_round_trip(const struct carp_adv *adv, const struct carp_auth *base)
{
	static struct carp_auth	 au;
	struct carp_adv		 back;
	uint8_t			 out[CARP_HDR_LEN], d[HMAC_SHA1_LEN];
	uint64_t		 cookie = counter_of(adv);

	au = *base;
	au.au_vhid = adv->ca_vhid;
	CHECK(carp_wire_encode(&au, adv->ca_advbase, adv->ca_advskew,
	    adv->ca_demote, cookie, out) == 0);
	CHECK(carp_wire_cksum(out, sizeof(out)) == 0);
	memset(&back, 0, sizeof(back));
	CHECK(carp_wire_decode(out, sizeof(out), CARP_TTL, &back) ==
	    CARP_OK);
	CHECK(back.ca_version == CARP_VERSION);
	CHECK(back.ca_type == CARP_ADVERTISEMENT);
	CHECK(back.ca_authlen == CARP_AUTHLEN);
	CHECK(back.ca_vhid == adv->ca_vhid);
	CHECK(back.ca_advskew == adv->ca_advskew);
	CHECK(back.ca_demote == adv->ca_demote);
	CHECK(back.ca_advbase == adv->ca_advbase);
	CHECK(back.ca_cksum == (out[6] << 8 | out[7]));
	CHECK(memcmp(back.ca_counter, adv->ca_counter, CARP_COUNTER_LEN) ==
	    0);
	CHECK(carp_wire_hmac(&au, back.ca_counter, CARP_HMAC_NOV6LL, d) == 0);
	CHECK(memcmp(back.ca_digest, d, sizeof(d)) == 0);
	CHECK(carp_wire_verify(&back, &au, ~cookie) == CARP_OK);
	CHECK(carp_wire_verify(&back, &au, cookie) == CARP_DROP_LOOP);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct carp_adv		 adv, again;
	enum carp_reason	 r;
	size_t			 i;

	fixtures();
	memset(&adv, 0, sizeof(adv));
	r = carp_wire_decode(data, size, CARP_TTL, &adv);
	check_reason(r);
	CHECK(carp_wire_decode(data, size, CARP_TTL - 1, &again) ==
	    CARP_DROP_BADTTL);
	if (size < CARP_HDR_LEN) {
		CHECK(r == CARP_DROP_BADLEN);
		return (0);
	}
	if (r != CARP_OK) {
		CHECK(r == CARP_DROP_BADSUM);
		CHECK(carp_wire_cksum(data, CARP_HDR_LEN) != 0);
		return (0);
	}
	CHECK(carp_wire_cksum(data, CARP_HDR_LEN) == 0);
	/* Trailing bytes never change what is decoded. */
	CHECK(carp_wire_decode(data, CARP_HDR_LEN, CARP_TTL, &again) ==
	    CARP_OK);
	CHECK(adv_equal(&adv, &again));

	for (i = 0; i < sizeof(auths) / sizeof(auths[0]); i++)
		check_verify(data, &adv, &auths[i]);
	check_round_trip(&adv, &auths[1]);
	return (0);
}
