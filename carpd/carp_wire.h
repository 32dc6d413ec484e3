/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

#ifndef CARP_WIRE_H
#define CARP_WIRE_H

/*
 * CARP version 2 on the wire, as OpenBSD's ip_carp.c sends it (see
 * specs/carp.md).  The IP payload is exactly this 36-byte header; the
 * kernel builds the IP header (TTL 255, TOS 0x10, DF).
 *
 *  byte 0      1        2         3         4        5         6..7
 * +----+----+--------+---------+---------+--------+---------+----------+
 * |ver |type|  vhid  | advskew | authlen | demote | advbase | checksum |
 * +----+----+--------+---------+---------+--------+---------+----------+
 * | 8..15   counter: a constant random cookie per vhid (loop detection) |
 * | 16..35  HMAC-SHA1 over 02 01 [mac] vhid v4... v6... counter         |
 * +---------------------------------------------------------------------+
 *
 * The checksum covers the 36 bytes only, with no pseudo-header, for IPv6
 * too.  Hand-written because the format is CARP's own; decoders read
 * through lib/buf and never cast this struct over received bytes.
 */

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "hmac.h"

#define CARP_VERSION		2
#define CARP_ADVERTISEMENT	1
#define CARP_HDR_LEN		36
#define CARP_AUTHLEN		7	/* 32-bit words: counter + digest */
#define CARP_TTL		255
#define CARP_TOS		0x10
#define CARP_PROTO		112
#define CARP_KEY_LEN		20
#define CARP_COUNTER_LEN	8
#define CARP_BOWOUT		255	/* advbase and advskew of a bow-out */
#define CARP_MAXADDRS		64	/* per carp interface */
#define CARP_GROUP4		"224.0.0.18"
#define CARP_GROUP6		"ff02::12"

struct carp_hdr_layout {	/* documentation of the layout only */
	uint8_t		vt;
	uint8_t		vhid;
	uint8_t		advskew;
	uint8_t		authlen;
	uint8_t		demote;
	uint8_t		advbase;
	uint16_t	cksum;
	uint8_t		counter[CARP_COUNTER_LEN];
	uint8_t		digest[HMAC_SHA1_LEN];
};
_Static_assert(sizeof(struct carp_hdr_layout) == CARP_HDR_LEN,
    "CARP header is 36 bytes");

/* A decoded advertisement. */
struct carp_adv {
	uint8_t		ca_version;
	uint8_t		ca_type;
	uint8_t		ca_vhid;
	uint8_t		ca_advskew;
	uint8_t		ca_authlen;
	uint8_t		ca_demote;
	uint8_t		ca_advbase;
	uint16_t	ca_cksum;
	uint8_t		ca_counter[CARP_COUNTER_LEN];
	uint8_t		ca_digest[HMAC_SHA1_LEN];
};

/*
 * Why a received packet was dropped, in OpenBSD's receive order.  Each has
 * a counter named as in netstat -s -p carp (carp_wire_reason_stat()) and a
 * phrase for logs and carpctl (carp_wire_reason_str()).
 */
enum carp_reason {
	CARP_OK = 0,
	CARP_DROP_BADIF,	/* not on a carpdev with carp children */
	CARP_DROP_BADTTL,	/* TTL / hop limit != 255 */
	CARP_DROP_BADLEN,	/* shorter than the 36-byte header */
	CARP_DROP_BADSUM,	/* checksum */
	CARP_DROP_BADVHID,	/* no carp interface has that vhid */
	CARP_DROP_BADVER,	/* version != 2 */
	CARP_DROP_BADAUTH,	/* HMAC matches in neither context */
	CARP_DROP_LOOP,		/* our own cookie: looped back */
	CARP_DROP_MAX
};

/* HMAC contexts (spec section 4). */
enum carp_hmac_ctx {
	CARP_HMAC_NOV6LL = 0,	/* link-local IPv6 skipped: what we send */
	CARP_HMAC_ORIG		/* link-local included: accepted too */
};

/*
 * What a vhid authenticates: key, vhid, its addresses sorted and unique,
 * and a hand-set MAC when one applies.  Built once per configuration.
 */
struct carp_auth {
	uint8_t		au_key[CARP_KEY_LEN];
	uint8_t		au_vhid;
	int		au_has_mac;
	uint8_t		au_mac[6];
	struct addr	au_v4[CARP_MAXADDRS];	/* ascending, unique */
	int		au_nv4;
	struct addr	au_v6[CARP_MAXADDRS];	/* ascending, unique */
	int		au_nv6;
};

/*
 * Copies the passphrase into the 20-byte key: its first 19 bytes, NUL,
 * zero padding, never hashed.  Returns 1 if the passphrase was truncated,
 * 0 otherwise.  A NULL passphrase gives the all-zero key.
 */
int	 carp_wire_key(const char *pass, uint8_t key[CARP_KEY_LEN]);

/* Fills au from the key, vhid, addresses (any order, duplicates allowed)
 * and an optional hand-set MAC (NULL when none). */
void	 carp_wire_auth_init(struct carp_auth *au,
	    const uint8_t key[CARP_KEY_LEN], uint8_t vhid,
	    const struct addr *addrs, int naddrs, const uint8_t *mac);

/* Computes the digest over au and the counter in the given context.
 * Returns 0 or -1 on a crypto failure. */
int	 carp_wire_hmac(const struct carp_auth *au,
	    const uint8_t counter[CARP_COUNTER_LEN], enum carp_hmac_ctx,
	    uint8_t out[HMAC_SHA1_LEN]);

/* RFC 1071 Internet checksum over len bytes. */
uint16_t carp_wire_cksum(const void *, size_t);

/*
 * Builds the 36-byte advertisement: version 2, type 1, authlen 7, the
 * given timing and demote, the cookie as counter, the NOV6LL digest, the
 * checksum last.  Returns 0 or -1.
 */
int	 carp_wire_encode(const struct carp_auth *au, uint8_t advbase,
	    uint8_t advskew, uint8_t demote, uint64_t cookie,
	    uint8_t out[CARP_HDR_LEN]);

/*
 * First receive checks, before any vhid lookup: TTL, length, checksum.
 * Decodes into adv on CARP_OK.  Trailing bytes beyond 36 are ignored.
 */
enum carp_reason carp_wire_decode(const uint8_t *p, size_t len, uint8_t ttl,
	    struct carp_adv *adv);

/*
 * Checks that follow the vhid lookup: version, HMAC in either context
 * (constant-time), then the loop cookie.
 */
enum carp_reason carp_wire_verify(const struct carp_adv *adv,
	    const struct carp_auth *au, uint64_t cookie);

/* Counter name as in netstat -s -p carp ("badttl"), and OpenBSD's phrase
 * ("discarded for bad ttl"). */
const char *carp_wire_reason_stat(enum carp_reason);
const char *carp_wire_reason_str(enum carp_reason);

/* Gratuitous ARP request frame (42 bytes, Ethernet broadcast, sender =
 * target = vip, sender MAC = mac).  Returns the frame length. */
#define CARP_GARP_LEN	42
size_t	 carp_wire_garp(const uint8_t mac[6], const struct addr *vip,
	    uint8_t out[CARP_GARP_LEN]);

/* Unsolicited neighbour advertisement frame to ff02::1 (Ethernet
 * 33:33:00:00:00:01), hop limit 255, Override set, Router set when
 * router != 0, target link-layer option = mac, source = the target.
 * Returns the frame length. */
#define CARP_NA_LEN	86
size_t	 carp_wire_na(const uint8_t mac[6], const struct addr *vip,
	    int router, uint8_t out[CARP_NA_LEN]);

#endif /* CARP_WIRE_H */
