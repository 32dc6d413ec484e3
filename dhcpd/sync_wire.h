/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The hakit Authors */

#ifndef DHCPD_SYNC_WIRE_H
#define DHCPD_SYNC_WIRE_H

/*
 * Lease sync between dhcpd servers, byte-compatible with OpenBSD's
 * dhcpd -y/-Y (specs/dhcpd-sync.md section 2).
 *
 * A server that commits a lease tells its peers with one UDP datagram to
 * port 8067, unicast to each -Y address and/or multicast to 224.0.1.240.
 * There is no session, no acknowledgement and no retransmission: a peer
 * that missed a datagram catches up at the sender's next full lease-file
 * rewrite, when every lease is sent again.  The receiver keeps whichever
 * copy of a lease ends later and answers a stale copy with its own.
 *
 * Every datagram we send is 100 bytes: a 32-byte header, one LEASE TLV of
 * 64 bytes (54 bytes of lease and 10 zero bytes, so the next TLV starts on
 * a 16-byte boundary) and the 4-byte END TLV.  Offsets are from the start
 * of the datagram:
 *
 *   0  version    1 byte   1; anything else is dropped
 *   1  af         1 byte   2 (AF_INET)
 *   2  length     2 bytes  big-endian: header + all TLVs + END (100)
 *   4  counter    4 bytes  +1 per datagram; OpenBSD writes it in host
 *                          order, hakit always little-endian; unread
 *   8  hmac      20 bytes  HMAC-SHA1 over `length' bytes, this field 0
 *  28  pad        4 bytes  zero
 *  32  type       2 bytes  1 = LEASE (big-endian, as every TLV field)
 *  34  length     2 bytes  64: the TLV header, lease and padding
 *  36  starts     4 bytes  big-endian seconds since the epoch
 *  40  ends       4 bytes  big-endian; 0x7fffffff = infinite (BOOTP)
 *  44  timestamp  4 bytes  big-endian; last touched, never merged on
 *  48  addr len   4 bytes  a C int in host order on OpenBSD: 4, written
 *                          and required little-endian (04 00 00 00)
 *  52  addr      16 bytes  the IPv4 address in its first 4 bytes; hakit
 *                          zeroes the rest on send and ignores it
 *  68  htype      1 byte   1 = Ethernet
 *  69  hlen       1 byte   6 for Ethernet; hakit drops hlen > 16
 *  70  haddr     16 bytes  the client's chaddr; bytes past hlen zeroed
 *                          on send and ignored on receive
 *  86  padding   10 bytes  zero
 *  96  type       2 bytes  0 = END
 *  98  length     2 bytes  4
 *
 * A receiver takes any number of TLVs up to `length' (at most
 * DHCP_SYNC_MAXSIZE bytes are read) and stops at END.  Only `counter'
 * and `addr len' are in host order on OpenBSD, so OpenBSD peers of
 * different endianness cannot sync; hakit matches amd64 and arm64.
 *
 * Key: the HMAC key is the 40 lowercase hex characters of SHA-1 over the
 * whole key file (dhcp_sync_key()), not the 20 raw digest bytes.  Without
 * a key file the key is empty (keylen 0): datagrams still carry an HMAC,
 * computed with the empty key, which any peer can forge.
 *
 * Written by hand: the format is OpenBSD's own.  Pure: no I/O, no state;
 * decoders read through lib/buf and never cast these structs over bytes.
 */

#include <netinet/in.h>

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define DHCP_SYNC_PORT		8067
#define DHCP_SYNC_GROUP		"224.0.1.240"
#define DHCP_SYNC_TTL		1	/* default multicast TTL */
#define DHCP_SYNC_VERSION	1
#define DHCP_SYNC_AF		2	/* AF_INET as BSD numbers it */
#define DHCP_SYNC_HDRLEN	32
#define DHCP_SYNC_HMACLEN	20
#define DHCP_SYNC_LEN		100	/* every datagram we send */
#define DHCP_SYNC_HELLO_LEN	36	/* header + END: no lease */
#define DHCP_SYNC_MAXSIZE	1408	/* receive buffer */
#define DHCP_SYNC_KEYLEN	40	/* hex characters of the key */
#define DHCP_SYNC_INFINITE	0x7fffffff

/* TLVs */
#define DHCP_SYNC_TLV_END	0
#define DHCP_SYNC_TLV_LEASE	1
#define DHCP_SYNC_TLVHDRLEN	4
#define DHCP_SYNC_LEASE_MINLEN	54	/* the lease without padding */
#define DHCP_SYNC_LEASE_LEN	64	/* what we send: 54 + 10 zeros */
#define DHCP_SYNC_END_LEN	4
#define DHCP_SYNC_HADDRLEN	16
#define DHCP_SYNC_IABUFLEN	16

/* Documentation of the layouts only: never cast over received bytes. */
struct dhcp_sync_hdr_layout {
	uint8_t		sh_version;
	uint8_t		sh_af;
	uint16_t	sh_length;
	uint32_t	sh_counter;
	uint8_t		sh_hmac[DHCP_SYNC_HMACLEN];
	uint8_t		sh_pad[4];
};
_Static_assert(sizeof(struct dhcp_sync_hdr_layout) == DHCP_SYNC_HDRLEN,
    "sync header is 32 bytes");

struct dhcp_sync_lease_layout {
	uint16_t	lv_type;
	uint16_t	lv_length;
	uint32_t	lv_starts;
	uint32_t	lv_ends;
	uint32_t	lv_timestamp;
	int32_t		lv_addrlen;
	uint8_t		lv_iabuf[DHCP_SYNC_IABUFLEN];
	uint8_t		lv_htype;
	uint8_t		lv_hlen;
	uint8_t		lv_haddr[DHCP_SYNC_HADDRLEN];
	uint8_t		lv_pad[DHCP_SYNC_LEASE_LEN - DHCP_SYNC_LEASE_MINLEN];
};
_Static_assert(sizeof(struct dhcp_sync_lease_layout) == DHCP_SYNC_LEASE_LEN,
    "LEASE TLV is 64 bytes");
_Static_assert(DHCP_SYNC_HDRLEN + DHCP_SYNC_LEASE_LEN + DHCP_SYNC_END_LEN ==
    DHCP_SYNC_LEN, "a sync datagram is 100 bytes");

/*
 * Why a received datagram was dropped, in the order of spec section 2.3.
 * Each has a counter key (dhcp_sync_drop_name()) and words for dhcpctl
 * (dhcp_sync_drop_text()).
 */
enum dhcp_sync_drop {
	DHCP_SYNC_OK = 0,
	DHCP_SYNC_DROP_SHORT,		/* shorter than the 32-byte header */
	DHCP_SYNC_DROP_VERSION,		/* version != 1 */
	DHCP_SYNC_DROP_AF,		/* af != 2 */
	DHCP_SYNC_DROP_LENGTH,		/* length below 32 or past the end */
	DHCP_SYNC_DROP_HMAC,		/* HMAC mismatch */
	DHCP_SYNC_DROP_TLVLEN,		/* TLV length < 4 or past `length' */
	DHCP_SYNC_DROP_LEASELEN,	/* LEASE TLV shorter than 54 */
	DHCP_SYNC_DROP_TLVTYPE,		/* neither END nor LEASE */
	DHCP_SYNC_DROP_ADDRLEN,		/* hakit: address length != 4 */
	DHCP_SYNC_DROP_HLEN,		/* hakit: hlen > 16 */
	DHCP_SYNC_DROP_MAX
};

/*
 * One lease as the wire carries it.  Times are the wire's u32 values
 * (dhcp_sync_time_in() and dhcp_sync_time_out() convert); ip is in
 * network order.  After decoding, haddr bytes past hlen are zero.
 */
struct dhcp_sync_lease {
	uint32_t	 starts;
	uint32_t	 ends;
	uint32_t	 timestamp;
	struct in_addr	 ip;
	uint8_t		 htype;
	uint8_t		 hlen;
	uint8_t		 haddr[DHCP_SYNC_HADDRLEN];
};

/*
 * The HMAC key from the content of the key file: the lowercase hex of its
 * SHA-1, NUL-terminated (len DHCP_SYNC_KEYLEN).  With no key file
 * (ENOENT) the caller uses the empty key instead: key "" and keylen 0.
 * Returns 0, or -1 on a crypto failure with key set to "".
 */
int	 dhcp_sync_key(const void *content, size_t len,
	    char key[DHCP_SYNC_KEYLEN + 1]);

/*
 * Builds the 100-byte datagram for one lease: header (counter
 * little-endian), one LEASE TLV, END, and the HMAC with key (keylen
 * bytes; NULL with 0 for the empty key).  An hlen above 16 is sent as
 * 16.  Returns DHCP_SYNC_LEN, or 0 on a crypto failure.
 */
size_t	 dhcp_sync_encode(uint8_t out[DHCP_SYNC_LEN], const char *key,
	    size_t keylen, uint32_t counter, const struct dhcp_sync_lease *);

/*
 * A header and END only (DHCP_SYNC_HELLO_LEN bytes), a valid datagram
 * with no lease: hakit's announcement at start.  Returns its length, or
 * 0 if the HMAC cannot be computed.
 */
size_t	 dhcp_sync_encode_hello(uint8_t out[DHCP_SYNC_HELLO_LEN],
	    const char *key, size_t keylen, uint32_t counter);
/* The sender's counter of a datagram of at least 8 bytes */
uint32_t dhcp_sync_counter(const uint8_t *p);

/*
 * Validates one received datagram of len bytes (spec section 2.3):
 * len >= 32, version, af, 32 <= length <= len; the HMAC over `length'
 * bytes with the field zeroed, compared in constant time; then the TLVs
 * up to END or `length' (bytes past `length' are ignored).  Only when
 * the whole datagram is valid does it hand each LEASE, in order, to cb
 * (which may be NULL to validate only); a cb returning non-zero stops
 * the delivery.  Returns DHCP_SYNC_OK or the first drop reason, which
 * the caller counts.  p is not modified.
 */
enum dhcp_sync_drop dhcp_sync_decode(const uint8_t *p, size_t len,
	    const char *key, size_t keylen,
	    int (*cb)(const struct dhcp_sync_lease *, void *), void *arg);

/* Counter key ("hmac") and dhcpctl words ("bad HMAC") of a reason. */
const char *dhcp_sync_drop_name(enum dhcp_sync_drop);
const char *dhcp_sync_drop_text(enum dhcp_sync_drop);

/*
 * Wire times are u32.  Out: DHCP_SYNC_INFINITE and anything past the
 * u32 range (e.g. a TIME_MAX infinity) become 0x7fffffff, negative
 * times 0.  In: widened unsigned, so 0x80000000-0xffffffff are 2038-2106
 * and not the past; 0x7fffffff comes back as DHCP_SYNC_INFINITE, which
 * the lease table must treat as never ending.
 */
uint32_t dhcp_sync_time_out(time_t);
time_t	 dhcp_sync_time_in(uint32_t);

#endif /* DHCPD_SYNC_WIRE_H */
