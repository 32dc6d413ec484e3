/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * dhcpd lease sync on the wire (specs/dhcpd-sync.md section 2): the key,
 * the 100-byte datagram we send and the validation of what peers send.
 * Written by hand because the layout is OpenBSD's own; sync_wire.h has
 * the offsets.  Pure functions over bytes: no I/O, no state.
 */

#include <netinet/in.h>

#include <stdint.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "hmac.h"
#include "sync_wire.h"

#define HMAC_OFF	8	/* the hmac field in the header */
#define ADDRLEN_V4	4

_Static_assert(HMAC_SHA1_LEN == DHCP_SYNC_HMACLEN, "HMAC-SHA1 length");
_Static_assert(HMAC_OFF + DHCP_SYNC_HMACLEN + 4 == DHCP_SYNC_HDRLEN,
    "hmac field then 4 pad bytes");
/* dhcp_sync_encode's zero bytes serve every field it zeroes. */
_Static_assert(DHCP_SYNC_HMACLEN >= DHCP_SYNC_HADDRLEN &&
    DHCP_SYNC_HADDRLEN == DHCP_SYNC_IABUFLEN &&
    DHCP_SYNC_HMACLEN >= DHCP_SYNC_LEASE_LEN - DHCP_SYNC_LEASE_MINLEN,
    "zero padding source");

static void	 put_le32(struct wbuf *, uint32_t);
static int	 get_le32(struct buf *, uint32_t *);
static int	 hmac_datagram(const uint8_t *, size_t, const char *, size_t,
		    uint8_t out[HMAC_SHA1_LEN]);
static enum dhcp_sync_drop check_header(const uint8_t *, size_t,
		    uint16_t *);
static enum dhcp_sync_drop get_lease(struct buf *,
		    struct dhcp_sync_lease *);
static enum dhcp_sync_drop walk(const uint8_t *, size_t,
		    int (*)(const struct dhcp_sync_lease *, void *), void *);

static const struct {
	const char	*name;
	const char	*text;
} drops[DHCP_SYNC_DROP_MAX] = {
	[DHCP_SYNC_OK] =		{ "ok", "accepted" },
	[DHCP_SYNC_DROP_SHORT] =	{ "short",
	    "datagrams shorter than the header" },
	[DHCP_SYNC_DROP_VERSION] =	{ "version", "bad version" },
	[DHCP_SYNC_DROP_AF] =		{ "af", "address family not AF_INET" },
	[DHCP_SYNC_DROP_LENGTH] =	{ "length",
	    "header length below 32 or past the datagram" },
	[DHCP_SYNC_DROP_HMAC] =		{ "hmac", "bad HMAC" },
	[DHCP_SYNC_DROP_TLVLEN] =	{ "tlvlen", "bad TLV length" },
	[DHCP_SYNC_DROP_LEASELEN] =	{ "leaselen",
	    "LEASE TLV shorter than 54 bytes" },
	[DHCP_SYNC_DROP_TLVTYPE] =	{ "tlvtype", "unknown TLV type" },
	[DHCP_SYNC_DROP_ADDRLEN] =	{ "addrlen", "address length not 4" },
	[DHCP_SYNC_DROP_HLEN] =		{ "hlen",
	    "hardware address longer than 16 bytes" },
};

const char *
dhcp_sync_drop_name(enum dhcp_sync_drop d)
{
	if ((unsigned int)d >= DHCP_SYNC_DROP_MAX)
		return ("unknown");
	return (drops[d].name);
}

const char *
dhcp_sync_drop_text(enum dhcp_sync_drop d)
{
	if ((unsigned int)d >= DHCP_SYNC_DROP_MAX)
		return ("unknown reason");
	return (drops[d].text);
}

int
dhcp_sync_key(const void *content, size_t len,
    char key[DHCP_SYNC_KEYLEN + 1])
{
	static const char	 hex[] = "0123456789abcdef";
	uint8_t			 md[HMAC_SHA1_LEN];
	size_t			 i;

	key[0] = '\0';
	if (sha1(content, len, md) == -1)
		return (-1);
	for (i = 0; i < sizeof(md); i++) {
		key[2 * i] = hex[md[i] >> 4];
		key[2 * i + 1] = hex[md[i] & 0x0f];
	}
	key[DHCP_SYNC_KEYLEN] = '\0';
	return (0);
}

uint32_t
dhcp_sync_time_out(time_t t)
{
	if (t < 0)
		return (0);
	if ((uint64_t)t > UINT32_MAX)
		return (DHCP_SYNC_INFINITE);
	return ((uint32_t)t);
}

time_t
dhcp_sync_time_in(uint32_t v)
{
	/* u32 into a 64-bit time_t: never negative, 0x7fffffff kept. */
	return ((time_t)v);
}

/* OpenBSD writes these two fields in host order; we pin amd64's. */
static void
put_le32(struct wbuf *w, uint32_t v)
{
	wbuf_put_u8(w, v & 0xff);
	wbuf_put_u8(w, (v >> 8) & 0xff);
	wbuf_put_u8(w, (v >> 16) & 0xff);
	wbuf_put_u8(w, (v >> 24) & 0xff);
}

static int
get_le32(struct buf *b, uint32_t *v)
{
	uint8_t	 x[4];

	if (buf_get_bytes(b, x, sizeof(x)) == -1)
		return (-1);
	*v = (uint32_t)x[0] | (uint32_t)x[1] << 8 | (uint32_t)x[2] << 16 |
	    (uint32_t)x[3] << 24;
	return (0);
}

/*
 * HMAC-SHA1 over the first len bytes of a datagram (len >= 32) as if its
 * hmac field were zero, without writing to it.  Returns 0 or -1.
 */
static int
hmac_datagram(const uint8_t *p, size_t len, const char *key, size_t keylen,
    uint8_t out[HMAC_SHA1_LEN])
{
	static const uint8_t	 zero[DHCP_SYNC_HMACLEN];
	struct hmac_sha1	*h;
	int			 rv = -1;

	if ((h = hmac_sha1_new(key, keylen)) == NULL)
		return (-1);
	if (hmac_sha1_update(h, p, HMAC_OFF) == -1 ||
	    hmac_sha1_update(h, zero, sizeof(zero)) == -1 ||
	    hmac_sha1_update(h, p + HMAC_OFF + DHCP_SYNC_HMACLEN,
	    len - HMAC_OFF - DHCP_SYNC_HMACLEN) == -1 ||
	    hmac_sha1_final(h, out) == -1)
		goto fail;
	rv = 0;
 fail:
	hmac_sha1_free(h);
	return (rv);
}

size_t
dhcp_sync_encode(uint8_t out[DHCP_SYNC_LEN], const char *key, size_t keylen,
    uint32_t counter, const struct dhcp_sync_lease *l)
{
	static const uint8_t	 zero[DHCP_SYNC_HMACLEN];
	struct wbuf		 w;
	uint8_t			 mac[HMAC_SHA1_LEN];
	uint8_t			 hlen;

	hlen = l->hlen > DHCP_SYNC_HADDRLEN ? DHCP_SYNC_HADDRLEN : l->hlen;
	wbuf_init(&w, out, DHCP_SYNC_LEN);

	wbuf_put_u8(&w, DHCP_SYNC_VERSION);
	wbuf_put_u8(&w, DHCP_SYNC_AF);
	wbuf_put_u16(&w, DHCP_SYNC_LEN);
	put_le32(&w, counter);
	wbuf_put_bytes(&w, zero, DHCP_SYNC_HMACLEN);	/* hmac, filled last */
	wbuf_put_bytes(&w, zero, 4);

	wbuf_put_u16(&w, DHCP_SYNC_TLV_LEASE);
	wbuf_put_u16(&w, DHCP_SYNC_LEASE_LEN);
	wbuf_put_u32(&w, l->starts);
	wbuf_put_u32(&w, l->ends);
	wbuf_put_u32(&w, l->timestamp);
	put_le32(&w, ADDRLEN_V4);
	wbuf_put_bytes(&w, &l->ip.s_addr, ADDRLEN_V4);
	wbuf_put_bytes(&w, zero, DHCP_SYNC_IABUFLEN - ADDRLEN_V4);
	wbuf_put_u8(&w, l->htype);
	wbuf_put_u8(&w, hlen);
	wbuf_put_bytes(&w, l->haddr, hlen);
	wbuf_put_bytes(&w, zero, DHCP_SYNC_HADDRLEN - hlen);
	wbuf_put_bytes(&w, zero, DHCP_SYNC_LEASE_LEN - DHCP_SYNC_LEASE_MINLEN);

	wbuf_put_u16(&w, DHCP_SYNC_TLV_END);
	wbuf_put_u16(&w, DHCP_SYNC_END_LEN);

	if (w.w_err || w.w_len != DHCP_SYNC_LEN)
		return (0);
	if (hmac_datagram(out, DHCP_SYNC_LEN, key, keylen, mac) == -1)
		return (0);
	memcpy(out + HMAC_OFF, mac, sizeof(mac));
	return (DHCP_SYNC_LEN);
}

/*
 * A datagram with no lease: the header and END, 36 bytes.  Receivers
 * walk TLVs until END (2.3), so OpenBSD accepts it and does nothing; a
 * hakit peer takes it as "I am here" and may send its table.
 */
size_t
dhcp_sync_encode_hello(uint8_t out[DHCP_SYNC_HELLO_LEN], const char *key,
    size_t keylen, uint32_t counter)
{
	static const uint8_t	 zero[DHCP_SYNC_HMACLEN];
	struct wbuf		 w;
	uint8_t			 mac[HMAC_SHA1_LEN];

	wbuf_init(&w, out, DHCP_SYNC_HELLO_LEN);
	wbuf_put_u8(&w, DHCP_SYNC_VERSION);
	wbuf_put_u8(&w, DHCP_SYNC_AF);
	wbuf_put_u16(&w, DHCP_SYNC_HELLO_LEN);
	put_le32(&w, counter);
	wbuf_put_bytes(&w, zero, DHCP_SYNC_HMACLEN);
	wbuf_put_bytes(&w, zero, 4);
	wbuf_put_u16(&w, DHCP_SYNC_TLV_END);
	wbuf_put_u16(&w, DHCP_SYNC_END_LEN);
	if (w.w_err || w.w_len != DHCP_SYNC_HELLO_LEN ||
	    hmac_datagram(out, DHCP_SYNC_HELLO_LEN, key, keylen, mac) == -1)
		return (0);
	memcpy(out + HMAC_OFF, mac, sizeof(mac));
	return (DHCP_SYNC_HELLO_LEN);
}

/* The sender's counter (little-endian, 2.2); len >= 8 */
uint32_t
dhcp_sync_counter(const uint8_t *p)
{
	return ((uint32_t)p[4] | (uint32_t)p[5] << 8 | (uint32_t)p[6] << 16 |
	    (uint32_t)p[7] << 24);
}

/* Step 1 of section 2.3; sets *length to the header's length field. */
static enum dhcp_sync_drop
check_header(const uint8_t *p, size_t len, uint16_t *length)
{
	struct buf	 b;
	uint8_t		 version, af;

	buf_init(&b, p, len);
	if (len < DHCP_SYNC_HDRLEN ||
	    buf_get_u8(&b, &version) == -1 ||
	    buf_get_u8(&b, &af) == -1 ||
	    buf_get_u16(&b, length) == -1)
		return (DHCP_SYNC_DROP_SHORT);
	if (version != DHCP_SYNC_VERSION)
		return (DHCP_SYNC_DROP_VERSION);
	if (af != DHCP_SYNC_AF)
		return (DHCP_SYNC_DROP_AF);
	/*
	 * hakit: a length inside the header would leave the HMAC field
	 * partly unauthenticated; OpenBSD does not check, nobody sends it.
	 */
	if (*length < DHCP_SYNC_HDRLEN || *length > len)
		return (DHCP_SYNC_DROP_LENGTH);
	return (DHCP_SYNC_OK);
}

/*
 * One LEASE TLV's body; b holds the TLV from its type field on, at least
 * DHCP_SYNC_LEASE_MINLEN bytes, so only the hakit checks can fail.
 */
static enum dhcp_sync_drop
get_lease(struct buf *b, struct dhcp_sync_lease *l)
{
	uint32_t	 addrlen;

	memset(l, 0, sizeof(*l));
	if (buf_skip(b, DHCP_SYNC_TLVHDRLEN) == -1 ||
	    buf_get_u32(b, &l->starts) == -1 ||
	    buf_get_u32(b, &l->ends) == -1 ||
	    buf_get_u32(b, &l->timestamp) == -1 ||
	    get_le32(b, &addrlen) == -1)
		return (DHCP_SYNC_DROP_LEASELEN);
	if (addrlen != ADDRLEN_V4)
		return (DHCP_SYNC_DROP_ADDRLEN);
	if (buf_get_bytes(b, &l->ip.s_addr, ADDRLEN_V4) == -1 ||
	    buf_skip(b, DHCP_SYNC_IABUFLEN - ADDRLEN_V4) == -1 ||
	    buf_get_u8(b, &l->htype) == -1 ||
	    buf_get_u8(b, &l->hlen) == -1)
		return (DHCP_SYNC_DROP_LEASELEN);
	if (l->hlen > DHCP_SYNC_HADDRLEN)
		return (DHCP_SYNC_DROP_HLEN);
	/* Bytes past hlen stay zero: the sender's are undefined. */
	if (buf_get_bytes(b, l->haddr, l->hlen) == -1)
		return (DHCP_SYNC_DROP_LEASELEN);
	return (DHCP_SYNC_OK);
}

/*
 * Steps 3 and 4 over the TLVs of an authenticated datagram (len =
 * `length' - 32 bytes at p), each TLV checked whole before the next.
 * With cb NULL it only validates; otherwise the caller has validated
 * already and each lease goes to cb until one returns non-zero.
 */
static enum dhcp_sync_drop
walk(const uint8_t *p, size_t len,
    int (*cb)(const struct dhcp_sync_lease *, void *), void *arg)
{
	struct dhcp_sync_lease	 l;
	struct buf		 b, tlv;
	enum dhcp_sync_drop	 d;
	uint16_t		 type, tlen;

	buf_init(&b, p, len);
	while (buf_left(&b) > 0) {
		tlv = b;
		if (buf_get_u16(&tlv, &type) == -1 ||
		    buf_get_u16(&tlv, &tlen) == -1)
			return (DHCP_SYNC_DROP_TLVLEN);
		if (tlen < DHCP_SYNC_TLVHDRLEN || tlen > buf_left(&b))
			return (DHCP_SYNC_DROP_TLVLEN);
		(void)buf_sub(&b, tlen, &tlv);
		switch (type) {
		case DHCP_SYNC_TLV_END:
			return (DHCP_SYNC_OK);
		case DHCP_SYNC_TLV_LEASE:
			if (tlen < DHCP_SYNC_LEASE_MINLEN)
				return (DHCP_SYNC_DROP_LEASELEN);
			if ((d = get_lease(&tlv, &l)) != DHCP_SYNC_OK)
				return (d);
			if (cb != NULL && cb(&l, arg) != 0)
				return (DHCP_SYNC_OK);
			break;
		default:
			return (DHCP_SYNC_DROP_TLVTYPE);
		}
	}
	return (DHCP_SYNC_OK);
}

enum dhcp_sync_drop
dhcp_sync_decode(const uint8_t *p, size_t len, const char *key,
    size_t keylen, int (*cb)(const struct dhcp_sync_lease *, void *),
    void *arg)
{
	uint8_t			 mac[HMAC_SHA1_LEN];
	enum dhcp_sync_drop	 d;
	uint16_t		 length;

	if ((d = check_header(p, len, &length)) != DHCP_SYNC_OK)
		return (d);
	if (hmac_datagram(p, length, key, keylen, mac) == -1 ||
	    hmac_cmp(mac, p + HMAC_OFF, sizeof(mac)) != 0)
		return (DHCP_SYNC_DROP_HMAC);
	/* Validate everything first: a bad TLV late applies nothing. */
	if ((d = walk(p + DHCP_SYNC_HDRLEN, length - DHCP_SYNC_HDRLEN,
	    NULL, NULL)) != DHCP_SYNC_OK || cb == NULL)
		return (d);
	return (walk(p + DHCP_SYNC_HDRLEN, length - DHCP_SYNC_HDRLEN, cb,
	    arg));
}
