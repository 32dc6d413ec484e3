/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * dhcp_sync_decode() on hostile bytes, three ways: with the spec's key,
 * with the empty key, and, so the fuzzer gets past the HMAC, on a copy
 * whose HMAC was recomputed with the spec's key (as an attacker holding
 * the key would), which reaches the TLV walk.  Invariants: a dropped
 * datagram delivers nothing; an accepted one delivers what a validating
 * pass counted; decoding never writes to the input; each delivered lease
 * encodes to a 100-byte datagram that decodes to the same lease.  A
 * broken invariant aborts.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hmac.h"
#include "sync_wire.h"

#define CHECK(x)	do { if (!(x)) abort(); } while (0)
#define HMAC_OFF	8
#define LENGTH_OFF	2

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

struct seen {
	int			 calls;
	const char		*key;
	size_t			 keylen;
};

static int	 same_lease(const struct dhcp_sync_lease *,
		    const struct dhcp_sync_lease *);
static int	 on_lease(const struct dhcp_sync_lease *, void *);
static int	 keep_lease(const struct dhcp_sync_lease *, void *);
static enum dhcp_sync_drop run(const uint8_t *, size_t, const char *);
static void	 resign(uint8_t *, size_t);

/* Key file "test\n" (specs/dhcpd-sync.md section 2.5). */
static const char fuzz_key[] = "4e1243bd22c66e76c2ba9eddc1f91394e57f9f83";

static int
keep_lease(const struct dhcp_sync_lease *l, void *arg)
{
	struct dhcp_sync_lease	*k = arg;

	*k = *l;
	return (0);
}

/* Field by field: the struct's padding is not compared. */
static int
same_lease(const struct dhcp_sync_lease *a, const struct dhcp_sync_lease *b)
{
	return (a->starts == b->starts && a->ends == b->ends &&
	    a->timestamp == b->timestamp && a->ip.s_addr == b->ip.s_addr &&
	    a->htype == b->htype && a->hlen == b->hlen &&
	    memcmp(a->haddr, b->haddr, sizeof(a->haddr)) == 0);
}

/* Checks one delivered lease and its round trip through the encoder. */
static int
on_lease(const struct dhcp_sync_lease *l, void *arg)
{
	static const uint8_t	 zero[DHCP_SYNC_HADDRLEN];
	struct seen		*s = arg;
	struct dhcp_sync_lease	 back;
	uint8_t			 out[DHCP_SYNC_LEN];

	s->calls++;
	CHECK(l->hlen <= DHCP_SYNC_HADDRLEN);
	CHECK(memcmp(l->haddr + l->hlen, zero,
	    DHCP_SYNC_HADDRLEN - l->hlen) == 0);

	CHECK(dhcp_sync_encode(out, s->key, s->keylen, (uint32_t)s->calls,
	    l) == DHCP_SYNC_LEN);
	memset(&back, 0, sizeof(back));
	CHECK(dhcp_sync_decode(out, sizeof(out), s->key, s->keylen,
	    keep_lease, &back) == DHCP_SYNC_OK);
	CHECK(same_lease(&back, l));
	return (0);
}

/* One decode with every invariant that holds whatever the bytes. */
static enum dhcp_sync_drop
run(const uint8_t *p, size_t len, const char *key)
{
	struct seen		 s;
	enum dhcp_sync_drop	 d, d2;

	memset(&s, 0, sizeof(s));
	s.key = key;
	s.keylen = strlen(key);
	d = dhcp_sync_decode(p, len, key, s.keylen, on_lease, &s);
	CHECK((unsigned int)d < DHCP_SYNC_DROP_MAX);
	CHECK(dhcp_sync_drop_name(d) != NULL &&
	    dhcp_sync_drop_text(d) != NULL);
	if (d != DHCP_SYNC_OK)
		CHECK(s.calls == 0);
	if (len < DHCP_SYNC_HDRLEN)
		CHECK(d == DHCP_SYNC_DROP_SHORT);
	if (s.calls > 0)
		CHECK(len >= (size_t)DHCP_SYNC_HDRLEN +
		    (size_t)s.calls * DHCP_SYNC_LEASE_MINLEN);

	/* Validation alone reaches the same verdict. */
	d2 = dhcp_sync_decode(p, len, key, s.keylen, NULL, NULL);
	CHECK(d2 == d);
	return (d);
}

/* Recomputes the HMAC over the header's length, as a key holder would. */
static void
resign(uint8_t *p, size_t len)
{
	uint8_t		 mac[HMAC_SHA1_LEN];
	size_t		 length;

	if (len < DHCP_SYNC_HDRLEN)
		return;
	length = (size_t)p[LENGTH_OFF] << 8 | p[LENGTH_OFF + 1];
	if (length < DHCP_SYNC_HDRLEN || length > len)
		return;
	memset(p + HMAC_OFF, 0, HMAC_SHA1_LEN);
	CHECK(hmac_sha1(fuzz_key, strlen(fuzz_key), p, length, mac) == 0);
	memcpy(p + HMAC_OFF, mac, sizeof(mac));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t			*copy;
	enum dhcp_sync_drop	 d;

	if (size > 65536)
		return (0);
	/* An exact-size copy, so ASan sees any read past the end. */
	if ((copy = calloc(1, size == 0 ? 1 : size)) == NULL)
		abort();
	if (size > 0)
		memcpy(copy, data, size);

	(void)run(copy, size, fuzz_key);
	(void)run(copy, size, "");
	CHECK(size == 0 || memcmp(copy, data, size) == 0);

	resign(copy, size);
	d = run(copy, size, fuzz_key);
	if (size >= DHCP_SYNC_HDRLEN && copy[0] == DHCP_SYNC_VERSION &&
	    copy[1] == DHCP_SYNC_AF) {
		size_t	 length = (size_t)copy[2] << 8 | copy[3];

		if (length >= DHCP_SYNC_HDRLEN && length <= size)
			CHECK(d != DHCP_SYNC_DROP_HMAC);
	}
	free(copy);
	return (0);
}
