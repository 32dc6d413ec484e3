/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

/*
 * CARP version 2 on the wire: key, HMAC, checksum, encode, decode and the
 * takeover frames (gratuitous ARP, unsolicited NA).  Pure functions over
 * bytes, written by hand because the format is CARP's own (specs/carp.md
 * sections 2, 4, 5 and 9); the checksums of CARP and ICMPv6 are small
 * enough that a helper library would cost more than it saves.
 */

#include <sys/socket.h>

#include <netinet/in.h>
#include <string.h>

#include "buf.h"
#include "carp_wire.h"

#define ETHER_HDR_LEN		14
#define ETHERTYPE_ARP		0x0806
#define ETHERTYPE_IPV6		0x86dd
#define ARP_HRD_ETHER		1
#define ARP_PRO_IP		0x0800
#define ARP_OP_REQUEST		1
#define IP6_HDR_LEN		40
#define IP6_NXT_ICMPV6		58
#define ICMP6_ND_NA		136
#define ND_NA_ROUTER		0x80	/* first byte of the flags word */
#define ND_NA_OVERRIDE		0x20
#define ND_OPT_TARGET_LLADDR	2
#define ND_NA_LEN		32	/* NA 24 + target link-layer option 8 */

_Static_assert(ETHER_HDR_LEN + 28 == CARP_GARP_LEN, "GARP frame length");
_Static_assert(ETHER_HDR_LEN + IP6_HDR_LEN + ND_NA_LEN == CARP_NA_LEN,
    "NA frame length");

static void	 auth_insert(struct addr *, int *, const struct addr *);
static int	 auth_skip(const struct addr *);
static uint32_t	 cksum_add(uint32_t, const uint8_t *, size_t);
static uint16_t	 cksum_fold(uint32_t);
static void	 put_counter(uint8_t out[CARP_COUNTER_LEN], uint64_t);

static const uint8_t	 ether_bcast[6] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff
};
static const uint8_t	 ether_allnodes[6] = {
	0x33, 0x33, 0x00, 0x00, 0x00, 0x01
};
static const uint8_t	 ip6_allnodes[16] = {
	0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01
};

int
carp_wire_key(const char *pass, uint8_t key[CARP_KEY_LEN])
{
	size_t	 len;

	memset(key, 0, CARP_KEY_LEN);
	if (pass == NULL)
		return (0);
	/* OpenBSD's bounded copy keeps 19 bytes and the NUL. */
	len = strnlen(pass, CARP_KEY_LEN);
	if (len < CARP_KEY_LEN) {
		memcpy(key, pass, len);
		return (0);
	}
	memcpy(key, pass, CARP_KEY_LEN - 1);
	return (1);
}

/*
 * OpenBSD walks the address list looking for the next address above the
 * last one hashed, starting from all-zeroes and below all-ones: those two
 * can never be hashed, so they are left out here too.
 */
static int
auth_skip(const struct addr *a)
{
	size_t	 i, len = addr_len(a);
	int	 zero = 1, ones = 1;

	for (i = 0; i < len; i++) {
		if (a->a_u.raw[i] != 0x00)
			zero = 0;
		if (a->a_u.raw[i] != 0xff)
			ones = 0;
	}
	return (zero || ones);
}

/*
 * Inserts a into the ascending, unique array v of *n entries.  When the
 * array is full the highest address falls off, so the result does not
 * depend on the order the addresses came in.
 */
static void
auth_insert(struct addr *v, int *n, const struct addr *a)
{
	int	 i, c;

	for (i = 0; i < *n; i++) {
		c = addr_cmp(a, &v[i]);
		if (c == 0)
			return;
		if (c < 0)
			break;
	}
	if (i == CARP_MAXADDRS)
		return;
	if (*n == CARP_MAXADDRS)
		(*n)--;
	memmove(&v[i + 1], &v[i], (size_t)(*n - i) * sizeof(*v));
	v[i] = *a;
	v[i].a_plen = -1;	/* netmasks are not hashed */
	(*n)++;
}

void
carp_wire_auth_init(struct carp_auth *au, const uint8_t key[CARP_KEY_LEN],
    uint8_t vhid, const struct addr *addrs, int naddrs, const uint8_t *mac)
{
	struct addr	 a;
	int		 i;

	memset(au, 0, sizeof(*au));
	memcpy(au->au_key, key, CARP_KEY_LEN);
	au->au_vhid = vhid;
	if (mac != NULL) {
		au->au_has_mac = 1;
		memcpy(au->au_mac, mac, sizeof(au->au_mac));
	}
	for (i = 0; i < naddrs; i++) {
		a = addrs[i];
		if (a.a_af != AF_INET && a.a_af != AF_INET6)
			continue;
		if (auth_skip(&a))
			continue;
		/*
		 * The ORIG context hashes link-locals in OpenBSD's kernel
		 * form with the embedded scope (bytes 2-3) cleared, and
		 * sorts them in that form; keep them that way.
		 */
		if (addr_is_v6_linklocal(&a)) {
			a.a_u.raw[2] = 0;
			a.a_u.raw[3] = 0;
		}
		if (a.a_af == AF_INET)
			auth_insert(au->au_v4, &au->au_nv4, &a);
		else
			auth_insert(au->au_v6, &au->au_nv6, &a);
	}
}

/* Message: 02 01 [mac] vhid v4... v6... counter (spec section 4). */
int
carp_wire_hmac(const struct carp_auth *au,
    const uint8_t counter[CARP_COUNTER_LEN], enum carp_hmac_ctx ctx,
    uint8_t out[HMAC_SHA1_LEN])
{
	static const uint8_t	 head[2] = { CARP_VERSION, CARP_ADVERTISEMENT };
	struct hmac_sha1	*h;
	int			 i, rv = -1;

	if ((h = hmac_sha1_new(au->au_key, CARP_KEY_LEN)) == NULL)
		return (-1);
	if (hmac_sha1_update(h, head, sizeof(head)) == -1)
		goto fail;
	if (au->au_has_mac &&
	    hmac_sha1_update(h, au->au_mac, sizeof(au->au_mac)) == -1)
		goto fail;
	if (hmac_sha1_update(h, &au->au_vhid, 1) == -1)
		goto fail;
	for (i = 0; i < au->au_nv4; i++)
		if (hmac_sha1_update(h, au->au_v4[i].a_u.raw, 4) == -1)
			goto fail;
	for (i = 0; i < au->au_nv6; i++) {
		if (ctx == CARP_HMAC_NOV6LL &&
		    addr_is_v6_linklocal(&au->au_v6[i]))
			continue;
		if (hmac_sha1_update(h, au->au_v6[i].a_u.raw, 16) == -1)
			goto fail;
	}
	if (hmac_sha1_update(h, counter, CARP_COUNTER_LEN) == -1 ||
	    hmac_sha1_final(h, out) == -1)
		goto fail;
	rv = 0;
 fail:
	hmac_sha1_free(h);
	return (rv);
}

static uint32_t
cksum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	size_t	 i;

	/* Big-endian words: the result is stored with wbuf_put_u16. */
	for (i = 0; i + 1 < len; i += 2) {
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
		sum = (sum & 0xffff) + (sum >> 16);
	}
	if (len & 1) {
		sum += (uint32_t)p[len - 1] << 8;
		sum = (sum & 0xffff) + (sum >> 16);
	}
	return (sum);
}

static uint16_t
cksum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ((uint16_t)~sum);
}

/*
 * Returns the checksum as a number to be written in network order; over
 * bytes that include a correct checksum it returns 0.
 */
uint16_t
carp_wire_cksum(const void *p, size_t len)
{
	return (cksum_fold(cksum_add(0, p, len)));
}

static void
put_counter(uint8_t out[CARP_COUNTER_LEN], uint64_t cookie)
{
	struct wbuf	 w;

	wbuf_init(&w, out, CARP_COUNTER_LEN);
	wbuf_put_u64(&w, cookie);
}

int
carp_wire_encode(const struct carp_auth *au, uint8_t advbase,
    uint8_t advskew, uint8_t demote, uint64_t cookie,
    uint8_t out[CARP_HDR_LEN])
{
	struct wbuf	 w;
	uint8_t		 counter[CARP_COUNTER_LEN];
	uint8_t		 digest[HMAC_SHA1_LEN];

	put_counter(counter, cookie);
	if (carp_wire_hmac(au, counter, CARP_HMAC_NOV6LL, digest) == -1)
		return (-1);
	wbuf_init(&w, out, CARP_HDR_LEN);
	wbuf_put_u8(&w, CARP_VERSION << 4 | CARP_ADVERTISEMENT);
	wbuf_put_u8(&w, au->au_vhid);
	wbuf_put_u8(&w, advskew);
	wbuf_put_u8(&w, CARP_AUTHLEN);
	wbuf_put_u8(&w, demote);
	wbuf_put_u8(&w, advbase);
	wbuf_put_u16(&w, 0);
	wbuf_put_bytes(&w, counter, sizeof(counter));
	wbuf_put_bytes(&w, digest, sizeof(digest));
	if (w.w_err || w.w_len != CARP_HDR_LEN)
		return (-1);
	/* The checksum goes in last, over the other 34 bytes. */
	wbuf_init(&w, out + 6, 2);
	wbuf_put_u16(&w, carp_wire_cksum(out, CARP_HDR_LEN));
	return (0);
}

/* The receive checks that need no vhid, in OpenBSD's order. */
enum carp_reason
carp_wire_decode(const uint8_t *p, size_t len, uint8_t ttl,
    struct carp_adv *adv)
{
	struct buf	 b;
	uint8_t		 vt;

	if (ttl != CARP_TTL)
		return (CARP_DROP_BADTTL);
	if (p == NULL || len < CARP_HDR_LEN)
		return (CARP_DROP_BADLEN);
	if (carp_wire_cksum(p, CARP_HDR_LEN) != 0)
		return (CARP_DROP_BADSUM);

	buf_init(&b, p, CARP_HDR_LEN);
	if (buf_get_u8(&b, &vt) == -1 ||
	    buf_get_u8(&b, &adv->ca_vhid) == -1 ||
	    buf_get_u8(&b, &adv->ca_advskew) == -1 ||
	    buf_get_u8(&b, &adv->ca_authlen) == -1 ||
	    buf_get_u8(&b, &adv->ca_demote) == -1 ||
	    buf_get_u8(&b, &adv->ca_advbase) == -1 ||
	    buf_get_u16(&b, &adv->ca_cksum) == -1 ||
	    buf_get_bytes(&b, adv->ca_counter, CARP_COUNTER_LEN) == -1 ||
	    buf_get_bytes(&b, adv->ca_digest, HMAC_SHA1_LEN) == -1)
		return (CARP_DROP_BADLEN);
	adv->ca_version = vt >> 4;
	adv->ca_type = vt & 0x0f;
	return (CARP_OK);
}

/*
 * The checks after the vhid lookup.  Type and authlen are not checked,
 * as OpenBSD does not; the ORIG context is tried only when the NOV6LL one
 * fails, and both compare in constant time.
 */
enum carp_reason
carp_wire_verify(const struct carp_adv *adv, const struct carp_auth *au,
    uint64_t cookie)
{
	uint8_t		 digest[HMAC_SHA1_LEN];
	uint8_t		 ours[CARP_COUNTER_LEN];

	if (adv->ca_version != CARP_VERSION)
		return (CARP_DROP_BADVER);
	if (carp_wire_hmac(au, adv->ca_counter, CARP_HMAC_NOV6LL,
	    digest) == -1)
		return (CARP_DROP_BADAUTH);
	if (hmac_cmp(digest, adv->ca_digest, HMAC_SHA1_LEN) != 0) {
		if (carp_wire_hmac(au, adv->ca_counter, CARP_HMAC_ORIG,
		    digest) == -1)
			return (CARP_DROP_BADAUTH);
		if (hmac_cmp(digest, adv->ca_digest, HMAC_SHA1_LEN) != 0)
			return (CARP_DROP_BADAUTH);
	}
	put_counter(ours, cookie);
	if (memcmp(ours, adv->ca_counter, CARP_COUNTER_LEN) == 0)
		return (CARP_DROP_LOOP);
	return (CARP_OK);
}

const char *
carp_wire_reason_stat(enum carp_reason r)
{
	switch (r) {
	case CARP_OK:
		return ("ok");
	case CARP_DROP_BADIF:
		return ("badif");
	case CARP_DROP_BADTTL:
		return ("badttl");
	case CARP_DROP_BADLEN:
		return ("badlen");
	case CARP_DROP_BADSUM:
		return ("badsum");
	case CARP_DROP_BADVHID:
		return ("badvhid");
	case CARP_DROP_BADVER:
		return ("badver");
	case CARP_DROP_BADAUTH:
		return ("badauth");
	case CARP_DROP_LOOP:
		return ("loop");
	case CARP_DROP_MAX:
		break;
	}
	return ("unknown");
}

/* netstat -s -p carp's wording, for one packet. */
const char *
carp_wire_reason_str(enum carp_reason r)
{
	switch (r) {
	case CARP_OK:
		return ("accepted");
	case CARP_DROP_BADIF:
		return ("discarded for bad interface");
	case CARP_DROP_BADTTL:
		return ("discarded for wrong TTL");
	case CARP_DROP_BADLEN:
		return ("discarded because packet too short");
	case CARP_DROP_BADSUM:
		return ("discarded for bad checksum");
	case CARP_DROP_BADVHID:
		return ("discarded for bad vhid");
	case CARP_DROP_BADVER:
		return ("discarded with a bad version");
	case CARP_DROP_BADAUTH:
		return ("discarded for bad authentication");
	case CARP_DROP_LOOP:
		return ("discarded as a replay or network loop");
	case CARP_DROP_MAX:
		break;
	}
	return ("discarded for an unknown reason");
}

/* Returns 0 when vip is not IPv4. */
size_t
carp_wire_garp(const uint8_t mac[6], const struct addr *vip,
    uint8_t out[CARP_GARP_LEN])
{
	static const uint8_t	 zero[6];
	struct wbuf		 w;

	if (vip->a_af != AF_INET)
		return (0);
	wbuf_init(&w, out, CARP_GARP_LEN);
	wbuf_put_bytes(&w, ether_bcast, sizeof(ether_bcast));
	wbuf_put_bytes(&w, mac, 6);
	wbuf_put_u16(&w, ETHERTYPE_ARP);
	wbuf_put_u16(&w, ARP_HRD_ETHER);
	wbuf_put_u16(&w, ARP_PRO_IP);
	wbuf_put_u8(&w, 6);
	wbuf_put_u8(&w, 4);
	wbuf_put_u16(&w, ARP_OP_REQUEST);
	wbuf_put_bytes(&w, mac, 6);		/* sender */
	wbuf_put_bytes(&w, vip->a_u.raw, 4);
	wbuf_put_bytes(&w, zero, sizeof(zero));	/* target */
	wbuf_put_bytes(&w, vip->a_u.raw, 4);
	if (w.w_err || w.w_len != CARP_GARP_LEN)
		return (0);
	return (w.w_len);
}

/*
 * Returns 0 when vip is not IPv6.  The ICMPv6 checksum covers the IPv6
 * pseudo-header: source, destination, upper-layer length, next header.
 */
size_t
carp_wire_na(const uint8_t mac[6], const struct addr *vip, int router,
    uint8_t out[CARP_NA_LEN])
{
	static const uint8_t	 pnxt[4] = { 0, 0, 0, IP6_NXT_ICMPV6 };
	static const uint8_t	 plen[4] = { 0, 0, 0, ND_NA_LEN };
	struct wbuf		 w;
	uint8_t			*icmp;
	uint32_t		 sum;

	if (vip->a_af != AF_INET6)
		return (0);
	wbuf_init(&w, out, CARP_NA_LEN);
	wbuf_put_bytes(&w, ether_allnodes, sizeof(ether_allnodes));
	wbuf_put_bytes(&w, mac, 6);
	wbuf_put_u16(&w, ETHERTYPE_IPV6);

	wbuf_put_u32(&w, 6U << 28);		/* version, class 0, flow 0 */
	wbuf_put_u16(&w, ND_NA_LEN);
	wbuf_put_u8(&w, IP6_NXT_ICMPV6);
	wbuf_put_u8(&w, 255);			/* hop limit */
	wbuf_put_bytes(&w, vip->a_u.raw, 16);
	wbuf_put_bytes(&w, ip6_allnodes, sizeof(ip6_allnodes));

	wbuf_put_u8(&w, ICMP6_ND_NA);
	wbuf_put_u8(&w, 0);			/* code */
	wbuf_put_u16(&w, 0);			/* checksum, below */
	wbuf_put_u8(&w, ND_NA_OVERRIDE | (router ? ND_NA_ROUTER : 0));
	wbuf_put_u8(&w, 0);
	wbuf_put_u16(&w, 0);
	wbuf_put_bytes(&w, vip->a_u.raw, 16);	/* target */
	wbuf_put_u8(&w, ND_OPT_TARGET_LLADDR);
	wbuf_put_u8(&w, 1);			/* length in 8-byte units */
	wbuf_put_bytes(&w, mac, 6);
	if (w.w_err || w.w_len != CARP_NA_LEN)
		return (0);

	icmp = out + ETHER_HDR_LEN + IP6_HDR_LEN;
	sum = cksum_add(0, vip->a_u.raw, 16);
	sum = cksum_add(sum, ip6_allnodes, sizeof(ip6_allnodes));
	sum = cksum_add(sum, plen, sizeof(plen));
	sum = cksum_add(sum, pnxt, sizeof(pnxt));
	sum = cksum_add(sum, icmp, ND_NA_LEN);
	wbuf_init(&w, icmp + 2, 2);
	wbuf_put_u16(&w, cksum_fold(sum));
	return (CARP_NA_LEN);
}
